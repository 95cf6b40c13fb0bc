#include "sensorlake/tables/iceberg_tables.h"

#include <gtest/gtest.h>

#include "sensorlake/storage/lake.h"
#include "testing/scoped_env.h"
#include "testing/temp_dir.h"

namespace sensorlake::tables {
namespace {

TEST(IcebergTablesTest, NoneAndEmptyMeanNoTables) {
  EXPECT_FALSE(CatalogEnabled(""));
  EXPECT_FALSE(CatalogEnabled("none"));
  EXPECT_TRUE(CatalogEnabled("lake"));
  EXPECT_TRUE(CatalogEnabled("glue://sensorlake"));
}

TEST(IcebergTablesTest, ALocalLakeDefaultsToItsOwnCatalogUnlessTheEnvironmentSaysOtherwise) {
  testing::TempDir dir;
  auto lake = storage::Lake::Open((dir.path() / "lake").string());
  ASSERT_TRUE(lake.ok()) << lake.status().ToString();
  {
    testing::ScopedEnv unset("SENSORLAKE_CATALOG", nullptr);
    EXPECT_EQ(DefaultCatalog(**lake), "lake");
  }
  testing::ScopedEnv env("SENSORLAKE_CATALOG", "sqlite:///tmp/elsewhere.db");
  EXPECT_EQ(DefaultCatalog(**lake), "sqlite:///tmp/elsewhere.db");
}

TEST(IcebergTablesTest, SnapshotIdOfReadsTheTableItNamesAndZeroOtherwise) {
  auto result = nlohmann::json::parse(
      R"({"catalog": "lake", "tables": {"sensor_readings": {"snapshot_id": 42},
          "quarantine": {"unchanged": true}}})");
  EXPECT_EQ(SnapshotIdOf(result, "sensor_readings"), 42);
  EXPECT_EQ(SnapshotIdOf(result, "quarantine"), 0);
  EXPECT_EQ(SnapshotIdOf(result, "feature_windows"), 0);
  EXPECT_EQ(SnapshotIdOf(nlohmann::json(), "sensor_readings"), 0);
}

TEST(IcebergTablesTest, DurationsTakeAUnitOrSeconds) {
  EXPECT_EQ(*ParseDuration("7d"), 7 * 86400.0);
  EXPECT_EQ(*ParseDuration("12h"), 12 * 3600.0);
  EXPECT_EQ(*ParseDuration("30m"), 1800.0);
  EXPECT_EQ(*ParseDuration("45s"), 45.0);
  EXPECT_EQ(*ParseDuration("0"), 0.0);
  EXPECT_EQ(*ParseDuration("1.5h"), 5400.0);
  for (const char* bad : {"", "d", "7w", "-1d", "7dd", "seven"}) {
    auto r = ParseDuration(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalid) << bad;
  }
}

TEST(IcebergTablesTest, KeepingNoSnapshotIsRefusedBeforeAnythingRuns) {
  testing::TempDir dir;
  auto lake = storage::Lake::Open((dir.path() / "lake").string());
  ASSERT_TRUE(lake.ok());
  MaintainOptions options;
  options.keep = 0;
  auto r = MaintainTables(**lake, "lake", options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalid);
}

}  // namespace
}  // namespace sensorlake::tables
