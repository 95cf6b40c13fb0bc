#include "sensorlake/ingest/ingest.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "sensorlake/common/progress.h"
#include "sensorlake/common/sha256.h"
#include "sensorlake/storage/lake_lock.h"
#include "testing/opt_out.h"
#include "testing/temp_dir.h"
#include "testing/zip_fixtures.h"

namespace sensorlake::ingest {
namespace {

namespace fs = std::filesystem;

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Progress::SetEnabled(false);
    lake_ = std::move(storage::Lake::Open(dir_.str() + "/lake")).ValueOrDie();
  }

  Result<IngestSummary> Run(const std::string& source, std::string version = "",
                            std::string sha = "", int64_t max_bytes = kDefaultMaxExpandedBytes) {
    IngestOptions o;
    o.source = source;
    o.dataset_version = std::move(version);
    o.expected_sha256 = std::move(sha);
    o.max_expanded_bytes = max_bytes;
    o.cache_dir = dir_.str() + "/cache";
    return Ingest(*lake_, o);
  }

  // The folder source holding `files` below wisdm-dataset/.
  std::string Folder(const std::map<std::string, std::string>& files, const std::string& name) {
    fs::path root = dir_.path() / name;
    testing::WriteTree(root / "wisdm-dataset", files);
    return root.string();
  }

  std::string Zip(const std::vector<testing::ZipEntrySpec>& entries, const std::string& name) {
    fs::path path = dir_.path() / name;
    EXPECT_TRUE(testing::WriteZip(path, entries));
    return path.string();
  }

  fs::path Zone() const { return dir_.path() / "lake/raw/wisdm"; }

  // Names below raw/wisdm/: what a failed ingest must not have changed.
  std::vector<std::string> ZoneListing() const {
    std::vector<std::string> out;
    if (!fs::exists(Zone())) return out;
    for (const auto& e : fs::recursive_directory_iterator(Zone())) {
      out.push_back(e.path().lexically_relative(Zone()).string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  void ExpectNothingLanded() const { EXPECT_EQ(ZoneListing(), std::vector<std::string>{}); }

  testing::TempDir dir_;
  std::unique_ptr<storage::Lake> lake_;
};

void ExpectStatus(const Result<IngestSummary>& r, StatusCode code, std::string_view needle) {
  ASSERT_FALSE(r.ok()) << "expected " << StatusCodeName(code);
  EXPECT_EQ(r.status().code(), code) << r.status().ToString();
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().ToString();
}

TEST_F(IngestTest, FolderLandsEverythingUnderTheDatasetRoot) {
  auto files = testing::TinyDataset();
  std::string src = Folder(files, "src");
  testing::WriteFile(dir_.path() / "src/outside-root.txt", "not part of the dataset\n");
  auto r = Run(src);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->unchanged);
  EXPECT_EQ(r->version, "wisdm-" + r->content_sha256.substr(0, 12));
  EXPECT_EQ(r->files, static_cast<int64_t>(files.size()));
  EXPECT_EQ(r->manifest_path, "raw/wisdm/" + r->version + "/_manifest.json");
  EXPECT_EQ(r->folder_lines,
            (std::map<std::string, int64_t>{
                {"phone/accel", 40}, {"phone/gyro", 40}, {"watch/accel", 40}, {"watch/gyro", 40}}));
  EXPECT_EQ(*zones::LatestRawVersion(*lake_), r->version);

  auto m = zones::ReadRawManifest(*lake_, r->version);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->files.size(), files.size());
  auto it = files.begin();
  for (const auto& f : m->files) {  // sorted by path, as the map is
    EXPECT_EQ(f.path, it->first);
    EXPECT_EQ(f.sha256, Sha256::Hex(it->second));
    EXPECT_EQ(f.bytes, static_cast<int64_t>(it->second.size()));
    EXPECT_EQ(testing::ReadFile(Zone() / r->version / f.path), it->second);
    ++it;
  }
  EXPECT_EQ(m->files[0].path, "README.txt");
  EXPECT_EQ(m->files[0].lines, 2);  // CRLF, no trailing newline
  EXPECT_EQ(m->source["kind"], "dir");
  EXPECT_EQ(m->source["root"], "wisdm-dataset");
  EXPECT_FALSE(fs::exists(Zone() / r->version / "outside-root.txt"));
  EXPECT_FALSE(fs::exists(Zone() / "_staging"));

  auto j = nlohmann::json::parse(testing::ReadFile(Zone() / r->version / "_manifest.json"));
  EXPECT_EQ(j["format"], "sensorlake.raw-manifest/1");
  EXPECT_EQ(j["dataset"], "wisdm");
  EXPECT_EQ(j["engine_version"], SENSORLAKE_VERSION);
  EXPECT_EQ(j["totals"]["files"], files.size());
  EXPECT_EQ(j["totals"]["lines"], r->lines);
  EXPECT_EQ(j["ingested_at"].get<std::string>().size(), 20u);  // 2024-01-02T03:04:05Z
}

TEST_F(IngestTest, ZipAndNestedZipLandTheSameAsTheFolder) {
  auto files = testing::TinyDataset();
  auto from_dir = Run(Folder(files, "src"));
  ASSERT_TRUE(from_dir.ok()) << from_dir.status().ToString();

  std::string inner = Zip(testing::ZipEntries(files, "wisdm-dataset/"), "inner.zip");
  testing::TempDir other;
  lake_ = std::move(storage::Lake::Open(other.str())).ValueOrDie();
  auto from_zip = Run(inner);
  ASSERT_TRUE(from_zip.ok()) << from_zip.status().ToString();
  EXPECT_EQ(from_zip->content_sha256, from_dir->content_sha256);
  EXPECT_EQ(from_zip->version, from_dir->version);
  EXPECT_EQ(from_zip->archive_sha256, Sha256::Hex(testing::ReadFile(inner)));

  // The UCI layout: the outer zip holds wisdm-dataset.zip (and macOS junk beside it).
  std::string outer = Zip(
      {{"wisdm-dataset.zip", testing::ReadFile(inner)}, {"__MACOSX/._wisdm-dataset.zip", "junk"}},
      "outer.zip");
  testing::TempDir third;
  lake_ = std::move(storage::Lake::Open(third.str())).ValueOrDie();
  auto from_nested = Run(outer);
  ASSERT_TRUE(from_nested.ok()) << from_nested.status().ToString();
  EXPECT_EQ(from_nested->content_sha256, from_dir->content_sha256);
  auto m = zones::ReadRawManifest(*lake_, from_nested->version);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->source["kind"], "zip");
  EXPECT_EQ(m->source["nested_archive"], "wisdm-dataset.zip");
  EXPECT_EQ(m->source["archive_sha256"], Sha256::Hex(testing::ReadFile(outer)));
  EXPECT_TRUE(fs::is_empty(dir_.path() / "cache/tmp"));  // the extracted inner zip is gone
}

TEST_F(IngestTest, ZipSlipEntryIsRefused) {
  auto entries = testing::ZipEntries(testing::TinyDataset(), "wisdm-dataset/");
  entries.push_back({"../evil.txt", "pwned\n"});
  ExpectStatus(Run(Zip(entries, "slip.zip")), StatusCode::kRefused, "'../evil.txt'");
  ExpectNothingLanded();
  EXPECT_FALSE(fs::exists(dir_.path() / "evil.txt"));
  EXPECT_FALSE(fs::exists(dir_.path() / "lake/raw/evil.txt"));
}

TEST_F(IngestTest, AbsolutePathEntryIsRefused) {
  auto entries = testing::ZipEntries(testing::TinyDataset(), "wisdm-dataset/");
  entries.push_back({"/tmp/sensorlake-evil.txt", "pwned\n"});
  ExpectStatus(Run(Zip(entries, "abs.zip")), StatusCode::kRefused, "absolute path");
  ExpectNothingLanded();
}

TEST_F(IngestTest, SymlinkEntryIsRefused) {
  auto entries = testing::ZipEntries(testing::TinyDataset(), "wisdm-dataset/");
  entries.push_back(
      {"wisdm-dataset/raw/phone/accel/data_1699_accel_phone.txt", "/etc/passwd", 0120777});
  ExpectStatus(Run(Zip(entries, "link.zip")), StatusCode::kRefused, "symbolic link");
  ExpectNothingLanded();
}

TEST_F(IngestTest, DeviceEntryIsRefused) {
  auto entries = testing::ZipEntries(testing::TinyDataset(), "wisdm-dataset/");
  entries.push_back({"wisdm-dataset/dev", "", 0020644});
  ExpectStatus(Run(Zip(entries, "dev.zip")), StatusCode::kRefused, "character device");
  ExpectNothingLanded();
}

TEST_F(IngestTest, ExpandedSizeBombIsRefusedBeforeExtracting) {
  auto entries = testing::ZipEntries(testing::TinyDataset(), "wisdm-dataset/");
  entries.push_back({"wisdm-dataset/raw/phone/accel/data_1602_accel_phone.txt",
                     std::string(8 << 20, '0')});  // deflates to a few KB
  std::string zip = Zip(entries, "bomb.zip");
  EXPECT_LT(fs::file_size(zip), 100000u);
  ExpectStatus(Run(zip, "", "", 1 << 20), StatusCode::kRefused, "--max-expanded-bytes");
  ExpectNothingLanded();
}

TEST_F(IngestTest, ExpansionRatioBombIsRefusedUnderTheSizeLimit) {
  // 8 MiB of zeros deflate to ~8 KB: ~1000:1, far inside the 4 GiB total limit.
  auto entries = testing::ZipEntries(testing::TinyDataset(), "wisdm-dataset/");
  entries.push_back(
      {"wisdm-dataset/raw/phone/accel/data_1602_accel_phone.txt", std::string(8 << 20, '0')});
  ExpectStatus(Run(Zip(entries, "ratio.zip")), StatusCode::kRefused, "100:1 accepted");
  ExpectStatus(Run(Zip(entries, "ratio.zip")), StatusCode::kRefused, "data_1602_accel_phone.txt");
  ExpectNothingLanded();
}

TEST_F(IngestTest, SmallCompressibleEntryIsNotARatioBomb) {
  // Under 1 MiB, a file of one repeated byte (ratio far above 100:1) is harmless: it lands.
  auto entries = testing::ZipEntries(testing::TinyDataset(), "wisdm-dataset/");
  entries.push_back({"wisdm-dataset/padding.txt", std::string((1 << 20) - 1, ' ')});
  EXPECT_TRUE(Run(Zip(entries, "small.zip")).ok());
}

TEST_F(IngestTest, RealisticTextPassesTheRatioCheck) {
  // 2 MiB of raw lines with varying values deflate ~3:1, like the dataset's own files.
  std::string text;
  for (int32_t i = 0; text.size() < (2u << 20); ++i) {
    text += fmt::format("1602,A,{},{:.6f},{:.6f},{:.6f};\n", 252207666810782 + i * 50000000LL,
                        0.001 * (i % 9973), -0.002 * (i % 7919), 9.81 + 0.0001 * (i % 101));
  }
  auto entries = testing::ZipEntries(testing::TinyDataset(), "wisdm-dataset/");
  entries.push_back({"wisdm-dataset/raw/phone/accel/data_1602_accel_phone.txt", text});
  EXPECT_TRUE(Run(Zip(entries, "text.zip")).ok());
}

TEST_F(IngestTest, ArchiveChecksumIsVerified) {
  std::string zip = Zip(testing::ZipEntries(testing::TinyDataset(), "wisdm-dataset/"), "d.zip");
  std::string actual = Sha256::Hex(testing::ReadFile(zip));
  std::string wrong = Sha256::Hex("something else");
  ExpectStatus(Run(zip, "", wrong), StatusCode::kCorrupt, wrong);
  ExpectStatus(Run(zip, "", wrong), StatusCode::kCorrupt, actual);
  ExpectNothingLanded();
  EXPECT_EQ(Run(zip, "", "abc").status().code(), StatusCode::kInvalid);
  std::string upper = actual;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  auto ok = Run(zip, "", upper);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->archive_sha256, actual);
  EXPECT_EQ(Run(Folder(testing::TinyDataset(), "dir"), "", actual).status().code(),
            StatusCode::kInvalid);  // --sha256 is for archives
}

TEST_F(IngestTest, DamagedEntryLandsNothing) {
  auto entries = testing::ZipEntries(testing::TinyDataset(), "wisdm-dataset/");
  for (auto& e : entries) e.store = true;  // the bytes appear as they are in the zip
  std::string zip = Zip(entries, "damaged.zip");
  std::string bytes = testing::ReadFile(zip);
  std::string victim = testing::TinyDataset()["raw/watch/gyro/data_1601_gyro_watch.txt"];
  size_t at = bytes.find(victim);
  ASSERT_NE(at, std::string::npos);
  bytes[at + victim.size() / 2] ^= 0x01;  // the CRC no longer matches
  testing::WriteFile(zip, bytes);
  ExpectStatus(Run(zip), StatusCode::kCorrupt, "data_1601_gyro_watch.txt");
  ExpectNothingLanded();  // the files staged before the damaged one are gone too
}

TEST_F(IngestTest, FolderWithSymlinkOrSpecialFileIsRefused) {
  std::string src = Folder(testing::TinyDataset(), "src");
  fs::create_symlink("/etc/passwd", dir_.path() / "src/wisdm-dataset/raw/phone/accel/x.txt");
  ExpectStatus(Run(src), StatusCode::kRefused, "symbolic link");
  fs::remove(dir_.path() / "src/wisdm-dataset/raw/phone/accel/x.txt");
  std::string fifo = (dir_.path() / "src/wisdm-dataset/pipe").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
  ExpectStatus(Run(src), StatusCode::kRefused, "named pipe");
  ExpectNothingLanded();
}

TEST_F(IngestTest, SourceWithoutRawOrDataFilesIsInvalid) {
  testing::WriteFile(dir_.path() / "a/README.txt", "hello\n");
  ExpectStatus(Run((dir_.path() / "a").string()), StatusCode::kInvalid, "no raw/ folder");
  testing::WriteFile(dir_.path() / "b/raw/phone/accel/notes.md", "hello\n");
  ExpectStatus(Run((dir_.path() / "b").string()), StatusCode::kInvalid, "no data_*.txt");
  ExpectStatus(Run(Zip({{"README.txt", "x"}}, "empty.zip")), StatusCode::kInvalid, "no raw/");
  EXPECT_EQ(Run((dir_.path() / "missing").string()).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Run("ftp://example.org/x.zip").status().code(), StatusCode::kInvalid);
  EXPECT_EQ(Run(dir_.str(), "../bad").status().code(), StatusCode::kInvalid);
  ExpectNothingLanded();
}

// Every file of the lake with its modification time and content hash.
std::map<std::string, std::pair<fs::file_time_type, std::string>> Snapshot(const fs::path& dir) {
  std::map<std::string, std::pair<fs::file_time_type, std::string>> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    out[e.path().string()] = {e.last_write_time(), Sha256::Hex(testing::ReadFile(e.path()))};
  }
  return out;
}

TEST_F(IngestTest, SecondIngestOfTheSameSourceChangesNothing) {
  std::string src = Folder(testing::TinyDataset(), "src");
  std::string zip = Zip(testing::ZipEntries(testing::TinyDataset(), "wisdm-dataset/"), "d.zip");
  auto first = Run(src);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto before = Snapshot(Zone());
  for (const std::string& again : {src, zip, src}) {  // the zip holds the same content
    auto r = Run(again);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->unchanged) << again;
    EXPECT_FALSE(r->latest_updated);
    EXPECT_EQ(r->version, first->version);
    EXPECT_EQ(r->lines, first->lines);
    EXPECT_EQ(r->folder_lines, first->folder_lines);
    EXPECT_EQ(Snapshot(Zone()), before) << again;
  }
  EXPECT_EQ(*lake_->ListDirectories("raw/wisdm"), std::vector<std::string>{first->version});
}

TEST_F(IngestTest, ChangedSourceLandsANewVersionBesideTheOld) {
  auto a = Run(Folder(testing::TinyDataset(0), "a"));
  ASSERT_TRUE(a.ok());
  auto old_manifest = testing::ReadFile(Zone() / a->version / "_manifest.json");
  auto b = Run(Folder(testing::TinyDataset(1), "b"));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_FALSE(b->unchanged);
  EXPECT_NE(b->version, a->version);
  EXPECT_EQ(*zones::LatestRawVersion(*lake_), b->version);
  EXPECT_EQ(testing::ReadFile(Zone() / a->version / "_manifest.json"), old_manifest);
  EXPECT_TRUE(zones::ReadRawManifest(*lake_, a->version).ok());
  // Ingesting the first source again finds it and makes it the latest again.
  auto again = Run((dir_.path() / "a").string());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->unchanged);
  EXPECT_TRUE(again->latest_updated);
  EXPECT_EQ(*zones::LatestRawVersion(*lake_), a->version);
  auto versions = ListRawVersions(*lake_);
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(versions->size(), 2u);
}

// A folder that changes a few files of the latest version: the others are linked from it
// (the same bytes under a second name), the changed ones copied; the manifest is the same
// as a landing into an empty lake would write.
TEST_F(IngestTest, UnchangedFilesOfTheLatestVersionAreLinkedNotCopied) {
  auto a = Run(Folder(testing::TinyDataset(0), "a"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->files_linked, 0);
  auto b = Run(Folder(testing::TinyDataset(1), "b"));  // subject 1601's four files change
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->files_linked, static_cast<int64_t>(b->files) - 4);
  EXPECT_EQ(b->linked_from, a->version);
  std::string same = "raw/phone/accel/data_1600_accel_phone.txt";
  std::string changed = "raw/phone/accel/data_1601_accel_phone.txt";
  EXPECT_TRUE(fs::equivalent(Zone() / a->version / same, Zone() / b->version / same));
  EXPECT_FALSE(fs::equivalent(Zone() / a->version / changed, Zone() / b->version / changed));
  EXPECT_EQ(testing::ReadFile(Zone() / b->version / changed), testing::TinyDataset(1)[changed]);

  testing::TempDir other;
  auto fresh = std::move(storage::Lake::Open(other.str())).ValueOrDie();
  IngestOptions o;
  o.source = (dir_.path() / "b").string();
  o.cache_dir = dir_.str() + "/cache";
  auto alone = Ingest(*fresh, o);
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(alone->version, b->version);
  auto files = [](const storage::Lake& lake, const std::string& v) {
    return zones::ReadRawManifest(lake, v)->ToJson()["files"];
  };
  EXPECT_EQ(files(*lake_, b->version), files(*fresh, alone->version));
}

TEST_F(IngestTest, ExplicitVersionHoldingOtherContentIsRefused) {
  auto a = Run(Folder(testing::TinyDataset(0), "a"), "2019-uci");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->version, "2019-uci");
  auto b = Run(Folder(testing::TinyDataset(1), "b"), "2019-uci");
  ExpectStatus(b, StatusCode::kAlreadyExists, "2019-uci");
  std::string zip = Zip(testing::ZipEntries(testing::TinyDataset(1), "wisdm-dataset/"), "b.zip");
  ExpectStatus(Run(zip, "2019-uci"), StatusCode::kAlreadyExists, "other content");
  EXPECT_FALSE(fs::exists(Zone() / "_staging"));
  auto same = Run((dir_.path() / "a").string(), "2019-uci");
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->unchanged);
  EXPECT_EQ(zones::ReadRawManifest(*lake_, "2019-uci")->content_sha256, a->content_sha256);
}

TEST_F(IngestTest, RemainsOfACrashedRunAreCleared) {
  auto files = testing::TinyDataset();
  std::string src = Folder(files, "src");
  // What a run killed mid-way leaves: a staging folder, and a version folder whose
  // manifest was never written (killed between the move and the manifest).
  testing::WriteFile(Zone() / "_staging/0123/raw/phone/accel/half.txt", "1600,A,");
  auto probe = Run(src);
  ASSERT_TRUE(probe.ok());
  std::string version = probe->version;
  fs::remove(Zone() / version / "_manifest.json");
  testing::WriteFile(Zone() / version / "raw/junk.txt", "left over\n");
  EXPECT_EQ(zones::LatestRawVersion(*lake_).ok(), true);
  EXPECT_EQ(zones::ReadRawManifest(*lake_, version).status().code(), StatusCode::kNotFound);

  auto r = Run(src);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->unchanged);
  EXPECT_FALSE(fs::exists(Zone() / "_staging"));
  EXPECT_FALSE(fs::exists(Zone() / version / "raw/junk.txt"));
  EXPECT_EQ(lake_->ListFiles(zones::RawVersionDir(version), true)->size(), files.size() + 1);
}

TEST_F(IngestTest, BusyLakeIsRefused) {
  auto lock = storage::LakeLock::Acquire(*lake_, "raw", "another ingest");
  ASSERT_TRUE(lock.ok());
  ExpectStatus(Run(Folder(testing::TinyDataset(), "src")), StatusCode::kBusy, "another ingest");
}

TEST_F(IngestTest, NothingIngestedYetIsNotFound) {
  EXPECT_EQ(zones::LatestRawVersion(*lake_).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(zones::ReadRawManifest(*lake_, "wisdm-000000000000").status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(ListRawVersions(*lake_)->empty());
}

// Lines counted the way `wc -l` does, plus one for an unterminated last line.
int64_t IndependentLineCount(const std::string& content) {
  int64_t n = 0;
  for (char c : content) n += c == '\n';
  return n + (!content.empty() && content.back() != '\n');
}

TEST_F(IngestTest, RealSampleManifestMatchesIndependentCounts) {
  fs::path sample = testing::SharedDir() + "/wisdm/real-sample";
  SENSORLAKE_REQUIRE_COMPONENT("real-sample", fs::is_directory(sample / "raw"),
                               "looked for " + (sample / "raw").string() +
                                   "; put the shared material beside the checkout (../shared) "
                                   "or set " +
                                   testing::kSharedEnv +
                                   " to the folder that holds wisdm/real-sample");
  auto r = Run(sample.string());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto m = zones::ReadRawManifest(*lake_, r->version);
  ASSERT_TRUE(m.ok());
  size_t on_disk = 0;
  for (const auto& e : fs::recursive_directory_iterator(sample)) on_disk += e.is_regular_file();
  ASSERT_EQ(m->files.size(), on_disk);  // one entry per file of the sample, then each checked
  std::map<std::string, int64_t> folder_lines;
  for (const auto& f : m->files) {
    std::string content = testing::ReadFile(sample / f.path);
    EXPECT_EQ(f.lines, IndependentLineCount(content)) << f.path;
    EXPECT_EQ(f.sha256, Sha256::Hex(content)) << f.path;
    EXPECT_EQ(f.bytes, static_cast<int64_t>(content.size())) << f.path;
    if (f.path.starts_with("raw/")) {
      folder_lines[f.path.substr(4, f.path.rfind('/') - 4)] += f.lines;
    }
  }
  EXPECT_EQ(r->folder_lines, folder_lines);
  // `wc -l` over the sample's raw folders, measured once by hand.
  EXPECT_EQ(r->folder_lines["phone/accel"], 172350);
  EXPECT_EQ(r->folder_lines["phone/gyro"], 147208);
}

}  // namespace
}  // namespace sensorlake::ingest
