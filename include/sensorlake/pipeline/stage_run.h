// One stage of a run whose stages execute in separate processes: an orchestrator (the
// Airflow DAG, the Spark job) runs `sensorlake ingest|transform|check|features|publish
// --run-id ID` one after the other, and each records itself in the same run record
// (_runs/<ID>.json) that `sensorlake run` writes, so `sensorlake runs`, /metrics and the
// web app show that run like any other (docs/monitoring.md).
//
// The first stage to run creates the record; each stage marks itself running, retries
// transient errors with backoff (as `sensorlake run` does), then records its status,
// summary, metrics and the versions it made. The run ends when publish completes
// (succeeded) or any stage fails (failed); a stage the orchestrator retries after a
// failure puts the run back to running. The observer (monitoring) sees the stage's start
// and end, and the run's end.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/zones/run_record.h"

namespace sensorlake::pipeline {

struct StageRunOptions {
  std::string run_id;  // r-<...>: letters, digits, '-', '_', '.'
  // Recorded as the record's `orchestrator` when the record is created.
  nlohmann::json orchestrator = nlohmann::json::object();
  int32_t max_attempts = 3;                // for transient errors
  double first_backoff_seconds = 1;        // doubled after each failed attempt, with jitter
  zones::RunObserver* observer = nullptr;  // not owned; may be null
  // >= 0: the stage ran elsewhere (the Spark job's tasks) and took this long; the body only
  // reports its outcome.
  double elapsed_seconds = -1;
};

// What a stage's body reports: its summary (the command's JSON) and, for check, whether
// the gate failed (the stage then fails with kRefused although the body succeeded).
struct StageOutcome {
  nlohmann::json summary = nlohmann::json::object();
  bool gate_failed = false;
};

// Checks a run id given on the command line or in SENSORLAKE_RUN_ID: it names a file.
Status ValidateRunId(std::string_view run_id);

// Runs `body` as stage `stage` of run `options.run_id` and records it. The returned record
// is the run as saved after this stage; the body's error (after retries) is in the record
// (`failure`) and returned as the Status only when the record itself cannot be written.
Result<zones::RunRecord> RunStageOfRun(const storage::Lake& lake, const StageRunOptions& options,
                                       zones::Stage stage,
                                       const std::function<Result<StageOutcome>()>& body);

// The versions a stage's summary names (raw, curated, quality_run, features), and a
// one-line message for the record, as `sensorlake run` writes them.
nlohmann::json VersionsFromSummary(zones::Stage stage, const nlohmann::json& summary);
std::string StageMessage(zones::Stage stage, const nlohmann::json& summary);

}  // namespace sensorlake::pipeline
