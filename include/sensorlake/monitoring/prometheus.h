// Prometheus text exposition (format 0.0.4) of a lake's run history: gauges of the latest
// finished run (the catalog of metrics.h, names with '.' -> '_'), and over all runs a
// counter of runs by outcome and a histogram of run durations. Served at /metrics by
// `sensorlake serve` and written for node_exporter's textfile collector by `sensorlake run
// --metrics-textfile` (docs/monitoring.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/zones/run_record.h"

namespace sensorlake::monitoring {

// The exposition of the lake's _runs/ (an empty lake gives the history metrics at 0).
Result<std::string> RenderPrometheus(const storage::Lake& lake);

// The same over records already loaded, oldest first.
std::string RenderPrometheusRuns(const std::vector<zones::RunRecord>& runs);

// Writes `text` to `path` through a temporary file in the same folder and rename(2), as
// the textfile collector requires (it must never read a half-written file).
Status WriteFileAtomic(const std::string& path, std::string_view text);

}  // namespace sensorlake::monitoring
