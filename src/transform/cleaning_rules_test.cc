#include "sensorlake/transform/cleaning_rules.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace sensorlake::transform {
namespace {

TEST(CleaningRulesTest, ShippedConfigFileEqualsTheBuiltInDefaults) {
  auto c = LoadTransformConfig(std::string(SENSORLAKE_SOURCE_DIR) + "/config/transform.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->Canonical(), TransformConfig{}.Canonical());
}

TEST(CleaningRulesTest, KeysOverrideDefaults) {
  auto c = ParseTransformConfig(
      "[bounds]\naccel_abs_max = 80.0\n[rules]\ncheck_value_bounds = false\n"
      "[parquet]\ncompression = \"snappy\"\n",
      "t.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->accel_abs_max, 80.0f);
  EXPECT_FALSE(c->check_value_bounds);
  EXPECT_EQ(c->compression, "snappy");
  EXPECT_EQ(c->gyro_abs_max, TransformConfig{}.gyro_abs_max);
}

TEST(CleaningRulesTest, UnknownKeysWrongTypesAndBadValuesNameFileAndLine) {
  auto typo = ParseTransformConfig("[bounds]\naccel_max = 80.0\n", "t.toml");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.status().message(), "t.toml:2: unknown key 'accel_max' in [bounds]");
  auto type = ParseTransformConfig("[rules]\n\ncheck_value_bounds = \"yes\"\n", "t.toml");
  ASSERT_FALSE(type.ok());
  EXPECT_EQ(type.status().message(), "t.toml:3: [rules] check_value_bounds has the wrong type");
  EXPECT_FALSE(ParseTransformConfig("[parquet]\ncompression = \"lz5\"\n", "t.toml").ok());
  EXPECT_FALSE(ParseTransformConfig("[bounds]\ngyro_abs_max = -1.0\n", "t.toml").ok());
  EXPECT_FALSE(ParseTransformConfig("[extra]\nx = 1\n", "t.toml").ok());
  auto syntax = ParseTransformConfig("[bounds\n", "t.toml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.status().message().find("t.toml:1"), std::string::npos);
  EXPECT_EQ(LoadTransformConfig("/nonexistent.toml").status().code(), StatusCode::kNotFound);
}

// An integer key takes TOML integers only: a float is the wrong type (converting 8.3e95 to
// int64 was undefined behaviour, found by fuzz_config), and an int32 key refuses what does
// not fit instead of wrapping.
TEST(CleaningRulesTest, IntegerKeysRefuseFloatsAndValuesOutOfRange) {
  auto huge = ParseTransformConfig("[parquet]\ncompression_level = 8.33e95\n", "t.toml");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().message(), "t.toml:2: [parquet] compression_level has the wrong type");
  EXPECT_FALSE(ParseTransformConfig("[parquet]\ncompression_level = 1.0\n", "t.toml").ok());
  auto wide = ParseTransformConfig("[parquet]\ncompression_level = 4294967299\n", "t.toml");
  ASSERT_FALSE(wide.ok());
  EXPECT_EQ(wide.status().message(),
            "t.toml:2: [parquet] compression_level = 4294967299 is out of range");
  auto fine = ParseTransformConfig("[parquet]\ncompression_level = 9\n", "t.toml");
  ASSERT_TRUE(fine.ok()) << fine.status().ToString();
  EXPECT_EQ(fine->compression_level, 9);
  // A key that went away (part files roll per raw file now) is an unknown key, not ignored.
  EXPECT_FALSE(ParseTransformConfig("[parquet]\ntarget_file_bytes = 1048576\n", "t.toml").ok());
}

TEST(CleaningRulesTest, ReasonNamesAreStable) {
  EXPECT_EQ(ReasonName(Reason::kMalformedLine), "malformed_line");
  EXPECT_EQ(ReasonName(Reason::kConflictingDuplicate), "conflicting_duplicate");
  EXPECT_EQ(ReasonName(Reason::kValueOutOfBounds), "value_out_of_bounds");
}

}  // namespace
}  // namespace sensorlake::transform
