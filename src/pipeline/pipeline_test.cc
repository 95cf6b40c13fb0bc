#include "sensorlake/pipeline/pipeline.h"
#include "sensorlake/pipeline/publish.h"

#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "sensorlake/storage/lake_lock.h"
#include "testing/temp_dir.h"

namespace sensorlake::pipeline {
namespace {

namespace fs = std::filesystem;

// A dataset folder: three subjects, phone accel and gyro, activities A and B at 20 Hz.
// accel_scale 1/9.81 writes the accelerometer in g: the quality gate's scaled_values error.
void WriteSource(const fs::path& dir, float accel_scale = 1.0f) {
  for (int32_t s = 1600; s < 1603; ++s) {
    for (int32_t f = 0; f < 2; ++f) {
      wisdm::RawFileName name{s, wisdm::kFolders[static_cast<size_t>(f)]};
      std::string content;
      for (int32_t i = 0; i < 800; ++i) {
        double t = i * 0.31 + s;
        double x = std::sin(t), y = f == 0 ? 9.5 + std::cos(t) : 0.5 * std::cos(t);
        if (f == 0) x *= accel_scale, y *= accel_scale;
        content += fmt::format("{},{},{},{:.6f},{:.6f},{:.6f};\n", s, i < 400 ? 'A' : 'B',
                               7'000'000'123ll + i * 50'000'013ll, x, y, 0.01 * (i % 13));
      }
      testing::WriteFile(dir / name.RelativePath(), content);
    }
  }
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lake_ = std::move(storage::Lake::Open((dir_.path() / "lake").string())).ValueOrDie();
    WriteSource(dir_.path() / "good");
    WriteSource(dir_.path() / "in-g", 1.0f / 9.80665f);
  }
  RunOptions Options(const std::string& source) {
    RunOptions o;
    o.source = (dir_.path() / source).string();
    o.first_backoff_seconds = 0.01;
    return o;
  }
  const StageRecord& StageOf(const RunRecord& r, Stage s) {
    return r.stages[static_cast<size_t>(s)];
  }
  testing::TempDir dir_;
  std::unique_ptr<storage::Lake> lake_;
};

TEST_F(PipelineTest, ARunRecordsEveryStageAndPublishesWhatPassedTheGate) {
  auto r = RunPipeline(*lake_, Options("good"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, "succeeded") << r->error;
  EXPECT_EQ(r->ExitCode(), 0);
  EXPECT_EQ(StageOf(*r, Stage::kIngest).status, "completed");
  EXPECT_EQ(StageOf(*r, Stage::kCheck).status, "completed");
  EXPECT_EQ(StageOf(*r, Stage::kFeatures).status, "completed");
  EXPECT_GT(StageOf(*r, Stage::kFeatures).summary["windows"].get<int64_t>(), 0);
  auto stored = nlohmann::json::parse(testing::ReadFile(dir_.path() / "lake" / r->Path()));
  EXPECT_EQ(stored["outcome"], "succeeded");
  EXPECT_EQ(stored["versions"]["curated"], r->versions["curated"]);
  auto published = nlohmann::json::parse(testing::ReadFile(dir_.path() / "lake/_published.json"));
  EXPECT_EQ(published["curated_version"], r->versions["curated"]);
  EXPECT_TRUE(fs::is_directory(dir_.path() / "lake/curated/published/sensor_readings"));
  EXPECT_EQ(published["features_version"], r->versions["features"]);
  EXPECT_TRUE(fs::is_directory(dir_.path() / "lake/features/published/windows"));

  auto again = RunPipeline(*lake_, Options("good"));
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->run_id, r->run_id);
  EXPECT_TRUE(again->resumed_from.empty());  // the last run succeeded: nothing to resume
  EXPECT_EQ(StageOf(*again, Stage::kTransform).summary["unchanged"], true);
}

TEST_F(PipelineTest, AFailedGateStopsBeforePublishAndTheNextRunResumesAtTheCheck) {
  auto failed = RunPipeline(*lake_, Options("in-g"));
  ASSERT_TRUE(failed.ok()) << failed.status().ToString();
  EXPECT_EQ(failed->outcome, "failed");
  EXPECT_EQ(failed->failed_stage, "check");
  EXPECT_TRUE(failed->gate_failed);
  EXPECT_EQ(failed->ExitCode(), 1);
  EXPECT_EQ(StageOf(*failed, Stage::kPublish).status, "not_run");
  EXPECT_FALSE(fs::exists(dir_.path() / "lake/_published.json"));

  RunOptions relaxed = Options("in-g");
  for (auto& rule : relaxed.quality_rules.rules) rule.severity = quality::Severity::kWarn;
  auto resumed = RunPipeline(*lake_, relaxed);
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(resumed->outcome, "succeeded") << resumed->error;
  EXPECT_EQ(resumed->resumed_from, failed->run_id);
  EXPECT_EQ(StageOf(*resumed, Stage::kIngest).status, "skipped");
  EXPECT_EQ(StageOf(*resumed, Stage::kTransform).message, "completed in run " + failed->run_id);
  EXPECT_EQ(StageOf(*resumed, Stage::kCheck).status, "completed");
  EXPECT_EQ(resumed->versions["curated"], failed->versions["curated"]);
}

TEST_F(PipelineTest, AKilledRunIsResumedAtTheStageItWasIn) {
  auto first = RunPipeline(*lake_, Options("good"));
  ASSERT_TRUE(first.ok());
  // What a run killed during the transform leaves: its record says "running".
  RunRecord killed = *first;
  killed.run_id = "r-20000101T000000000Z";
  killed.outcome = "running";
  killed.stages[1].status = "running";
  for (size_t i = 2; i < killed.stages.size(); ++i) killed.stages[i].status = "not_run";
  fs::remove(dir_.path() / "lake" / first->Path());
  ASSERT_TRUE(lake_->WriteAtomic(killed.Path(), killed.ToJson().dump()).ok());

  std::vector<std::string> log;
  auto r = RunPipeline(*lake_, Options("good"), [&](std::string_view m) { log.emplace_back(m); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, "succeeded");
  EXPECT_EQ(r->resumed_from, killed.run_id);
  EXPECT_EQ(StageOf(*r, Stage::kIngest).status, "skipped");
  EXPECT_EQ(StageOf(*r, Stage::kTransform).status, "completed");
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log[0].find("resuming run r-20000101T000000000Z"), std::string::npos) << log[0];
}

// Killed after its last stage's record and before its outcome: every stage is "completed"
// and the record still says "running". The rerun has no stage left to run (it used to name
// the stage after the last one, reading past the table of names) and finishes the run.
TEST_F(PipelineTest, AKilledRunWhoseStagesAllCompletedIsFinishedByTheRerun) {
  auto first = RunPipeline(*lake_, Options("good"));
  ASSERT_TRUE(first.ok());
  RunRecord killed = *first;
  killed.run_id = "r-20000101T000000000Z";
  killed.outcome = "running";
  fs::remove(dir_.path() / "lake" / first->Path());
  ASSERT_TRUE(lake_->WriteAtomic(killed.Path(), killed.ToJson().dump()).ok());

  std::vector<std::string> log;
  auto r = RunPipeline(*lake_, Options("good"), [&](std::string_view m) { log.emplace_back(m); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, "succeeded") << r->error;
  EXPECT_EQ(r->resumed_from, killed.run_id);
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log[0].find("starting at the record (every stage had completed)"), std::string::npos)
      << log[0];
}

TEST_F(PipelineTest, APermanentErrorNamesStageInputAndCause) {
  auto r = RunPipeline(*lake_, Options("no-such-folder"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->failed_stage, "ingest");
  EXPECT_EQ(StageOf(*r, Stage::kIngest).attempts, 1);  // not retried
  EXPECT_NE(r->error.find("no-such-folder"), std::string::npos) << r->error;
  EXPECT_EQ(r->ExitCode(), ExitCodeFor(StatusCode::kNotFound));
}

TEST_F(PipelineTest, ATransientErrorIsRetriedWithBackoffThenReported) {
  auto held = storage::LakeLock::Acquire(*lake_, "curated", "test");
  ASSERT_TRUE(held.ok());
  RunOptions o = Options("good");
  o.max_attempts = 3;
  auto r = RunPipeline(*lake_, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->failed_stage, "transform");
  EXPECT_EQ(StageOf(*r, Stage::kTransform).attempts, 3);
  EXPECT_EQ(r->ExitCode(), ExitCodeFor(StatusCode::kBusy));
}

TEST_F(PipelineTest, OptionsAreChecked) {
  RunOptions none;
  EXPECT_EQ(RunPipeline(*lake_, none).status().code(), StatusCode::kInvalid);
  RunOptions from = Options("good");
  from.from_stage = "check";
  EXPECT_EQ(RunPipeline(*lake_, from).status().code(), StatusCode::kNotFound);
  from.from_stage = "dance";
  EXPECT_EQ(RunPipeline(*lake_, from).status().code(), StatusCode::kInvalid);
}

TEST_F(PipelineTest, TwoRunsOnOneLakeAtOnceAreRefused) {
  auto held = storage::LakeLock::Acquire(*lake_, "pipeline", "test");
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(RunPipeline(*lake_, Options("good")).status().code(), StatusCode::kBusy);
}

}  // namespace
}  // namespace sensorlake::pipeline

namespace sensorlake::pipeline {
namespace {

TEST_F(PipelineTest, PublishIsRefusedUnlessTheGatePassedForThatVersion) {
  EXPECT_EQ(Publish(*lake_, {}).status().code(), StatusCode::kNotFound);  // nothing curated
  auto failed = RunPipeline(*lake_, Options("in-g"));
  ASSERT_TRUE(failed.ok());
  auto refused = Publish(*lake_, {});
  EXPECT_EQ(refused.status().code(), StatusCode::kRefused);
  EXPECT_NE(refused.status().message().find("failed the gate"), std::string::npos);

  auto good = RunPipeline(*lake_, Options("good"));
  ASSERT_TRUE(good.ok());
  ASSERT_EQ(good->outcome, "succeeded") << good->error;
  // The good run's quality run did not check the in-g data's curated version.
  PublishRequest other;
  other.curated_version = failed->versions["curated"];
  other.quality_run = good->versions["quality_run"];
  EXPECT_EQ(Publish(*lake_, other).status().code(), StatusCode::kRefused);

  auto published = Publish(*lake_, {});  // current curated version, latest quality run
  ASSERT_TRUE(published.ok()) << published.status().ToString();
  EXPECT_EQ((*published)["curated_version"], good->versions["curated"]);
  EXPECT_EQ((*published)["features_version"], good->versions["features"]);
}

}  // namespace
}  // namespace sensorlake::pipeline

namespace sensorlake::pipeline {
namespace {

// Records the hooks' calls; what it adds at the run's end must reach the stored record.
class RecordingObserver : public RunObserver {
 public:
  void OnStageStart(const RunRecord& r, Stage s) override {
    calls.push_back(
        fmt::format("start {} {}", StageName(s), r.stages[static_cast<size_t>(s)].status));
  }
  void OnStageEnd(const RunRecord& r, Stage s) override {
    calls.push_back(
        fmt::format("end {} {}", StageName(s), r.stages[static_cast<size_t>(s)].status));
  }
  void OnRunEnd(RunRecord* r) override {
    calls.push_back("run " + r->outcome);
    r->monitoring["seen"] = true;
  }
  std::vector<std::string> calls;
};

TEST_F(PipelineTest, ObserverSeesEveryStageAndStagesCarryMetrics) {
  RecordingObserver obs;
  RunOptions o = Options("good");
  o.observer = &obs;
  auto r = RunPipeline(*lake_, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(obs.calls.size(), 11u);
  EXPECT_EQ(obs.calls[0], "start ingest running");
  EXPECT_EQ(obs.calls[3], "end transform completed");
  EXPECT_EQ(obs.calls[10], "run succeeded");
  const auto& t = StageOf(*r, Stage::kTransform).metrics;
  EXPECT_EQ(t["lines_in"], 3 * 2 * 800);
  EXPECT_EQ(t["rows_out"], t["lines_in"]);
  EXPECT_GT(t["bytes_read"].get<int64_t>(), 0);
  EXPECT_GT(t["bytes_written"].get<int64_t>(), 0);
  EXPECT_GT(t["peak_rss_bytes"].get<int64_t>(), 1 << 20);
  EXPECT_GT(StageOf(*r, Stage::kFeatures).metrics["rows_out"].get<int64_t>(), 0);
  auto stored = nlohmann::json::parse(testing::ReadFile(dir_.path() / "lake" / r->Path()));
  EXPECT_EQ(stored["monitoring"]["seen"], true);
  EXPECT_EQ(stored["stages"][1]["metrics"], t);
  auto back = RunRecord::FromJson(stored, "x");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->stages[1].metrics, t);
}

}  // namespace
}  // namespace sensorlake::pipeline
