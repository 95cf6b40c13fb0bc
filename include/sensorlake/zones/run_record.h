// The run record: what `sensorlake run` stores in the lake for each run
// (_runs/<run id>.json, rewritten after each stage), the stages it names and the observer
// interface the pipeline calls as it goes. It lives in the zones layer, below the pipeline,
// so that monitoring (which implements the observer and reads the records back) and serve
// (which shows them) depend on the record's format, not on the pipeline that writes it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"

namespace sensorlake::zones {

enum class Stage : uint8_t { kIngest = 0, kTransform, kCheck, kFeatures, kPublish };
inline constexpr int32_t kNumStages = 5;
std::string_view StageName(Stage s);  // "ingest", ...
Result<Stage> ParseStage(std::string_view name);

// Where run records live in the lake.
inline constexpr std::string_view kRunsDir = "_runs";

struct RunRecord;

// Hooks for monitoring (metrics, lineage, alerts: src/monitoring): called at each stage's
// start and end and once at the run's end, before the record is saved for the last time,
// so what the observer adds to `record->monitoring` is kept in the lake. Observers must
// not fail the run: their own failures go into the record, not into a Status.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void OnStageStart(const RunRecord& record, Stage stage) = 0;
  virtual void OnStageEnd(const RunRecord& record, Stage stage) = 0;
  virtual void OnRunEnd(RunRecord* record) = 0;
  // A run whose stages run in separate processes (pipeline/stage_run.h) calls this after
  // each stage, before saving the record: keep in `record->monitoring` what this process
  // sent, since the process that ends the run sees only its own stage.
  virtual void OnStageRecorded(RunRecord* /*record*/) {}
};

struct StageRecord {
  Stage stage = Stage::kIngest;
  std::string status = "not_run";  // not_run, running, completed, skipped, failed
  std::string message;             // why skipped or failed; what a resume reused
  int32_t attempts = 0;
  double seconds = 0;
  nlohmann::json summary = nlohmann::json::object();  // the stage's own JSON summary
  // lines_in, rows_out, bytes_read, bytes_written, lines_per_second, peak_rss_bytes,
  // quarantined_by_reason: what the monitoring metrics are made of (docs/monitoring.md).
  nlohmann::json metrics = nlohmann::json::object();
};

// The metrics of a finished stage, from its summary, wall time and the process's peak
// resident set size (getrusage: the peak so far in this process, so it never decreases).
nlohmann::json StageMetrics(Stage stage, const nlohmann::json& summary, double seconds,
                            int64_t peak_rss_bytes);
int64_t PeakRssBytes();

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
  nlohmann::json monitoring = nlohmann::json::object();  // alert and lineage delivery
  // Who ran the stages when it was not `sensorlake run` (docs/monitoring.md): e.g.
  // {"name": "airflow", "dag_id", "run_id", "lineage_parent": {namespace, name, run_id}};
  // empty for `sensorlake run`.
  nlohmann::json orchestrator = nlohmann::json::object();
  Status failure;  // why the run failed (OK when it succeeded); not stored in the lake

  // The process exit code for this outcome: 0, 1 for a failed quality gate, otherwise
  // the failing stage's status code (docs/cli.md).
  int32_t ExitCode() const;
  nlohmann::json ToJson() const;
  static Result<RunRecord> FromJson(const nlohmann::json& j, std::string_view origin);
  std::string Path() const;    // _runs/<run id>.json
  std::string ToText() const;  // the closing summary for people
};

}  // namespace sensorlake::zones
