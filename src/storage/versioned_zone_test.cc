#include "sensorlake/storage/versioned_zone.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace sensorlake::storage {
namespace {

namespace fs = std::filesystem;

class VersionedZoneTest : public ::testing::Test {
 protected:
  void SetUp() override { lake_ = std::move(Lake::Open(dir_.str())).ValueOrDie(); }
  // Stages, commits and publishes version `id` holding data/<id>.txt.
  void PublishVersion(const std::string& id) {
    auto staging = zone().CreateStaging(id);
    ASSERT_TRUE(staging.ok());
    ASSERT_TRUE(lake_->WriteAtomic(*staging + "/data/" + id + ".txt", id).ok());
    ASSERT_TRUE(zone().Commit(*staging, id, "{}").ok());
    ASSERT_TRUE(zone().Publish(id, {"data"}).ok());
  }
  VersionedZone zone() const { return VersionedZone(*lake_, "z"); }
  testing::TempDir dir_;
  std::unique_ptr<Lake> lake_;
};

TEST_F(VersionedZoneTest, PublishSwapsCurrentAndTheStableName) {
  PublishVersion("v1");
  PublishVersion("v2");
  EXPECT_EQ(*zone().CurrentVersion().ValueOrDie(), "v2");
  EXPECT_EQ(testing::ReadFile(dir_.path() / "z/data/v2.txt"), "v2");
  EXPECT_FALSE(fs::exists(dir_.path() / "z/data/v1.txt"));
}

TEST_F(VersionedZoneTest, AnAliasPointsAtACompleteVersionAndSurvivesPruning) {
  PublishVersion("v1");
  ASSERT_TRUE(zone().SetAlias("published", "v1").ok());
  EXPECT_EQ(zone().SetAlias("published", "nope").code(), StatusCode::kNotFound);
  PublishVersion("v2");
  PublishVersion("v3");
  PublishVersion("v4");
  ASSERT_TRUE(zone().PruneOldVersions(1).ok());
  // current (v4), one previous (v3), and the alias's v1; v2 is gone.
  for (const char* v : {"v1", "v3", "v4"}) EXPECT_TRUE(zone().HasVersion(v).ValueOrDie()) << v;
  EXPECT_FALSE(zone().HasVersion("v2").ValueOrDie());
  EXPECT_EQ(*zone().AliasVersion("published").ValueOrDie(), "v1");
  EXPECT_EQ(testing::ReadFile(dir_.path() / "z/published/data/v1.txt"), "v1");
  EXPECT_FALSE(zone().AliasVersion("other").ValueOrDie().has_value());
}

}  // namespace
}  // namespace sensorlake::storage
