#include "sensorlake/transform/transform.h"

#include <arrow/io/file.h>
#include <gtest/gtest.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "sensorlake/storage/lake_lock.h"
#include "testing/fault_injection_backend.h"
#include "testing/raw_zone.h"
#include "testing/temp_dir.h"
#include "transform/transform_internal.h"

namespace sensorlake::transform {
namespace {

namespace fs = std::filesystem;

// A small raw dataset: `subjects` subjects, every folder, two activities of `n` lines.
std::map<std::string, std::string> RawFiles(int32_t subjects, int32_t n, int32_t seed = 0) {
  std::map<std::string, std::string> files;
  for (int32_t s = 0; s < subjects; ++s) {
    for (const auto& folder : wisdm::kFolders) {
      wisdm::RawFileName name{1600 + s, folder};
      std::string content;
      for (int32_t i = 0; i < 2 * n; ++i) {
        content += fmt::format("{},{},{},{}.25,{}.5,-{}.75;\n", name.subject, i < n ? 'A' : 'B',
                               1'000'000 + i * 50'000'000ll, (i + seed) % 17, i % 5, i % 3);
      }
      files[name.RelativePath()] = content;
    }
  }
  return files;
}

int64_t RowsInVersionDir(const fs::path& dir) {
  int64_t rows = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir / "sensor_readings")) {
    if (e.path().extension() != ".parquet") continue;
    auto md = parquet::ReadMetaData(arrow::io::ReadableFile::Open(e.path().string()).ValueOrDie());
    rows += md->num_rows();
  }
  return rows;
}

std::map<std::string, std::string> ParquetBytes(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().extension() == ".parquet") {
      out[fs::relative(e.path(), dir).string()] = testing::ReadFile(e.path());
    }
  }
  return out;
}

class TransformTest : public ::testing::Test {
 protected:
  void SetUp() override { lake_ = std::move(storage::Lake::Open(dir_.str())).ValueOrDie(); }
  Result<TransformSummary> Run(std::string version = "") {
    TransformOptions o;
    o.dataset_version = std::move(version);
    o.threads = 2;
    return RunTransform(*lake_, o);
  }
  testing::TempDir dir_;
  std::unique_ptr<storage::Lake> lake_;
};

TEST_F(TransformTest, PublishesACompleteVersionWithConservedCounts) {
  ASSERT_TRUE(testing::LandRawVersion(*lake_, "v1", RawFiles(3, 100)).ok());
  auto s = Run();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_FALSE(s->unchanged);
  EXPECT_EQ(s->totals.lines, 3 * 4 * 200);
  EXPECT_EQ(s->totals.rows, 3 * 4 * 200);
  EXPECT_TRUE(s->totals.Conserved());
  fs::path curated = dir_.path() / "curated";
  // One curated and one quarantine file per raw file, named by subject.
  EXPECT_TRUE(fs::exists(curated / "sensor_readings/device=phone/sensor=accel/part-01600.parquet"));
  EXPECT_TRUE(fs::exists(curated / "quarantine/device=watch/sensor=gyro/part-01602.parquet"));
  EXPECT_EQ(ParquetBytes(curated / "current").size(), 24u);
  EXPECT_EQ(RowsInVersionDir(curated / "current"), 2400);
  auto manifest = nlohmann::json::parse(testing::ReadFile(curated / "current/_manifest.json"));
  EXPECT_EQ(manifest["files"].size(), 12u);
  EXPECT_EQ(manifest["files"][0]["manifest_lines"], 200);
  EXPECT_TRUE(manifest["totals"]["conserved"].get<bool>());
  // No staging left behind.
  for (const auto& e : fs::directory_iterator(curated / "_versions")) {
    EXPECT_FALSE(e.path().filename().string().starts_with(".staging")) << e.path();
  }
}

TEST_F(TransformTest, SecondRunOnTheSameInputDoesNothing) {
  ASSERT_TRUE(testing::LandRawVersion(*lake_, "v1", RawFiles(2, 50)).ok());
  auto first = Run();
  ASSERT_TRUE(first.ok());
  auto second = Run();
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->unchanged);
  EXPECT_EQ(second->curated_version, first->curated_version);
  EXPECT_EQ(second->totals.rows, first->totals.rows);
}

TEST_F(TransformTest, OutputIsDeterministicAcrossLakesAndThreadCounts) {
  ASSERT_TRUE(testing::LandRawVersion(*lake_, "v1", RawFiles(3, 80)).ok());
  ASSERT_TRUE(Run().ok());
  testing::TempDir other_dir;
  auto other = std::move(storage::Lake::Open(other_dir.str())).ValueOrDie();
  ASSERT_TRUE(testing::LandRawVersion(*other, "v1", RawFiles(3, 80)).ok());
  TransformOptions o;
  o.threads = 1;
  auto s = RunTransform(*other, o);
  ASSERT_TRUE(s.ok());
  auto a = ParquetBytes(dir_.path() / "curated/current");
  auto b = ParquetBytes(other_dir.path() / "curated/current");
  ASSERT_EQ(a.size(), 24u);
  EXPECT_TRUE(a == b) << "same raw input must give byte-identical Parquet files";
}

TEST_F(TransformTest, OutcomesAreGatheredBySubjectWhateverOrderTheFilesRanIn) {
  // Workers take the biggest file first: make the last subject's files the biggest, so the
  // order of work is the reverse of the order the results must keep (a distributed task's
  // manifest lists them as they come).
  auto files = RawFiles(3, 20);
  for (const auto& [path, big] : RawFiles(3, 200)) {
    if (path.find("1602") != std::string::npos) files[path] = big;
  }
  ASSERT_TRUE(testing::LandRawVersion(*lake_, "v1", files).ok());
  auto raw = zones::ReadRawManifest(*lake_, "v1");
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  detail::RunOptions options{.staging = "staging", .part_prefix = "part-", .threads = 2};
  auto results = detail::RunFolders(*lake_, detail::PlanInputs(*raw), TransformConfig{}, options);
  ASSERT_TRUE(detail::FirstFailure(results).ok()) << detail::FirstFailure(results).ToString();
  for (const auto& r : results) {
    std::vector<std::string> listed, written;
    std::vector<std::string> expected;
    for (const auto& f : r.files) listed.push_back(f.path);
    for (const auto& o : r.outputs) written.push_back(o.source);
    for (int32_t subject = 1600; subject <= 1602; ++subject) {
      expected.push_back(wisdm::RawFileName{subject, r.stats.folder}.RelativePath());
    }
    EXPECT_EQ(listed, expected) << r.stats.folder.Name();
    EXPECT_EQ(written, expected) << r.stats.folder.Name();
    EXPECT_EQ(r.stats.files, 3);
    EXPECT_EQ(r.stats.counts.rows, 2 * (20 + 20 + 200));
  }
}

// The manifest's "files" and "outputs" without what differs between an incremental run and
// a rebuild by design (timings; where the bytes were first written).
nlohmann::json Comparable(const fs::path& version_dir) {
  auto m = nlohmann::json::parse(testing::ReadFile(version_dir / "_manifest.json"));
  for (auto& o : m["outputs"]) o.erase("origin");
  return {m["files"], m["outputs"], m["totals"], m["curated_version"]};
}

TEST_F(TransformTest, AnIncrementalRunTransformsOnlyNewAndChangedFilesAndEqualsARebuild) {
  ASSERT_TRUE(testing::LandRawVersion(*lake_, "v1", RawFiles(3, 100)).ok());
  auto first = Run("v1");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->full_reason, "no current curated version");
  // v2: subjects 1603 and 1604 are new, subject 1601's phone accelerometer file changed.
  auto files = RawFiles(5, 100);
  std::string changed = "raw/phone/accel/data_1601_accel_phone.txt";
  files[changed] = RawFiles(2, 100, /*seed=*/7)[changed];
  ASSERT_TRUE(testing::LandRawVersion(*lake_, "v2", files).ok());
  auto second = Run("v2");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->base_version, first->curated_version);
  auto j = second->ToJson();
  EXPECT_EQ(j["files_transformed"], 2 * 4 + 1);
  EXPECT_EQ(j["files_reused"], 3 * 4 - 1);
  EXPECT_TRUE(second->totals.Conserved());

  // The reused files are the base version's own bytes under a second name (hard links).
  fs::path v1 = dir_.path() / "curated/_versions" / first->curated_version;
  fs::path v2 = dir_.path() / "curated/_versions" / second->curated_version;
  std::string kept = "sensor_readings/device=watch/sensor=gyro/part-01602.parquet";
  EXPECT_TRUE(fs::equivalent(v1 / kept, v2 / kept));
  EXPECT_FALSE(fs::equivalent(v1 / "sensor_readings/device=phone/sensor=accel/part-01601.parquet",
                              v2 / "sensor_readings/device=phone/sensor=accel/part-01601.parquet"));
  auto manifest = nlohmann::json::parse(testing::ReadFile(v2 / "_manifest.json"));
  for (const auto& o : manifest["outputs"]) {
    std::string path = o["path"];
    bool is_new = o["source"] == changed || path.ends_with("01603.parquet") ||
                  path.ends_with("01604.parquet");
    EXPECT_EQ(o["origin"], is_new ? second->curated_version : first->curated_version) << o;
  }

  // A full rebuild of v2 in another lake: the same files, byte for byte, and the same manifest.
  testing::TempDir other_dir;
  auto other = std::move(storage::Lake::Open(other_dir.str())).ValueOrDie();
  ASSERT_TRUE(testing::LandRawVersion(*other, "v2", files).ok());
  TransformOptions o;
  o.full = true;
  auto rebuilt = RunTransform(*other, o);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  EXPECT_EQ(rebuilt->full_reason, "--full");
  EXPECT_EQ(rebuilt->curated_version, second->curated_version);
  auto a = ParquetBytes(v2);
  auto b = ParquetBytes(other_dir.path() / "curated/current");
  ASSERT_EQ(a.size(), 2u * 4u * 5u);
  EXPECT_TRUE(a == b) << "an incremental run must equal a full rebuild, byte for byte";
  EXPECT_EQ(Comparable(v2), Comparable(other_dir.path() / "curated/current"));
}

// A failure while linking the unchanged files (any link: an error, a short write, a crash
// point) leaves no version and `current` where it was; the rerun completes.
TEST_F(TransformTest, AFailedLinkOfAnIncrementalRunPublishesNothing) {
  ASSERT_TRUE(testing::LandRawVersion(*lake_, "v1", RawFiles(2, 50)).ok());
  auto first = Run("v1");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(testing::LandRawVersion(*lake_, "v2", RawFiles(3, 50)).ok());
  auto Faulty = [&](int64_t index) {
    auto backend = std::make_unique<testing::FaultInjectionBackend>(
        std::move(storage::OpenBackend(dir_.str())).ValueOrDie());
    auto* fault = backend.get();
    if (index >= 0) fault->InjectAt(index, testing::FaultKind::kError);
    return std::make_pair(storage::Lake::OpenWithBackend(std::move(backend)), fault);
  };
  // Where the links are, from a dry run on a copy of the lake.
  testing::TempDir copy;
  fs::copy(dir_.path(), copy.path() / "lake",
           fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  std::vector<int64_t> links;
  {
    auto backend = std::make_unique<testing::FaultInjectionBackend>(
        std::move(storage::OpenBackend((copy.path() / "lake").string())).ValueOrDie());
    auto* log = backend.get();
    auto lake = storage::Lake::OpenWithBackend(std::move(backend));
    TransformOptions o;
    o.dataset_version = "v2";
    ASSERT_TRUE(RunTransform(*lake, o).ok());
    auto ops = log->log();
    for (size_t i = 0; i < ops.size(); ++i) {
      if (ops[i].op == testing::StorageOp::kLink) links.push_back(static_cast<int64_t>(i));
    }
  }
  ASSERT_EQ(links.size(), 2u * 4u * 2u);  // two subjects, four folders, two datasets
  for (int64_t index : {links.front(), links.back()}) {
    auto [lake, fault] = Faulty(index);
    TransformOptions o;
    o.dataset_version = "v2";
    auto s = RunTransform(*lake, o);
    ASSERT_FALSE(s.ok()) << "link " << index;
    EXPECT_NE(s.status().message().find("injected error"), std::string::npos);
    EXPECT_TRUE(fault->fault_fired());
    EXPECT_EQ(fs::read_symlink(dir_.path() / "curated/current").filename(), first->curated_version);
    int32_t versions = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_.path() / "curated/_versions"))
      ++versions;
    EXPECT_EQ(versions, 1) << "no second version, no staging left behind";
  }
  auto rerun = Run("v2");
  ASSERT_TRUE(rerun.ok()) << rerun.status().ToString();
  EXPECT_EQ(rerun->ToJson()["files_reused"], 8);
}

TEST_F(TransformTest, ARemovedRawFileLeavesTheVersionAndFullTransformsEverything) {
  ASSERT_TRUE(testing::LandRawVersion(*lake_, "v1", RawFiles(3, 50)).ok());
  ASSERT_TRUE(Run("v1").ok());
  auto files = RawFiles(3, 50);
  files.erase("raw/watch/gyro/data_1602_gyro_watch.txt");
  ASSERT_TRUE(testing::LandRawVersion(*lake_, "v2", files).ok());
  TransformOptions o;
  o.dataset_version = "v2";
  o.full = true;
  auto full = RunTransform(*lake_, o);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_TRUE(full->base_version.empty());
  EXPECT_EQ(full->ToJson()["files_transformed"], 11);
  EXPECT_EQ(full->ToJson()["files_reused"], 0);
  fs::path v2 = dir_.path() / "curated/current";
  EXPECT_FALSE(fs::exists(v2 / "sensor_readings/device=watch/sensor=gyro/part-01602.parquet"));
  EXPECT_FALSE(fs::exists(v2 / "quarantine/device=watch/sensor=gyro/part-01602.parquet"));
  EXPECT_EQ(ParquetBytes(v2).size(), 22u);
}

TEST_F(TransformTest, OtherCleaningRulesMakeAFullRun) {
  ASSERT_TRUE(testing::LandRawVersion(*lake_, "v1", RawFiles(2, 50)).ok());
  ASSERT_TRUE(Run("v1").ok());
  TransformOptions o;
  o.dataset_version = "v1";
  o.config.compression_level = 5;
  auto s = RunTransform(*lake_, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->base_version.empty());
  EXPECT_NE(s->full_reason.find("other cleaning rules or Parquet settings"), std::string::npos)
      << s->full_reason;
  EXPECT_EQ(s->ToJson()["files_transformed"], 8);
}

TEST_F(TransformTest, ReaderSeesTheOldOrTheNewVersionNeverAPart) {
  ASSERT_TRUE(testing::LandRawVersion(*lake_, "v1", RawFiles(4, 2000, 0)).ok());
  ASSERT_TRUE(Run("v1").ok());
  ASSERT_TRUE(testing::LandRawVersion(*lake_, "v2", RawFiles(6, 2000, 1)).ok());
  const int64_t old_rows = 4 * 4 * 4000, new_rows = 6 * 4 * 4000;

  std::atomic<bool> done{false};
  std::atomic<int64_t> reads{0}, bad{0};
  std::thread reader([&] {
    fs::path current = dir_.path() / "curated/current";
    while (!done) {
      // Resolve the published version once, then read it whole, as a query engine would.
      fs::path version = fs::canonical(current);
      int64_t rows = RowsInVersionDir(version);
      if (rows != old_rows && rows != new_rows) bad++;
      reads++;
    }
  });
  auto s = Run("v2");
  done = true;
  reader.join();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(RowsInVersionDir(dir_.path() / "curated/current"), new_rows);
  // The previous version stays readable after the switch.
  EXPECT_EQ(fs::directory_iterator(dir_.path() / "curated/_versions") != fs::directory_iterator(),
            true);
  int32_t versions = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_.path() / "curated/_versions"))
    ++versions;
  EXPECT_EQ(versions, 2);
}

TEST_F(TransformTest, ASecondTransformOnTheSameLakeIsRefused) {
  ASSERT_TRUE(testing::LandRawVersion(*lake_, "v1", RawFiles(1, 10)).ok());
  auto held = storage::LakeLock::Acquire(*lake_, "curated", "transform");
  ASSERT_TRUE(held.ok());
  auto s = Run();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kBusy);
  EXPECT_NE(s.status().message().find("busy"), std::string::npos);
}

TEST_F(TransformTest, ARawFileChangedAfterIngestFailsAndPublishesNothing) {
  ASSERT_TRUE(testing::LandRawVersion(*lake_, "v1", RawFiles(2, 20)).ok());
  testing::WriteFile(dir_.path() / "raw/wisdm/v1/raw/watch/gyro/data_1601_gyro_watch.txt",
                     "1601,A,1,0,0,0;\n");
  auto s = Run();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(s.status().message().find("data_1601_gyro_watch.txt"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_.path() / "curated/current"));
  for (const auto& e : fs::directory_iterator(dir_.path() / "curated/_versions")) {
    ADD_FAILURE() << "left behind: " << e.path();
  }
}

TEST_F(TransformTest, AManifestLineCountThatDisagreesFailsConservation) {
  ASSERT_TRUE(testing::LandRawVersion(*lake_, "v1", RawFiles(1, 20)).ok());
  fs::path mpath = dir_.path() / "raw/wisdm/v1/_manifest.json";
  auto m = nlohmann::json::parse(testing::ReadFile(mpath));
  m["files"][0]["lines"] = 41;  // one more line than the file holds
  testing::WriteFile(mpath, m.dump());
  auto s = Run();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(s.status().message().find("row conservation failed"), std::string::npos);
}

TEST_F(TransformTest, MissingInputsAreNamed) {
  auto none = Run();
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_NE(none.status().message().find("ingest"), std::string::npos);
  ASSERT_TRUE(testing::LandRawVersion(*lake_, "v1", {{"README.txt", "hello\n"}}).ok());
  EXPECT_EQ(Run("v9").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Run("v1").status().code(), StatusCode::kInvalid);
}

}  // namespace
}  // namespace sensorlake::transform
