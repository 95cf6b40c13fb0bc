// `sensorlake run`: the whole pipeline in one command, on one lake:
//
//   [generate] -> ingest -> transform -> check (the gate) -> features -> publish
//
// Every stage is idempotent; the run is recorded in the lake as it goes
// (_runs/<run id>.json, rewritten after each stage), so a run that failed or was killed
// is resumed by the next run for the same input at the first stage it did not complete.
// Transient errors (I/O, a busy lake) are retried with backoff; anything else stops the
// run with the stage, the input and the cause. `publish` points _published.json (and
// curated/published) at the versions that passed the gate: what consumers should read.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"
#include "sensorlake/quality/rules.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/transform/cleaning_rules.h"

namespace sensorlake::pipeline {

enum class Stage : uint8_t { kIngest = 0, kTransform, kCheck, kFeatures, kPublish };
inline constexpr int32_t kNumStages = 5;
std::string_view StageName(Stage s);  // "ingest", ...
Result<Stage> ParseStage(std::string_view name);

struct RunOptions {
  std::string source;         // URL, zip or folder; or empty with generate_scale > 0
  double generate_scale = 0;  // > 0: generate the data first (cached in work_dir)
  uint64_t generate_seed = 1;
  std::string work_dir = "work";  // generated data: <work_dir>/generated/scale-S-seed-N
  std::string from_stage;         // empty: resume where the last run for this input stopped
  int32_t threads = 0;
  int32_t max_attempts = 3;          // per stage, for transient errors
  double first_backoff_seconds = 1;  // doubled after each failed attempt
  transform::TransformConfig transform_config;
  std::string transform_config_origin = "built-in defaults";
  quality::QualityRules quality_rules = quality::DefaultQualityRules();
};

struct StageRecord {
  Stage stage = Stage::kIngest;
  std::string status = "not_run";  // not_run, running, completed, skipped, failed
  std::string message;             // why skipped or failed; what a resume reused
  int32_t attempts = 0;
  double seconds = 0;
  nlohmann::json summary = nlohmann::json::object();  // the stage's own JSON summary
};

struct RunRecord {
  std::string run_id;     // r-<UTC time>
  std::string input_key;  // what makes two runs "the same input"
  nlohmann::json input = nlohmann::json::object();
  std::string started_at, finished_at;
  std::string outcome = "running";  // running, succeeded, failed
  std::string failed_stage;
  bool gate_failed = false;  // the check stage ran and a rule of severity error failed
  std::string error;
  std::string resumed_from;                            // run id whose completed stages were reused
  nlohmann::json versions = nlohmann::json::object();  // engine, raw, curated, quality run
  std::vector<StageRecord> stages;
  double seconds = 0;
  Status failure;  // why the run failed (OK when it succeeded); not stored in the lake

  // The process exit code for this outcome: 0, 1 for a failed quality gate, otherwise
  // the failing stage's status code (docs/cli.md).
  int32_t ExitCode() const;
  nlohmann::json ToJson() const;
  static Result<RunRecord> FromJson(const nlohmann::json& j, std::string_view origin);
  std::string Path() const;    // _runs/<run id>.json
  std::string ToText() const;  // the closing summary for people
};

// Runs the pipeline. A stage that fails still gives a record (stored in the lake, outcome
// "failed", `failure` set); an error Status means the run could not start (bad options,
// the lake cannot be written).
Result<RunRecord> RunPipeline(const storage::Lake& lake, const RunOptions& options,
                              std::function<void(std::string_view)> log = nullptr);

}  // namespace sensorlake::pipeline
