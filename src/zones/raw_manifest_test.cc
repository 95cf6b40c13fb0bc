#include "sensorlake/zones/raw_manifest.h"

#include <gtest/gtest.h>

#include "sensorlake/common/sha256.h"
#include "testing/temp_dir.h"

namespace sensorlake::zones {
namespace {

RawManifest TwoFiles() {
  RawManifest m;
  m.version = "v1";
  m.ingested_at = "2026-12-03T00:00:00Z";
  for (const char* path :
       {"raw/watch/gyro/data_1601_gyro_watch.txt", "raw/phone/accel/data_1600_accel_phone.txt"}) {
    std::string content = fmt::format("{}\n", path);
    m.files.push_back({path, static_cast<int64_t>(content.size()), Sha256::Hex(content),
                       CountLines(content), ""});
  }
  m.content_sha256 = ContentSha256(m.files);
  return m;
}

TEST(RawManifestTest, JsonRoundTripKeepsEveryFieldAndTotals) {
  RawManifest m = TwoFiles();
  nlohmann::json j = m.ToJson();
  EXPECT_EQ(j["format"], kRawManifestFormat);
  EXPECT_EQ(j["totals"]["lines"], 2);
  EXPECT_EQ(j["totals"]["bytes"], m.TotalBytes());
  auto back = RawManifest::FromJson(j, "test");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->version, "v1");
  EXPECT_EQ(back->content_sha256, m.content_sha256);
  ASSERT_EQ(back->files.size(), 2u);
  EXPECT_EQ(back->files[1].path, m.files[1].path);
  EXPECT_EQ(back->TotalLines(), 2);
}

TEST(RawManifestTest, ContentHashIgnoresOrderButNotContent) {
  RawManifest m = TwoFiles();
  std::vector<RawFileEntry> reversed(m.files.rbegin(), m.files.rend());
  EXPECT_EQ(ContentSha256(reversed), m.content_sha256);
  reversed[0].sha256 = Sha256::Hex("other");
  EXPECT_NE(ContentSha256(reversed), m.content_sha256);
}

TEST(RawManifestTest, TamperedOrMalformedManifestIsCorrupt) {
  nlohmann::json j = TwoFiles().ToJson();
  j["files"][0]["sha256"] = Sha256::Hex("tampered");
  EXPECT_EQ(RawManifest::FromJson(j, "m").status().code(), StatusCode::kCorrupt);
  nlohmann::json wrong_type = TwoFiles().ToJson();
  wrong_type["files"][0]["bytes"] = "many";
  EXPECT_EQ(RawManifest::FromJson(wrong_type, "m").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(RawManifest::FromJson({{"format", "other/1"}}, "m").status().code(),
            StatusCode::kCorrupt);
}

TEST(RawManifestTest, ReadsBackWhatIsInTheLakeAndNamesWhatIsNot) {
  testing::TempDir dir;
  auto lake = std::move(storage::Lake::Open(dir.str())).ValueOrDie();
  EXPECT_EQ(ReadRawManifest(*lake, "v1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(LatestRawVersion(*lake).status().code(), StatusCode::kNotFound);

  RawManifest m = TwoFiles();
  ASSERT_TRUE(lake->WriteAtomic(RawManifestPath("v1"), m.ToJson().dump()).ok());
  EXPECT_EQ(RawManifestPath("v1"), RawVersionDir("v1") + "/_manifest.json");
  auto read = ReadRawManifest(*lake, "v1");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->content_sha256, m.content_sha256);

  ASSERT_TRUE(lake->WriteAtomic("raw/wisdm/_latest.json", "{\"version\": 7}").ok());
  EXPECT_EQ(LatestRawVersion(*lake).status().code(), StatusCode::kCorrupt);
  ASSERT_TRUE(lake->WriteAtomic("raw/wisdm/_latest.json", "{\"version\": \"v1\"}").ok());
  EXPECT_EQ(*LatestRawVersion(*lake), "v1");
}

}  // namespace
}  // namespace sensorlake::zones
