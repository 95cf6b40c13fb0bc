#include "sensorlake/monitoring/monitor.h"

#include <chrono>
#include <fstream>

#include <fmt/format.h>

#include "monitoring/cloudwatch_logs.h"
#include "monitoring/emf.h"
#include "sensorlake/monitoring/prometheus.h"
#include "sensorlake/monitoring/run_history.h"

namespace sensorlake::monitoring {

using zones::RunRecord;
using zones::Stage;

Monitor::Monitor(const storage::Lake& lake, MonitorOptions options, Logger* logger)
    : lake_(lake), o_(std::move(options)), logger_(logger) {
  if (!o_.lineage.url.empty() || !o_.lineage.file.empty()) {
    lineage_ = std::make_unique<LineageEmitter>(lake_, o_.lineage);
  }
}

void Monitor::Warn(const std::string& msg, nlohmann::json* problems) {
  if (logger_) logger_->Log("warning", msg);
  problems->push_back(msg);
}

void Monitor::OnStageStart(const RunRecord& record, Stage stage) {
  if (logger_) logger_->SetContext(record.run_id, std::string(StageName(stage)));
  if (lineage_) lineage_->StageStart(record, stage);
}

void Monitor::OnStageEnd(const RunRecord& record, Stage stage) {
  const auto& s = record.stages[static_cast<size_t>(stage)];
  if (logger_) {
    nlohmann::json fields = s.metrics;
    fields["status"] = s.status;
    logger_->Log(s.status == "failed" ? "error" : "info",
                 fmt::format("stage {} {} in {:.2f}s", StageName(stage), s.status, s.seconds),
                 fields);
  }
  if (lineage_) lineage_->StageEnd(record, stage);
}

void Monitor::WriteMetrics(const RunRecord& record, nlohmann::json* mon) {
  if (!o_.metrics_textfile.empty()) {
    // The history metrics need the other runs; this run's record is not saved yet.
    auto runs = LoadRuns(lake_);
    if (!runs.ok()) {
      Warn(fmt::format("metrics textfile: {}", runs.status().ToString()), &(*mon)["problems"]);
    } else {
      for (auto& r : *runs) {
        if (r.run_id == record.run_id) r = record;
      }
      Status st = WriteFileAtomic(o_.metrics_textfile, RenderPrometheusRuns(*runs));
      if (!st.ok()) Warn(fmt::format("metrics textfile: {}", st.ToString()), &(*mon)["problems"]);
      (*mon)["metrics_textfile"] = o_.metrics_textfile;
    }
  }
  if (o_.metrics_emf.empty() && o_.metrics_log_group.empty()) return;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  std::vector<std::string> lines = RenderEmf(record, o_.environment, ms);
  if (!o_.metrics_emf.empty()) {
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    if (o_.metrics_emf == "-") {
      fmt::print("{}", text);
      std::fflush(stdout);
    } else {
      std::ofstream f(o_.metrics_emf, std::ios::app);
      f << text;
      if (!f)
        Warn(fmt::format("{}: cannot append the EMF lines", o_.metrics_emf), &(*mon)["problems"]);
    }
    (*mon)["metrics_emf"] = o_.metrics_emf;
  }
  if (!o_.metrics_log_group.empty()) {
    CloudWatchLogsTarget target{o_.metrics_log_group, LogStreamName(record.run_id)};
    auto sent = PutEmfLogEvents(target, lines, ms);
    if (!sent.ok()) Warn(sent.status().ToString(), &(*mon)["problems"]);
    (*mon)["metrics_log_group"] = {{"log_group", target.log_group},
                                   {"log_stream", target.log_stream},
                                   {"events", sent.ok() ? *sent : 0}};
  }
}

void Monitor::RunAlerts(const RunRecord& record, nlohmann::json* mon) {
  auto history = LoadRuns(lake_);
  if (!history.ok()) {
    Warn(fmt::format("alerts: cannot read the run history: {}", history.status().ToString()),
         &(*mon)["problems"]);
    return;
  }
  std::vector<Alert> alerts = EvaluateAlerts(record, *history, *o_.alerts);
  nlohmann::json fired = nlohmann::json::array();
  for (const auto& a : alerts) {
    fired.push_back(a.ToJson());
    if (logger_)
      logger_->Log("warning", fmt::format("alert {}: {}", a.rule, a.message), a.ToJson());
  }
  nlohmann::json deliveries = nlohmann::json::array();
  if (!alerts.empty()) {
    deliveries = DeliverAlerts(AlertPayload(record, alerts, lake_.uri()), *o_.alerts);
    for (const auto& d : deliveries) {
      if (!d.value("ok", false)) {
        Warn(fmt::format("alert delivery to {} failed: {}", d.value("target", ""),
                         d.value("error", "")),
             &(*mon)["problems"]);
      }
    }
  }
  (*mon)["alerts"] = {{"config", o_.alerts->origin}, {"fired", fired}, {"deliveries", deliveries}};
}

namespace {

// Adds one process's lineage delivery counts to what the record holds already.
void AddLineageSummary(nlohmann::json* mon, const nlohmann::json& add) {
  nlohmann::json& l = (*mon)["lineage"];
  if (!l.is_object() || !l.contains("events")) {
    l = add;
    return;
  }
  l["events"] = l["events"].get<int64_t>() + add["events"].get<int64_t>();
  l["failed"] = l["failed"].get<int64_t>() + add["failed"].get<int64_t>();
  for (const auto& e : add["errors"]) l["errors"].push_back(e);
}

}  // namespace

void Monitor::OnStageRecorded(RunRecord* record) {
  if (lineage_) AddLineageSummary(&record->monitoring, lineage_->TakeSummary());
}

void Monitor::OnRunEnd(RunRecord* record) {
  if (logger_) logger_->SetContext(record->run_id, "");
  nlohmann::json& mon = record->monitoring;
  mon["problems"] = nlohmann::json::array();
  if (o_.alerts) RunAlerts(*record, &mon);
  if (lineage_) {
    lineage_->RunEnd(*record);
    AddLineageSummary(&mon, lineage_->TakeSummary());
    if (mon["lineage"]["failed"].get<int64_t>() > 0) {
      Warn(
          fmt::format("lineage: {} of {} events not delivered: {}", mon["lineage"]["failed"].dump(),
                      mon["lineage"]["events"].dump(), mon["lineage"]["errors"].dump()),
          &mon["problems"]);
    }
  }
  // Last, so that the metrics see the record as it will be saved.
  WriteMetrics(*record, &mon);
}

}  // namespace sensorlake::monitoring
