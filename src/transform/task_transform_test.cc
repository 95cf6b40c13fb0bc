#include "sensorlake/transform/task_transform.h"

#include <arrow/api.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "sensorlake/zones/curated_table.h"
#include "testing/raw_zone.h"
#include "testing/temp_dir.h"

namespace sensorlake::transform {
namespace {

namespace fs = std::filesystem;

// Every folder of `subjects` subjects, two activities, with a malformed line, an exact
// duplicate and a line out of order, so that rows, quarantine and counts all have content.
std::map<std::string, std::string> RawFiles(int32_t subjects) {
  std::map<std::string, std::string> files;
  for (int32_t s = 0; s < subjects; ++s) {
    for (const auto& folder : wisdm::kFolders) {
      wisdm::RawFileName name{1600 + s, folder};
      std::string content;
      for (int32_t i = 0; i < 60; ++i) {
        int64_t ts = 1'000'000 + (i == 7 ? 9 : i) * 50'000'000ll;
        content += fmt::format("{},{},{},{}.25,{}.5,-{}.75;\n", name.subject, i < 30 ? 'A' : 'B',
                               ts, (i + s) % 17, i % 5, i % 3);
        if (i == 10) content += content.substr(content.rfind('\n', content.size() - 2) + 1);
      }
      content += "not,a,line\n";
      files[name.RelativePath()] = content;
    }
  }
  return files;
}

std::vector<std::string> Paths(const nlohmann::json& listing) {
  std::vector<std::string> paths;
  for (const auto& f : listing["files"]) paths.push_back(f["path"].get<std::string>());
  return paths;
}

// Batches of the curated table by (device, sensor, subject): one row group each.
std::map<std::string, std::shared_ptr<arrow::RecordBatch>> CuratedBatches(
    std::shared_ptr<const storage::Lake> lake, const zones::CuratedFilter& filter = {}) {
  auto reader = zones::OpenCuratedReader(std::move(lake), filter).ValueOrDie();
  std::map<std::string, std::shared_ptr<arrow::RecordBatch>> out;
  while (true) {
    std::shared_ptr<arrow::RecordBatch> b;
    EXPECT_TRUE(reader->ReadNext(&b).ok());
    if (b == nullptr) break;
    auto device = std::static_pointer_cast<arrow::DictionaryArray>(b->GetColumnByName("device"));
    auto sensor = std::static_pointer_cast<arrow::DictionaryArray>(b->GetColumnByName("sensor"));
    auto subject = std::static_pointer_cast<arrow::Int16Array>(b->GetColumnByName("subject"));
    auto name = [](const arrow::DictionaryArray& a) {
      return std::static_pointer_cast<arrow::StringArray>(a.dictionary())->GetString(0);
    };
    std::string key = fmt::format("{}/{}/{}", name(*device), name(*sensor), subject->Value(0));
    EXPECT_FALSE(out.contains(key)) << key;
    out[key] = b;
  }
  return out;
}

class TaskTransformTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lake_ = std::shared_ptr<storage::Lake>(storage::Lake::Open(dir_.str()).ValueOrDie());
    ASSERT_TRUE(testing::LandRawVersion(*lake_, "v1", RawFiles(3)).ok());
    paths_ = Paths(ListRawSensorFiles(*lake_, "").ValueOrDie());
  }

  Result<nlohmann::json> Task(const std::string& id, std::vector<std::string> paths) {
    TaskOptions o;
    o.raw_version = "v1";
    o.paths = std::move(paths);
    o.staging_prefix = "_staging/" + id;
    o.task_id = id;
    o.threads = 2;
    return RunTaskTransform(*lake_, o);
  }

  Result<TransformSummary> Commit(const std::vector<nlohmann::json>& manifests) {
    CommitOptions o;
    o.raw_version = "v1";
    o.task_manifests = manifests;
    for (const auto& m : manifests) o.staging_prefixes.push_back(m["staging_prefix"]);
    return CommitTaskTransforms(*lake_, o);
  }

  // Three tasks over every raw file, each a third of them.
  std::vector<nlohmann::json> ThreeTasks() {
    std::vector<nlohmann::json> manifests;
    for (size_t t = 0; t < 3; ++t) {
      std::vector<std::string> mine;
      for (size_t i = t; i < paths_.size(); i += 3) mine.push_back(paths_[i]);
      manifests.push_back(Task(fmt::format("t{}", t), mine).ValueOrDie());
    }
    return manifests;
  }

  testing::TempDir dir_;
  std::shared_ptr<storage::Lake> lake_;
  std::vector<std::string> paths_;
};

TEST_F(TaskTransformTest, ListsOnlySensorFilesByFolderAndSubject) {
  ASSERT_EQ(paths_.size(), 12u);
  EXPECT_EQ(paths_[0], "raw/phone/accel/data_1600_accel_phone.txt");
  EXPECT_EQ(paths_[11], "raw/watch/gyro/data_1602_gyro_watch.txt");
}

TEST_F(TaskTransformTest, CommitEqualsTheSingleNodeTransform) {
  testing::TempDir other;
  std::shared_ptr<storage::Lake> single(storage::Lake::Open(other.str()).ValueOrDie());
  ASSERT_TRUE(testing::LandRawVersion(*single, "v1", RawFiles(3)).ok());
  TransformOptions options;
  options.threads = 2;
  auto expected = RunTransform(*single, options);
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();

  auto manifests = ThreeTasks();
  EXPECT_EQ(manifests[0]["format"], kTaskManifestFormat);
  EXPECT_EQ(manifests[0]["files"].size(), 4u);
  auto s = Commit(manifests);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->curated_version, expected->curated_version);
  EXPECT_EQ(s->totals.lines, expected->totals.lines);
  EXPECT_EQ(s->totals.rows, expected->totals.rows);
  EXPECT_EQ(s->totals.quarantined, expected->totals.quarantined);
  EXPECT_GE(s->totals.quarantined, 12);  // at least the malformed line of each file
  EXPECT_EQ(s->totals.duplicates_dropped, expected->totals.duplicates_dropped);
  EXPECT_GT(s->totals.duplicates_dropped, 0);
  EXPECT_EQ(s->totals.reordered, expected->totals.reordered);
  EXPECT_GT(s->totals.reordered, 0);
  for (int32_t f = 0; f < 4; ++f) EXPECT_EQ(s->folders[f].files, 3);

  auto got = CuratedBatches(lake_);
  auto want = CuratedBatches(single);
  ASSERT_EQ(got.size(), 12u);
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [key, batch] : want) {
    ASSERT_TRUE(got.contains(key)) << key;
    EXPECT_TRUE(got[key]->Equals(*batch)) << key;
  }
  // The manifest lists what is in the version, and the parts carry the task ids.
  auto text = lake_->ReadText(s->manifest_path).ValueOrDie();
  auto manifest = nlohmann::json::parse(text);
  EXPECT_EQ(manifest["files"].size(), 12u);
  EXPECT_EQ(manifest["tasks"].size(), 3u);
  for (const auto& o : manifest["outputs"]) {
    std::string path = o["path"];
    EXPECT_NE(path.find("/part-t"), std::string::npos) << path;
    EXPECT_TRUE(fs::exists(dir_.path() / "curated/_versions" / s->curated_version / path)) << path;
  }
  EXPECT_TRUE(fs::exists(dir_.path() / "curated/sensor_readings/device=watch/sensor=gyro"));
}

TEST_F(TaskTransformTest, ReadsOneSubjectOfOneFolder) {
  auto manifests = ThreeTasks();
  ASSERT_TRUE(Commit(manifests).ok());
  int64_t rows = -1;
  for (const auto& m : manifests) {
    for (const auto& f : m["files"]) {
      if (f["path"] == "raw/watch/accel/data_1601_accel_watch.txt") rows = f["rows"];
    }
  }
  auto batches = CuratedBatches(lake_, {"", 1601, "watch", "accel"});
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_TRUE(batches.contains("watch/accel/1601"));
  EXPECT_EQ(batches.begin()->second->num_rows(), rows);
  EXPECT_GT(rows, 50);
  EXPECT_FALSE(zones::OpenCuratedReader(lake_, {"", {}, "tablet", ""}).ok());
}

TEST_F(TaskTransformTest, RefusesAFileNotInTheRawManifest) {
  auto m = Task("t0", {paths_[0], "raw/phone/accel/data_1699_accel_phone.txt"});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
  EXPECT_NE(m.status().message().find("data_1699_accel_phone.txt: not in the manifest of raw "
                                      "version v1"),
            std::string::npos)
      << m.status().ToString();
  EXPECT_FALSE(fs::exists(dir_.path() / "_staging/t0/sensor_readings"));
}

TEST_F(TaskTransformTest, RefusesAModifiedRawObject) {
  fs::path raw = dir_.path() / "raw/wisdm/v1" / paths_[5];
  std::string content = testing::ReadFile(raw);
  content[3] = content[3] == '1' ? '2' : '1';  // same size, other bytes
  testing::WriteFile(raw, content);
  auto m = Task("t0", {paths_[4], paths_[5]});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(m.status().message().find("checksum mismatch"), std::string::npos);
  EXPECT_NE(m.status().message().find(paths_[5]), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_.path() / "_staging/t0"));  // nothing half-written stays
}

TEST_F(TaskTransformTest, ARerunIntoAFreshPrefixWritesTheSameParts) {
  std::vector<std::string> mine = {paths_[1], paths_[6], paths_[11]};
  auto first = Task("t0", mine);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  TaskOptions o;
  o.raw_version = "v1";
  o.paths = mine;
  o.staging_prefix = "_staging/t0-retry";
  o.task_id = "t0";
  auto second = RunTaskTransform(*lake_, o);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ((*first)["files"], (*second)["files"]);
  ASSERT_EQ((*first)["outputs"].size(), 6u);  // 3 folders, readings + quarantine each
  for (const auto& out : (*first)["outputs"]) {
    std::string rel = out["path"];
    EXPECT_EQ(testing::ReadFile(dir_.path() / "_staging/t0" / rel),
              testing::ReadFile(dir_.path() / "_staging/t0-retry" / rel))
        << rel;
  }
}

TEST_F(TaskTransformTest, RefusesAStagingPrefixThatHoldsParts) {
  ASSERT_TRUE(Task("t0", {paths_[0]}).ok());
  auto again = Task("t0", {paths_[0]});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("already holds"), std::string::npos);
}

TEST_F(TaskTransformTest, CommitNamesMissingFilesAndCanBeRetried) {
  auto manifests = ThreeTasks();
  auto last = manifests.back();
  manifests.pop_back();
  auto s = Commit(manifests);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalid);
  EXPECT_NE(s.status().message().find("4 missing: raw/phone/accel/data_1602_accel_phone.txt"),
            std::string::npos)
      << s.status().ToString();
  EXPECT_FALSE(fs::exists(dir_.path() / "curated/_current.json"));
  // The outputs stayed in their prefixes: the complete commit still works.
  manifests.push_back(last);
  auto retried = Commit(manifests);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_TRUE(retried->totals.Conserved());
  EXPECT_EQ(retried->totals.lines, 12 * 62);  // 60 lines, a duplicate, a malformed line
}

TEST_F(TaskTransformTest, CommitNamesAFileInTwoTasks) {
  auto manifests = ThreeTasks();
  // A speculative duplicate of task t1 that also ran under its own id and prefix.
  std::vector<std::string> t1;
  for (const auto& f : manifests[1]["files"]) t1.push_back(f["path"]);
  manifests.push_back(Task("t1b", t1).ValueOrDie());
  auto s = Commit(manifests);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("4 in more than one task: " + t1[0] + " (tasks t1, t1b)"),
            std::string::npos)
      << s.status().ToString();
}

TEST_F(TaskTransformTest, CommitRefusesAMissingOrChangedPart) {
  auto manifests = ThreeTasks();
  std::string part = manifests[2]["outputs"][0]["path"];
  fs::remove(dir_.path() / "_staging/t2" / part);
  auto s = Commit(manifests);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(s.status().message().find(part + " is missing"), std::string::npos)
      << s.status().ToString();
}

TEST_F(TaskTransformTest, CommitRefusesAnotherConfig) {
  auto manifests = ThreeTasks();
  manifests[0]["config_sha"] = "0000";
  auto s = Commit(manifests);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("another transform config"), std::string::npos);
}

}  // namespace
}  // namespace sensorlake::transform
