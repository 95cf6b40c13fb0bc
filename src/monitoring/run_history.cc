#include "sensorlake/monitoring/run_history.h"

#include <algorithm>

#include <fmt/format.h>

#include "monitoring/metrics.h"

namespace sensorlake::monitoring {

namespace {

constexpr const char* kRunsDir = "_runs";

Result<zones::RunRecord> ReadRecord(const storage::Lake& lake, const std::string& path) {
  SL_ASSIGN_OR_RETURN(std::string text, lake.ReadText(path));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    return Status::Corrupt("{}: not valid JSON (a run record cut by a crash?)",
                           lake.DisplayPath(path));
  }
  return zones::RunRecord::FromJson(j, lake.DisplayPath(path));
}

const zones::StageRecord* CheckStage(const zones::RunRecord& r) {
  for (const auto& s : r.stages) {
    if (s.stage == zones::Stage::kCheck) return &s;
  }
  return nullptr;
}

int64_t TransformRows(const zones::RunRecord& r) {
  for (const auto& s : r.stages) {
    if (s.stage != zones::Stage::kTransform) continue;
    const auto& totals = s.summary.value("totals", nlohmann::json::object());
    return totals.value("rows", int64_t{0});
  }
  return 0;
}

}  // namespace

Result<std::vector<zones::RunRecord>> LoadRuns(const storage::Lake& lake) {
  std::vector<zones::RunRecord> runs;
  SL_ASSIGN_OR_RETURN(bool exists, lake.Exists(kRunsDir));
  if (!exists) return runs;
  SL_ASSIGN_OR_RETURN(auto files, lake.ListFiles(kRunsDir, /*recursive=*/false));
  std::sort(
      files.begin(), files.end(),
      [](const storage::FileEntry& a, const storage::FileEntry& b) { return a.path < b.path; });
  for (const auto& f : files) {
    if (!f.path.ends_with(".json")) continue;
    SL_ASSIGN_OR_RETURN(auto r, ReadRecord(lake, fmt::format("{}/{}", kRunsDir, f.path)));
    runs.push_back(std::move(r));
  }
  return runs;
}

Result<zones::RunRecord> LoadRun(const storage::Lake& lake, std::string_view run_id) {
  if (run_id.empty() || run_id.find('/') != std::string_view::npos) {
    return Status::Invalid("'{}' is not a run id (r-<UTC time>, see sensorlake runs)", run_id);
  }
  std::string path = fmt::format("{}/{}.json", kRunsDir, run_id);
  SL_ASSIGN_OR_RETURN(bool exists, lake.Exists(path));
  if (!exists) {
    return Status::NotFound("no run '{}' in {} (sensorlake runs lists them)", run_id,
                            lake.DisplayPath(kRunsDir));
  }
  return ReadRecord(lake, path);
}

std::string QualityOutcome(const zones::RunRecord& r) {
  const auto* check = CheckStage(r);
  if (!check || !check->summary.contains("counts")) return "-";
  const auto& c = check->summary["counts"];
  int64_t errors = c.value("error", int64_t{0}), warns = c.value("warn", int64_t{0});
  if (errors > 0) return fmt::format("FAILED ({} errors)", errors);
  return warns > 0 ? fmt::format("passed ({} warn)", warns) : "passed";
}

std::string StartedBy(const zones::RunRecord& r) {
  const nlohmann::json& o = r.orchestrator;
  if (!o.is_object() || o.empty()) return "sensorlake run";
  std::string by = o.value("name", "orchestrator");
  for (const char* key : {"dag_id", "run_id"}) {
    if (o.contains(key) && o[key].is_string()) by += " " + o[key].get<std::string>();
  }
  return by;
}

// The Iceberg snapshot of sensor_readings the run published, else the one its check staged
// ("staged <id>"), else "-" (docs/tables.md).
std::string Snapshot(const zones::RunRecord& r) {
  std::string published = r.versions.value("snapshot", "");
  if (!published.empty()) return published;
  std::string staged = r.versions.value("staged_snapshot", "");
  return staged.empty() ? "-" : "staged " + staged;
}

std::string RunsTable(const std::vector<zones::RunRecord>& runs, size_t limit) {
  // DAG runs' ids carry a hash: the column grows to the longest id shown.
  size_t id_width = 24, shown = 0;
  for (auto it = runs.rbegin(); it != runs.rend() && (limit == 0 || shown < limit); ++it, ++shown) {
    id_width = std::max(id_width, it->run_id.size());
  }
  std::string out =
      fmt::format("{:<{}} {:<20} {:>9} {:<10} {:>12}  {:<16} {:<26} {}\n", "id", id_width, "start",
                  "duration", "outcome", "rows", "quality", "snapshot", "started by");
  shown = 0;
  for (auto it = runs.rbegin(); it != runs.rend() && (limit == 0 || shown < limit); ++it, ++shown) {
    out += fmt::format("{:<{}} {:<20} {:>8.1f}s {:<10} {:>12}  {:<16} {:<26} {}\n", it->run_id,
                       id_width, it->started_at, it->seconds, it->outcome, TransformRows(*it),
                       QualityOutcome(*it), Snapshot(*it), StartedBy(*it));
  }
  out += fmt::format("{} of {} runs\n", shown, runs.size());
  return out;
}

nlohmann::json RunsJson(const std::vector<zones::RunRecord>& runs, size_t limit) {
  nlohmann::json arr = nlohmann::json::array();
  for (auto it = runs.rbegin(); it != runs.rend() && (limit == 0 || arr.size() < limit); ++it) {
    arr.push_back({{"run_id", it->run_id},
                   {"started_at", it->started_at},
                   {"seconds", it->seconds},
                   {"outcome", it->outcome},
                   {"rows", TransformRows(*it)},
                   {"quality", QualityOutcome(*it)},
                   {"snapshot", Snapshot(*it)},
                   {"started_by", StartedBy(*it)}});
  }
  return {{"runs", arr}, {"total", runs.size()}};
}

std::string RunDetails(const zones::RunRecord& r) {
  std::string out = fmt::format("run {}\n  started {}  finished {}  {:.1f}s  outcome {}\n",
                                r.run_id, r.started_at, r.finished_at, r.seconds, r.outcome);
  out += fmt::format("  started by {}\n", StartedBy(r));
  if (Snapshot(r) != "-")
    out += fmt::format("  Iceberg snapshot (sensor_readings) {}\n", Snapshot(r));
  if (!r.error.empty()) out += fmt::format("  error: {}\n", r.error);
  if (!r.resumed_from.empty()) out += fmt::format("  resumed run {}\n", r.resumed_from);
  out +=
      fmt::format("\n{:<10} {:<10} {:>8} {:>12} {:>12} {:>10} {:>10} {:>10}\n", "stage", "status",
                  "seconds", "lines in", "rows out", "MB read", "MB written", "peak MB");
  for (const auto& s : r.stages) {
    const auto& m = s.metrics;
    out += fmt::format("{:<10} {:<10} {:>8.2f} {:>12} {:>12} {:>10.1f} {:>10.1f} {:>10.1f}\n",
                       StageName(s.stage), s.status, s.seconds, m.value("lines_in", int64_t{0}),
                       m.value("rows_out", int64_t{0}), m.value("bytes_read", 0.0) / 1e6,
                       m.value("bytes_written", 0.0) / 1e6, m.value("peak_rss_bytes", 0.0) / 1e6);
  }
  out += fmt::format("\nquality: {}   quarantined: {:.3f}%\n", QualityOutcome(r),
                     QuarantinePercent(r));
  const auto& mon = r.monitoring;
  const auto& alerts = mon.value("alerts", nlohmann::json::object());
  for (const auto& a : alerts.value("fired", nlohmann::json::array())) {
    out += fmt::format("alert: {} ({})\n", a.value("rule", ""), a.value("message", ""));
  }
  for (const auto& d : alerts.value("deliveries", nlohmann::json::array())) {
    out += fmt::format("alert delivery to {}: {}\n", d.value("target", ""),
                       d.value("ok", false) ? "ok" : "FAILED: " + d.value("error", std::string()));
  }
  if (mon.contains("metrics_log_group")) {
    const auto& g = mon["metrics_log_group"];
    out += fmt::format("metrics: {} EMF lines to CloudWatch Logs {} (stream {})\n",
                       g.value("events", 0), g.value("log_group", ""), g.value("log_stream", ""));
  }
  const auto& lineage = mon.value("lineage", nlohmann::json::object());
  out += fmt::format("lineage events: {} sent, {} failed\n", lineage.value("events", 0),
                     lineage.value("failed", 0));
  return out;
}

}  // namespace sensorlake::monitoring
