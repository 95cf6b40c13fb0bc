// The pipeline's monitoring hooks in one RunObserver (what `sensorlake run` attaches):
// logs the stage context, sends lineage events at stage start/end, and at the run's end
// writes the Prometheus textfile and the EMF lines (a file, CloudWatch Logs) and evaluates and
// delivers alerts. Nothing here fails the run: delivery problems are warnings in the log and
// entries in the run record's "monitoring" object.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "sensorlake/monitoring/alerts.h"
#include "sensorlake/monitoring/json_log.h"
#include "sensorlake/monitoring/lineage.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/zones/run_record.h"

namespace sensorlake::monitoring {

struct MonitorOptions {
  std::string metrics_textfile;       // Prometheus textfile; empty: none
  std::string metrics_emf;            // EMF JSON lines file, "-" for stdout; empty: none
  std::string metrics_log_group;      // the EMF lines to this CloudWatch Logs group; empty: none
  std::string environment = "local";  // the EMF `environment` dimension
  std::optional<AlertConfig> alerts;  // no value: no alert evaluation
  LineageOptions lineage;             // both empty: no lineage
};

class Monitor : public zones::RunObserver {
 public:
  Monitor(const storage::Lake& lake, MonitorOptions options, Logger* logger);
  void OnStageStart(const zones::RunRecord& record, zones::Stage stage) override;
  void OnStageEnd(const zones::RunRecord& record, zones::Stage stage) override;
  void OnRunEnd(zones::RunRecord* record) override;
  void OnStageRecorded(zones::RunRecord* record) override;

 private:
  void Warn(const std::string& msg, nlohmann::json* problems);
  void WriteMetrics(const zones::RunRecord& record, nlohmann::json* mon);
  void RunAlerts(const zones::RunRecord& record, nlohmann::json* mon);

  const storage::Lake& lake_;
  MonitorOptions o_;
  Logger* logger_;  // not owned
  std::unique_ptr<LineageEmitter> lineage_;
};

}  // namespace sensorlake::monitoring
