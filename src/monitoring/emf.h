// CloudWatch Embedded Metric Format: JSON log lines that CloudWatch Logs turns into
// metrics on its own (no agent code, no PutMetricData). One line per dimension set: the
// run-level metrics (dimension environment), each stage's (environment, stage) and each
// quarantine reason's (environment, reason). Namespace "sensorlake", the names of
// metrics.h, which infra/terraform/modules/monitoring/metrics.tf lists (docs/monitoring.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sensorlake/zones/run_record.h"

namespace sensorlake::monitoring {

inline constexpr const char* kCloudWatchNamespace = "sensorlake";

// The EMF documents of one run, one JSON object per line (no trailing newline inside).
// `timestamp_ms`: milliseconds since the epoch (the run's end).
std::vector<std::string> RenderEmf(const zones::RunRecord& record, const std::string& environment,
                                   int64_t timestamp_ms);

}  // namespace sensorlake::monitoring
