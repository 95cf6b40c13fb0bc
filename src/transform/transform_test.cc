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
#include "testing/raw_zone.h"
#include "testing/temp_dir.h"

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
  EXPECT_TRUE(fs::exists(curated / "sensor_readings/device=phone/sensor=accel/part-00000.parquet"));
  EXPECT_TRUE(fs::exists(curated / "quarantine/device=watch/sensor=gyro/part-00000.parquet"));
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
  ASSERT_EQ(a.size(), 8u);
  EXPECT_TRUE(a == b) << "same raw input must give byte-identical Parquet files";
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
