// Downloads from a loopback server that cuts connections, fails, or serves damaged bytes.
#include "ingest/http_download.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "sensorlake/common/progress.h"
#include "sensorlake/common/sha256.h"
#include "sensorlake/ingest/ingest.h"
#include "testing/http_test_server.h"
#include "testing/temp_dir.h"
#include "testing/zip_fixtures.h"

namespace sensorlake::ingest {
namespace {

namespace fs = std::filesystem;

class IngestHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Progress::SetEnabled(false);
    // Bigger raw files than TinyDataset's, so that a cut lands mid-transfer.
    auto files = testing::TinyDataset();
    std::string big;
    for (int32_t i = 0; i < 8000; ++i) {
      big += fmt::format("1602,A,{},{}.125,-{}.5,9.80665;\n", 252207666810782 + i * 50000000LL,
                         i % 17, i % 13);
    }
    files["raw/phone/accel/data_1602_accel_phone.txt"] = big;
    fs::path zip = dir_.path() / "dataset.zip";
    ASSERT_TRUE(testing::WriteZip(zip, testing::ZipEntries(files, "wisdm-dataset/")));
    zip_path_ = zip.string();
    zip_bytes_ = testing::ReadFile(zip);
    ASSERT_GT(zip_bytes_.size(), 30000u);
  }

  std::unique_ptr<storage::Lake> NewLake(const std::string& name) {
    return std::move(storage::Lake::Open(dir_.str() + "/" + name)).ValueOrDie();
  }

  IngestOptions Options(const std::string& source) {
    IngestOptions o;
    o.source = source;
    o.cache_dir = dir_.str() + "/cache";
    o.download.max_attempts = 3;
    o.download.initial_backoff = std::chrono::milliseconds(5);
    o.download.connect_timeout = std::chrono::seconds(5);
    o.download.stall_timeout = std::chrono::seconds(5);
    return o;
  }

  // The manifest of a direct ingest of the same zip: what every download must reproduce.
  zones::RawManifest DirectManifest() {
    auto lake = NewLake("direct-lake");
    auto r = Ingest(*lake, Options(zip_path_));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return *zones::ReadRawManifest(*lake, r->version);
  }

  static void ExpectSameLanding(const zones::RawManifest& a, const zones::RawManifest& b) {
    EXPECT_EQ(a.version, b.version);
    EXPECT_EQ(a.content_sha256, b.content_sha256);
    EXPECT_EQ(a.source["archive_sha256"], b.source["archive_sha256"]);
    EXPECT_EQ(a.source["root"], b.source["root"]);
    EXPECT_EQ(a.ToJson()["files"], b.ToJson()["files"]);
    EXPECT_EQ(a.ToJson()["totals"], b.ToJson()["totals"]);
  }

  size_t CacheFiles() const {
    fs::path d = dir_.path() / "cache/downloads";
    if (!fs::exists(d)) return 0;
    return static_cast<size_t>(std::distance(fs::directory_iterator(d), fs::directory_iterator()));
  }

  testing::TempDir dir_;
  std::string zip_path_;
  std::string zip_bytes_;
};

TEST_F(IngestHttpTest, CutDownloadResumesWithRangeAndLandsLikeTheZip) {
  int64_t cut = static_cast<int64_t>(zip_bytes_.size() / 2);
  testing::HttpTestServer server({.body = zip_bytes_, .cut_at_offset = cut, .cut_requests = 1});
  auto lake = NewLake("lake");
  std::vector<std::string> retries;
  IngestOptions o = Options(server.url());
  o.download.on_retry = [&](std::string_view m) { retries.emplace_back(m); };
  auto r = Ingest(*lake, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->source_kind, "url");
  EXPECT_EQ(r->archive_sha256, Sha256::Hex(zip_bytes_));

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].range, "");
  EXPECT_EQ(requests[1].range, fmt::format("bytes={}-", cut));
  EXPECT_EQ(requests[1].if_range, "\"v1\"");
  EXPECT_EQ(requests[1].status, 206);
  EXPECT_EQ(retries.size(), 1u);

  auto m = zones::ReadRawManifest(*lake, r->version);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->source["location"], server.url());
  ExpectSameLanding(*m, DirectManifest());
  EXPECT_EQ(CacheFiles(), 0u);  // the finished download is not kept
}

TEST_F(IngestHttpTest, ServerThatAlwaysCutsFailsCleanlyAndANextRunResumes) {
  int64_t cut = static_cast<int64_t>(zip_bytes_.size() / 3);
  testing::HttpTestServer server({.body = zip_bytes_, .cut_at_offset = cut, .cut_requests = -1});
  auto lake = NewLake("lake");
  auto r = Ingest(*lake, Options(server.url()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError) << r.status().ToString();
  EXPECT_NE(r.status().message().find("giving up after 3 attempts"), std::string::npos)
      << r.status().ToString();
  EXPECT_TRUE(lake->ListDirectories("raw/wisdm")->empty());
  EXPECT_EQ(zones::LatestRawVersion(*lake).status().code(), StatusCode::kNotFound);
  // One attempt with progress, then three in a row without.
  EXPECT_EQ(server.requests().size(), 4u);

  // The received bytes wait in the cache; the next run asks only for the rest.
  std::string part = DownloadCachePath(dir_.str() + "/cache", server.url()) + ".part";
  ASSERT_TRUE(fs::exists(part));
  EXPECT_EQ(static_cast<int64_t>(fs::file_size(part)), cut);
  server.StopMisbehaving();
  auto again = Ingest(*lake, Options(server.url()));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_EQ(requests.back().range, fmt::format("bytes={}-", cut));
  ExpectSameLanding(*zones::ReadRawManifest(*lake, again->version), DirectManifest());
  EXPECT_FALSE(fs::exists(part));
}

TEST_F(IngestHttpTest, StalledTransferTimesOutAndResumes) {
  // The first answer sends 512 bytes of the body, then nothing until the client hangs up:
  // only the client's stall timeout can end that transfer (a server that closed would
  // show as a cut, "partial file", instead).
  int64_t cut = 512;
  testing::HttpTestServer server(
      {.body = zip_bytes_, .cut_at_offset = cut, .cut_requests = 1, .stall_ms = -1});
  auto lake = NewLake("lake");
  std::vector<std::string> retries;
  IngestOptions o = Options(server.url());
  o.download.stall_timeout = std::chrono::seconds(1);
  o.download.on_retry = [&](std::string_view m) { retries.emplace_back(m); };
  auto r = Ingest(*lake, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();

  // One failed attempt, ended by the stall timeout at the byte where the server stopped.
  ASSERT_EQ(retries.size(), 1u);
  EXPECT_NE(retries[0].find("download attempt 1 failed"), std::string::npos) << retries[0];
  EXPECT_NE(retries[0].find(fmt::format("stalled at byte {}: less than 1 KiB/s for 1 s", cut)),
            std::string::npos)
      << retries[0];
  // Two requests: the stalled one got 512 of the file's bytes, the second asked for the rest.
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].range, "");
  EXPECT_EQ(requests[0].body_sent, cut);
  EXPECT_LT(requests[0].body_sent, static_cast<int64_t>(zip_bytes_.size()));
  EXPECT_EQ(requests[1].range, fmt::format("bytes={}-", cut));
  EXPECT_EQ(requests[1].status, 206);
  EXPECT_EQ(requests[1].body_sent, static_cast<int64_t>(zip_bytes_.size()) - cut);
  EXPECT_EQ(r->archive_sha256, Sha256::Hex(zip_bytes_));
  ExpectSameLanding(*zones::ReadRawManifest(*lake, r->version), DirectManifest());
}

TEST_F(IngestHttpTest, ServerWithoutRangesIsDownloadedAgainFromTheStart) {
  testing::HttpTestServer server({.body = zip_bytes_,
                                  .cut_at_offset = static_cast<int64_t>(zip_bytes_.size() / 2),
                                  .cut_requests = 1,
                                  .support_ranges = false});
  auto lake = NewLake("lake");
  auto r = Ingest(*lake, Options(server.url()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].status, 200);  // the Range was ignored: the file starts over
  ExpectSameLanding(*zones::ReadRawManifest(*lake, r->version), DirectManifest());
}

TEST_F(IngestHttpTest, TransientStatusIsRetriedAndNotFoundIsNot) {
  testing::HttpTestServer server({.body = zip_bytes_, .fail_status = 503, .fail_requests = 2});
  auto lake = NewLake("lake");
  auto r = Ingest(*lake, Options(server.url()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(server.requests().size(), 3u);

  std::string missing = fmt::format("http://127.0.0.1:{}/nope.zip", server.port());
  auto nf = Ingest(*lake, Options(missing));
  ASSERT_FALSE(nf.ok());
  EXPECT_EQ(nf.status().code(), StatusCode::kNotFound) << nf.status().ToString();
  EXPECT_EQ(server.requests().size(), 4u);  // not retried
}

TEST_F(IngestHttpTest, NoServerIsATransientFailureThatEndsCleanly) {
  int port = 0;
  {
    testing::HttpTestServer gone({.body = "x"});
    port = gone.port();
  }  // nothing listens there any more
  auto lake = NewLake("lake");
  auto r = Ingest(*lake, Options(fmt::format("http://127.0.0.1:{}/dataset.zip", port)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError) << r.status().ToString();
  EXPECT_TRUE(lake->ListDirectories("raw/wisdm")->empty());
}

TEST_F(IngestHttpTest, CorruptedDownloadIsCaughtBySha256) {
  std::string damaged = zip_bytes_;
  damaged[damaged.size() / 2] ^= 0x40;
  testing::HttpTestServer server({.body = damaged});
  auto lake = NewLake("lake");
  IngestOptions o = Options(server.url());
  o.expected_sha256 = Sha256::Hex(zip_bytes_);
  auto r = Ingest(*lake, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(r.status().message().find(Sha256::Hex(zip_bytes_)), std::string::npos);
  EXPECT_NE(r.status().message().find(Sha256::Hex(damaged)), std::string::npos);
  EXPECT_TRUE(lake->ListDirectories("raw/wisdm")->empty());
  EXPECT_EQ(CacheFiles(), 0u);  // a bad download is not kept for resuming
}

TEST_F(IngestHttpTest, KnownChecksumSkipsTheDownload) {
  auto lake = NewLake("lake");
  auto first = Ingest(*lake, Options(zip_path_));
  ASSERT_TRUE(first.ok());
  testing::HttpTestServer server({.body = zip_bytes_});
  IngestOptions o = Options(server.url());
  o.expected_sha256 = first->archive_sha256;
  auto r = Ingest(*lake, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->unchanged);
  EXPECT_EQ(server.requests().size(), 0u);
}

TEST(IngestUrl, CachePathAndRedaction) {
  std::string url(kUciDatasetUrl);
  std::string path = DownloadCachePath("/c", url);
  EXPECT_TRUE(path.starts_with("/c/downloads/")) << path;
  EXPECT_TRUE(
      path.ends_with("-wisdm+smartphone+and+smartwatch+activity+and+biometrics+dataset.zip"))
      << path;
  EXPECT_NE(DownloadCachePath("/c", url + "?x=1"), path);
  EXPECT_TRUE(DownloadCachePath("/c", "http://h/").ends_with("-download"));
  EXPECT_EQ(RedactUrl("https://user:pw@host/a@b.zip"), "https://host/a@b.zip");
  EXPECT_EQ(RedactUrl("https://host/a@b.zip"), "https://host/a@b.zip");
}

}  // namespace
}  // namespace sensorlake::ingest
