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

TEST(CleaningRulesTest, ReasonNamesAreStable) {
  EXPECT_EQ(ReasonName(Reason::kMalformedLine), "malformed_line");
  EXPECT_EQ(ReasonName(Reason::kConflictingDuplicate), "conflicting_duplicate");
  EXPECT_EQ(ReasonName(Reason::kValueOutOfBounds), "value_out_of_bounds");
}

}  // namespace
}  // namespace sensorlake::transform
