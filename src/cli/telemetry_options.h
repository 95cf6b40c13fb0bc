// The monitoring options every run-recording command shares (`run` and the stage commands
// with --run-id): metrics, alerts, lineage and the EMF environment. Each flag also reads
// its SENSORLAKE_* environment variable, so an orchestrator sets them once for every
// command it starts; a flag on the command line wins (docs/monitoring.md).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "sensorlake/common/result.h"
#include "sensorlake/monitoring/json_log.h"
#include "sensorlake/monitoring/monitor.h"

namespace sensorlake::cli {

struct TelemetryArgs {
  std::string metrics_textfile, metrics_emf, metrics_log_group, environment = "local";
  std::string alert_config, alert_webhook, alert_sns_topic, alert_sns_endpoint;
  std::string lineage_url, lineage_file, lineage_parent;
};

void AddTelemetryOptions(CLI::App* sub, TelemetryArgs* args);

// The monitor's options; alerts are evaluated when any alert option is given (the flags
// override the file).
Result<monitoring::MonitorOptions> MonitorOptionsFrom(const TelemetryArgs& args);

// JSON logs carry progress as objects too, so stderr stays one object per line (until
// Progress::SetSink(nullptr)).
void JsonProgress(monitoring::Logger* logger);

}  // namespace sensorlake::cli
