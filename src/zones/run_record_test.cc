#include "sensorlake/zones/run_record.h"

#include <gtest/gtest.h>

namespace sensorlake::zones {
namespace {

RunRecord SampleRecord() {
  RunRecord r;
  r.run_id = "r-20260101T000000Z";
  r.input_key = "source:/data/wisdm.zip";
  r.input = {{"source", "/data/wisdm.zip"}};
  r.started_at = "2026-01-01T00:00:00Z";
  r.finished_at = "2026-01-01T00:01:00Z";
  r.outcome = "failed";
  r.failed_stage = "check";
  r.gate_failed = true;
  r.error = "rule failed";
  r.resumed_from = "r-20251231T000000Z";
  r.versions = {{"raw", "v1"}};
  r.seconds = 60.5;
  r.monitoring = {{"alerts", "sent"}};
  for (int32_t i = 0; i < kNumStages; ++i) {
    StageRecord s;
    s.stage = static_cast<Stage>(i);
    s.status = i < 2 ? "completed" : "not_run";
    s.attempts = i < 2 ? 1 : 0;
    s.seconds = 1.5 * i;
    s.summary = {{"lines", 10 * i}};
    s.metrics = StageMetrics(s.stage, s.summary, s.seconds, 4096);
    r.stages.push_back(std::move(s));
  }
  return r;
}

TEST(StageNameTest, EveryStageParsesBackFromItsName) {
  for (int32_t i = 0; i < kNumStages; ++i) {
    auto s = static_cast<Stage>(i);
    auto parsed = ParseStage(StageName(s));
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(*parsed, s);
  }
  EXPECT_EQ(StageName(Stage::kCheck), "check");
}

TEST(StageNameTest, UnknownStageIsInvalidAndListsTheStages) {
  auto parsed = ParseStage("deploy");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalid);
  EXPECT_NE(parsed.status().message().find("deploy"), std::string::npos);
  EXPECT_NE(parsed.status().message().find("ingest, transform, check, features, publish"),
            std::string::npos);
}

TEST(RunRecordTest, JsonRoundTripKeepsEveryStoredField) {
  RunRecord r = SampleRecord();
  nlohmann::json j = r.ToJson();
  EXPECT_EQ(j["format"], "sensorlake.run-record/1");
  auto back = RunRecord::FromJson(j, "_runs/r.json");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), j);
  EXPECT_EQ(back->Path(), "_runs/r-20260101T000000Z.json");
  ASSERT_EQ(back->stages.size(), static_cast<size_t>(kNumStages));
  EXPECT_EQ(back->stages[1].stage, Stage::kTransform);
  EXPECT_EQ(back->ToText(), r.ToText());
}

TEST(RunRecordTest, ExitCodeFollowsTheOutcome) {
  RunRecord r = SampleRecord();
  EXPECT_EQ(r.ExitCode(), 0);  // failure is OK: not read from JSON, not set here
  r.failure = Status::Invalid("gate");
  EXPECT_EQ(r.ExitCode(), 1);
  r.gate_failed = false;
  EXPECT_EQ(r.ExitCode(), ExitCodeFor(StatusCode::kInvalid));
}

TEST(RunRecordTest, MissingFieldIsCorruptNamingTheOrigin) {
  nlohmann::json j = SampleRecord().ToJson();
  j.erase("run_id");
  auto back = RunRecord::FromJson(j, "_runs/broken.json");
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(back.status().message().find("_runs/broken.json"), std::string::npos);
}

TEST(RunRecordTest, MalformedJsonIsCorrupt) {
  for (const char* text : {R"([1, 2, 3])", R"({"run_id": 7})", R"("a string")",
                           R"({"run_id": "r", "input_key": "k", "input": {},
                              "started_at": "t", "outcome": "running", "stages": 3})"}) {
    auto back = RunRecord::FromJson(nlohmann::json::parse(text), "_runs/bad.json");
    ASSERT_FALSE(back.ok()) << text;
    EXPECT_EQ(back.status().code(), StatusCode::kCorrupt) << text;
  }
}

TEST(RunRecordTest, UnknownStageIsRefused) {
  nlohmann::json j = SampleRecord().ToJson();
  j["stages"][0]["stage"] = "deploy";
  auto back = RunRecord::FromJson(j, "_runs/r.json");
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.status().message().find("unknown stage 'deploy'"), std::string::npos);
}

}  // namespace
}  // namespace sensorlake::zones
