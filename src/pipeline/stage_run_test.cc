#include "sensorlake/pipeline/stage_run.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace sensorlake::pipeline {
namespace {

using zones::RunRecord;
using zones::Stage;

// Counts the observer calls a stage run makes.
class CountingObserver : public zones::RunObserver {
 public:
  void OnStageStart(const RunRecord&, Stage) override { ++starts; }
  void OnStageEnd(const RunRecord& r, Stage s) override {
    ++ends;
    last_status = r.stages[static_cast<size_t>(s)].status;
  }
  void OnRunEnd(RunRecord* r) override {
    ++run_ends;
    r->monitoring["seen_by_observer"] = r->outcome;
  }
  void OnStageRecorded(RunRecord* r) override {
    ++recorded;
    r->monitoring["stages_recorded"] = recorded;
  }
  int32_t starts = 0, ends = 0, run_ends = 0, recorded = 0;
  std::string last_status;
};

class StageRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lake_ = std::move(storage::Lake::Open((dir_.path() / "lake").string())).ValueOrDie();
    options_.run_id = "r-airflow-manual-1";
    options_.orchestrator = {{"name", "airflow"}, {"dag_id", "d"}, {"run_id", "manual__1"}};
    options_.first_backoff_seconds = 0.001;
    options_.observer = &observer_;
  }
  Result<RunRecord> Run(Stage stage, nlohmann::json summary, bool gate_failed = false) {
    return RunStageOfRun(*lake_, options_, stage, [&]() -> Result<StageOutcome> {
      return StageOutcome{summary, gate_failed};
    });
  }
  testing::TempDir dir_;
  std::unique_ptr<storage::Lake> lake_;
  StageRunOptions options_;
  CountingObserver observer_;
};

TEST_F(StageRunTest, StagesInSeparateCallsMakeOneRecordThatSucceedsAtPublish) {
  nlohmann::json ingest = {
      {"ingest", {{"version", "wisdm-1"}, {"lines", 10}, {"source", {{"location", "/src"}}}}}};
  auto r = Run(Stage::kIngest, ingest);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, "running");
  EXPECT_EQ(r->orchestrator["dag_id"], "d");
  EXPECT_EQ(r->input["source"], "/src");
  EXPECT_EQ(r->versions["raw"], "wisdm-1");
  EXPECT_EQ(r->stages[0].metrics["lines_in"], 10);
  ASSERT_TRUE(Run(Stage::kTransform, {{"raw_version", "wisdm-1"},
                                      {"curated_version", "c-1"},
                                      {"totals", {{"rows", 9}, {"quarantined", 1}}}})
                  .ok());
  ASSERT_TRUE(Run(Stage::kCheck, {{"run_id", "q-1"},
                                  {"curated_version", "c-1"},
                                  {"checks", nlohmann::json::array({1, 2})}})
                  .ok());
  ASSERT_TRUE(Run(Stage::kFeatures, {{"features_version", "f-1"}, {"windows", 3}}).ok());
  auto done =
      Run(Stage::kPublish,
          {{"curated_version", "c-1"}, {"quality_run", "q-1"}, {"features_version", "f-1"}});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->outcome, "succeeded");
  EXPECT_FALSE(done->finished_at.empty());
  for (const auto& s : done->stages) EXPECT_EQ(s.status, "completed") << StageName(s.stage);
  EXPECT_EQ(done->stages[1].message, "9 rows, 1 quarantined");
  EXPECT_FALSE(done->stages[2].summary.contains("checks"));  // in result.json, not the record
  EXPECT_EQ(done->versions["quality_run"], "q-1");
  EXPECT_EQ(done->versions["features"], "f-1");
  EXPECT_EQ(observer_.starts, 5);
  EXPECT_EQ(observer_.ends, 5);
  EXPECT_EQ(observer_.run_ends, 1);
  EXPECT_EQ(observer_.recorded, 4);

  // What the lake holds is what was returned, with what the observer added.
  auto text = lake_->ReadText(done->Path());
  ASSERT_TRUE(text.ok());
  auto stored = RunRecord::FromJson(nlohmann::json::parse(*text), "record");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->outcome, "succeeded");
  EXPECT_EQ(stored->monitoring["seen_by_observer"], "succeeded");
  EXPECT_EQ(stored->monitoring["stages_recorded"], 4);
  EXPECT_EQ(stored->orchestrator["run_id"], "manual__1");
}

TEST_F(StageRunTest, AFailedStageFailsTheRunAndARetryResumesIt) {
  int32_t calls = 0;
  auto failing = RunStageOfRun(*lake_, options_, Stage::kIngest, [&]() -> Result<StageOutcome> {
    ++calls;
    return Status::NotFound("source /nope does not exist");
  });
  ASSERT_TRUE(failing.ok()) << failing.status().ToString();
  EXPECT_EQ(calls, 1);  // not transient: no retry
  EXPECT_EQ(failing->outcome, "failed");
  EXPECT_EQ(failing->failed_stage, "ingest");
  EXPECT_EQ(failing->failure.code(), StatusCode::kNotFound);
  EXPECT_NE(failing->error.find("source /nope does not exist"), std::string::npos);
  EXPECT_EQ(observer_.run_ends, 1);

  // The orchestrator retries the task: the run is running again and the attempts add up.
  auto again = Run(Stage::kIngest, {{"ingest", {{"version", "wisdm-1"}}}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, "running");
  EXPECT_TRUE(again->failed_stage.empty());
  EXPECT_EQ(again->stages[0].status, "completed");
  EXPECT_EQ(again->stages[0].attempts, 2);
}

TEST_F(StageRunTest, TransientErrorsAreRetriedWithinTheStage) {
  int32_t calls = 0;
  auto r = RunStageOfRun(*lake_, options_, Stage::kTransform, [&]() -> Result<StageOutcome> {
    if (++calls < 3) return Status::IOError("connection reset");
    return StageOutcome{{{"curated_version", "c-1"}}, false};
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(r->stages[1].attempts, 3);
  EXPECT_EQ(r->stages[1].status, "completed");
}

TEST_F(StageRunTest, AFailedGateFailsTheRunWithExitCodeOne) {
  auto r = Run(Stage::kCheck, {{"run_id", "q-1"}, {"counts", {{"error", 2}}}, {"report", "x"}},
               /*gate_failed=*/true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, "failed");
  EXPECT_TRUE(r->gate_failed);
  EXPECT_EQ(r->ExitCode(), 1);
  EXPECT_EQ(r->versions["quality_run"], "q-1");  // the failed gate's run is still named
}

TEST_F(StageRunTest, ARunIdThatIsNotAFileNameIsRefused) {
  for (const char* bad : {"", "../x", "a/b", ".hidden", "r 1"}) {
    options_.run_id = bad;
    auto r = Run(Stage::kIngest, nlohmann::json::object());
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalid) << bad;
  }
  EXPECT_EQ(observer_.starts, 0);
}

TEST_F(StageRunTest, ARecordThatIsNotJsonIsReportedNotOverwritten) {
  ASSERT_TRUE(lake_->WriteAtomic("_runs/r-airflow-manual-1.json", "{cut").ok());
  auto r = Run(Stage::kIngest, nlohmann::json::object());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(*lake_->ReadText("_runs/r-airflow-manual-1.json"), "{cut");
}

}  // namespace
}  // namespace sensorlake::pipeline
