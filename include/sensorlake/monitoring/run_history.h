// Run history: the run records in <lake>/_runs/ (written by `sensorlake run`), listed
// for `sensorlake runs`, the metrics over history and the anomaly alerts.
#pragma once

#include <string>
#include <vector>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/zones/run_record.h"

namespace sensorlake::monitoring {

// Every run record, oldest first (ids sort in time order). A record that is not valid
// JSON (cut by a crash) is an error naming the file: the history must not silently shrink.
Result<std::vector<zones::RunRecord>> LoadRuns(const storage::Lake& lake);

// One run; NotFound "no run <id> in <lake>/_runs" when it does not exist.
Result<zones::RunRecord> LoadRun(const storage::Lake& lake, std::string_view run_id);

// Who started a run: "sensorlake run", or its orchestrator ("airflow <dag id> <DAG run id>").
std::string StartedBy(const zones::RunRecord& run);

// The table of `sensorlake runs`: id, start, duration, outcome, rows, quality, started by;
// newest first, at most `limit` rows (0: all).
std::string RunsTable(const std::vector<zones::RunRecord>& runs, size_t limit);
nlohmann::json RunsJson(const std::vector<zones::RunRecord>& runs, size_t limit);

// `sensorlake runs show ID`: stage timeline, metrics, quality outcome, alerts, lineage.
std::string RunDetails(const zones::RunRecord& run);

// "passed", "FAILED (n errors)", "-" when the check did not run: from the check summary.
std::string QualityOutcome(const zones::RunRecord& run);

}  // namespace sensorlake::monitoring
