#include "monitoring/metrics.h"

#include <algorithm>

namespace sensorlake::monitoring {

namespace {

using zones::RunRecord;
using zones::Stage;
using zones::StageRecord;

const MetricDef* Find(std::string_view name) {
  for (const auto& d : MetricCatalog()) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

double Num(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

const StageRecord* FindStage(const RunRecord& r, Stage s) {
  for (const auto& st : r.stages) {
    if (st.stage == s) return &st;
  }
  return nullptr;
}

// A stage's value, or 0 when the stage was not run in this run (its metrics are empty).
double StageValue(const RunRecord& r, Stage s, const char* key) {
  const StageRecord* st = FindStage(r, s);
  return st ? Num(st->metrics, key) : 0.0;
}

void Add(std::vector<Sample>* out, std::string_view name, double value,
         std::map<std::string, std::string> labels = {}) {
  out->push_back(Sample{Find(name), std::move(labels), value});
}

}  // namespace

const std::vector<MetricDef>& MetricCatalog() {
  static const std::vector<MetricDef> kCatalog = {
      {"sensorlake.run.duration_seconds", "Seconds", Breakdown::kRun,
       "wall time of one sensorlake run (all stages)"},
      {"sensorlake.run.failed", "Count", Breakdown::kRun,
       "1 when a run ends failed (any stage, gate included)"},
      {"sensorlake.run.succeeded", "Count", Breakdown::kRun, "1 when a run publishes"},
      {"sensorlake.run.peak_rss_bytes", "Bytes", Breakdown::kRun,
       "peak resident set size of the run's process"},
      {"sensorlake.stage.duration_seconds", "Seconds", Breakdown::kStage,
       "wall time per stage (dimension stage)"},
      {"sensorlake.stage.lines_in", "Count", Breakdown::kStage,
       "lines (ingest, transform) or readings (features) a stage consumed"},
      {"sensorlake.stage.rows_out", "Count", Breakdown::kStage,
       "lines landed, rows written or windows written by a stage"},
      {"sensorlake.stage.bytes_read", "Bytes", Breakdown::kStage, "bytes a stage read"},
      {"sensorlake.stage.bytes_written", "Bytes", Breakdown::kStage, "bytes a stage wrote"},
      {"sensorlake.stage.throughput_lines_per_second", "Count/Second", Breakdown::kStage,
       "lines_in / duration of a stage"},
      {"sensorlake.stage.peak_rss_bytes", "Bytes", Breakdown::kStage,
       "peak resident set size of the process at the end of a stage"},
      {"sensorlake.quality.gate_failed", "Count", Breakdown::kRun,
       "1 when sensorlake check exits 1 (a failed error-severity rule)"},
      {"sensorlake.quality.rules_failed", "Count", Breakdown::kRun,
       "failed rules of any severity in the quality run"},
      {"sensorlake.transform.rows", "Count", Breakdown::kRun,
       "rows written to curated/sensor_readings"},
      {"sensorlake.transform.quarantined", "Count", Breakdown::kRun,
       "lines written to curated/quarantine"},
      {"sensorlake.transform.quarantine_percent", "Percent", Breakdown::kRun,
       "quarantined lines per 100 lines read by the transform"},
      {"sensorlake.transform.quarantined_by_reason", "Count", Breakdown::kReason,
       "quarantined lines per reason (dimension reason)"},
      {"sensorlake.ingest.bytes", "Bytes", Breakdown::kRun, "bytes landed in the raw zone"},
      {"sensorlake.features.windows", "Count", Breakdown::kRun, "feature windows written"},
  };
  return kCatalog;
}

std::string PrometheusName(std::string_view cloudwatch_name) {
  std::string out(cloudwatch_name);
  std::replace(out.begin(), out.end(), '.', '_');
  return out;
}

double QuarantinePercent(const RunRecord& r) {
  double lines = StageValue(r, Stage::kTransform, "lines_in");
  return lines > 0 ? 100.0 * StageValue(r, Stage::kTransform, "quarantined") / lines : 0.0;
}

std::vector<Sample> RunSamples(const RunRecord& r) {
  std::vector<Sample> out;
  const bool failed = r.outcome == "failed";
  Add(&out, "sensorlake.run.duration_seconds", r.seconds);
  Add(&out, "sensorlake.run.failed", failed ? 1 : 0);
  Add(&out, "sensorlake.run.succeeded", r.outcome == "succeeded" ? 1 : 0);
  double peak = 0;
  for (const auto& s : r.stages) {
    if (s.metrics.empty()) continue;  // not run here (skipped, or not reached)
    const std::map<std::string, std::string> stage = {{"stage", std::string(StageName(s.stage))}};
    peak = std::max(peak, Num(s.metrics, "peak_rss_bytes"));
    Add(&out, "sensorlake.stage.duration_seconds", s.seconds, stage);
    Add(&out, "sensorlake.stage.lines_in", Num(s.metrics, "lines_in"), stage);
    Add(&out, "sensorlake.stage.rows_out", Num(s.metrics, "rows_out"), stage);
    Add(&out, "sensorlake.stage.bytes_read", Num(s.metrics, "bytes_read"), stage);
    Add(&out, "sensorlake.stage.bytes_written", Num(s.metrics, "bytes_written"), stage);
    Add(&out, "sensorlake.stage.throughput_lines_per_second", Num(s.metrics, "lines_per_second"),
        stage);
    Add(&out, "sensorlake.stage.peak_rss_bytes", Num(s.metrics, "peak_rss_bytes"), stage);
  }
  Add(&out, "sensorlake.run.peak_rss_bytes", peak);
  Add(&out, "sensorlake.quality.gate_failed", r.gate_failed ? 1 : 0);
  const StageRecord* check = FindStage(r, Stage::kCheck);
  double rules_failed = 0;
  if (check && check->summary.contains("counts")) {
    rules_failed = Num(check->summary["counts"], "error") + Num(check->summary["counts"], "warn");
  }
  Add(&out, "sensorlake.quality.rules_failed", rules_failed);
  Add(&out, "sensorlake.transform.rows", StageValue(r, Stage::kTransform, "rows_out"));
  Add(&out, "sensorlake.transform.quarantined", StageValue(r, Stage::kTransform, "quarantined"));
  Add(&out, "sensorlake.transform.quarantine_percent", QuarantinePercent(r));
  const StageRecord* tr = FindStage(r, Stage::kTransform);
  if (tr && tr->metrics.contains("quarantined_by_reason")) {
    for (const auto& [reason, n] : tr->metrics["quarantined_by_reason"].items()) {
      Add(&out, "sensorlake.transform.quarantined_by_reason", n.is_number() ? n.get<double>() : 0,
          {{"reason", reason}});
    }
  }
  Add(&out, "sensorlake.ingest.bytes", StageValue(r, Stage::kIngest, "bytes_written"));
  Add(&out, "sensorlake.features.windows", StageValue(r, Stage::kFeatures, "rows_out"));
  return out;
}

}  // namespace sensorlake::monitoring
