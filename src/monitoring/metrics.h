// The engine's metrics: one catalog (name, unit, kind, help, dimensions) shared by every
// renderer (Prometheus, CloudWatch EMF) and by infra/terraform/modules/monitoring/metrics.tf,
// which must list exactly the same CloudWatch names (tests/python/test_monitoring.py).
// Values come from a run record (_runs/<id>.json): docs/monitoring.md has the table.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sensorlake/zones/run_record.h"

namespace sensorlake::monitoring {

// The dimension a metric is broken down by, besides `environment`.
enum class Breakdown : uint8_t { kRun, kStage, kReason };

struct MetricDef {
  std::string_view name;  // CloudWatch name, "sensorlake.run.duration_seconds"
  std::string_view unit;  // CloudWatch unit: Seconds, Count, Bytes, Percent, Count/Second
  Breakdown breakdown;
  std::string_view help;
};

// Every metric the engine emits, in the documented order.
const std::vector<MetricDef>& MetricCatalog();

// "sensorlake.run.duration_seconds" -> "sensorlake_run_duration_seconds".
std::string PrometheusName(std::string_view cloudwatch_name);

struct Sample {
  const MetricDef* def = nullptr;
  std::map<std::string, std::string> labels;  // "stage" or "reason" (environment is added later)
  double value = 0;
};

// The samples of one run: run-level values, one per stage that ran (skipped stages were
// measured in the run they completed in) and one per quarantine reason.
std::vector<Sample> RunSamples(const zones::RunRecord& record);

// quarantined / lines in of the transform stage, in percent; 0 when it did not run.
double QuarantinePercent(const zones::RunRecord& record);

}  // namespace sensorlake::monitoring
