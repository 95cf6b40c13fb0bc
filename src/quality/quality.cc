#include "sensorlake/quality/quality.h"

#include <chrono>

#include <fmt/format.h>

#include "sensorlake/common/clock.h"
#include "sensorlake/quality/profile.h"
#include "sensorlake/storage/lake_lock.h"
#include "sensorlake/tables/iceberg_tables.h"

namespace sensorlake::quality {

namespace {

constexpr const char* kRunsDir = "quality/runs";
constexpr const char* kLatestPath = "quality/_latest.json";
constexpr const char* kHistoryPath = "quality/_history.json";

Result<nlohmann::json> ReadJson(const storage::Lake& lake, const std::string& path) {
  SL_ASSIGN_OR_RETURN(std::string text, lake.ReadText(path));
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corrupt("{}: not valid JSON", path);
  return j;
}

Result<Baseline> LoadBaseline(const storage::Lake& lake, std::string run_id) {
  if (run_id == "latest") {
    SL_ASSIGN_OR_RETURN(bool any, lake.Exists(kLatestPath));
    if (!any)
      return Status::NotFound("--baseline latest: no earlier quality run in {}", lake.uri());
    SL_ASSIGN_OR_RETURN(auto latest, ReadJson(lake, kLatestPath));
    run_id = latest.value("run_id", "");
  }
  std::string path = fmt::format("{}/{}/baseline.json", kRunsDir, run_id);
  SL_ASSIGN_OR_RETURN(bool exists, lake.Exists(path));
  if (!exists)
    return Status::NotFound("--baseline {}: no such quality run ({} is missing)", run_id, path);
  SL_ASSIGN_OR_RETURN(auto j, ReadJson(lake, path));
  Baseline b;
  b.run_id = run_id;
  b.curated_version = j.value("curated_version", "");
  SL_ASSIGN_OR_RETURN(b.magnitude, DatasetProfile::MagnitudeFromBaselineJson(j, path));
  return b;
}

// A new run id: the UTC time, made unique among existing runs.
Result<std::string> NewRunId(const storage::Lake& lake) {
  std::string base = "q-" + UtcIdStamp();
  std::string id = base;
  for (int32_t n = 2;; ++n) {
    SL_ASSIGN_OR_RETURN(bool taken, lake.Exists(fmt::format("{}/{}", kRunsDir, id)));
    if (!taken) return id;
    id = fmt::format("{}-{}", base, n);
  }
}

// Writes the run's files into a staging folder, then renames it into place, so a run
// folder is either complete or absent; then the pointers.
Status StoreRun(const storage::Lake& lake, const CheckSummary& s, const DatasetProfile& profile) {
  const std::string staging = fmt::format("{}/.staging-{}", kRunsDir, s.run_id);
  SL_RETURN_NOT_OK(lake.DeleteDir(staging));
  SL_RETURN_NOT_OK(lake.CreateDir(staging));
  nlohmann::json result = s.ToJson();
  SL_RETURN_NOT_OK(lake.WriteAtomic(staging + "/result.json", result.dump(2) + "\n"));
  SL_RETURN_NOT_OK(lake.WriteAtomic(staging + "/report.html", RenderHtmlReport(s, profile)));
  SL_RETURN_NOT_OK(
      lake.WriteAtomic(staging + "/baseline.json", profile.BaselineJson().dump() + "\n"));
  SL_RETURN_NOT_OK(lake.Move(staging, fmt::format("{}/{}", kRunsDir, s.run_id)));

  nlohmann::json entry = {{"run_id", s.run_id},           {"curated_version", s.curated_version},
                          {"gate_passed", s.gate_passed}, {"errors", s.Count("error")},
                          {"warnings", s.Count("warn")},  {"finished_at", UtcTimestamp()}};
  nlohmann::json history = nlohmann::json::array();
  SL_ASSIGN_OR_RETURN(bool has_history, lake.Exists(kHistoryPath));
  if (has_history) {
    SL_ASSIGN_OR_RETURN(history, ReadJson(lake, kHistoryPath));
    if (!history.is_array()) return Status::Corrupt("{}: not a JSON array", kHistoryPath);
  }
  history.push_back(entry);
  SL_RETURN_NOT_OK(lake.WriteAtomic(kHistoryPath, history.dump(2) + "\n"));
  return lake.WriteAtomic(kLatestPath, entry.dump(2) + "\n");
}

}  // namespace

int32_t CheckSummary::Count(std::string_view outcome) const {
  int32_t n = 0;
  for (const auto& r : results) n += r.Outcome() == outcome ? 1 : 0;
  return n;
}

nlohmann::json CheckSummary::ToJson() const {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& r : results) checks.push_back(r.ToJson());
  return {{"format", "sensorlake.quality-result/1"},
          {"run_id", run_id},
          {"curated_version", curated_version},
          {"raw_version", raw_version},
          {"baseline_run", baseline_run},
          {"success", gate_passed},
          {"counts",
           {{"pass", Count("pass")},
            {"warn", Count("warn")},
            {"error", Count("error")},
            {"skipped", Count("skipped")}}},
          {"seconds", seconds},
          {"result", result_path},
          {"report", report_path},
          {"tables", tables},
          {"checks", checks}};
}

std::string CheckSummary::ToText() const {
  std::string out;
  for (const auto& r : results) {
    std::string_view outcome = r.Outcome();
    out += fmt::format("  {:<7} {:<22} {}\n", outcome, r.rule, r.observed);
    if (outcome == "pass" || outcome == "skipped") continue;
    size_t shown = 0;
    for (const auto& f : r.failures) {
      if (shown++ == 3) break;
      out += fmt::format("          - {}\n", f.dump());
    }
    if (r.failing > 3) out += fmt::format("          ... {} in all\n", r.failing);
  }
  out += fmt::format(
      "\ncheck: {} on curated version {}: {} passed, {} warnings, {} errors, {} skipped "
      "in {:.1f}s\n",
      gate_passed ? "GATE PASSED" : "GATE FAILED", curated_version, Count("pass"), Count("warn"),
      Count("error"), Count("skipped"), seconds);
  return out;
}

namespace {

// Write-audit-publish: stages the audited version as a snapshot on its audit branch, and
// holds the snapshot to the rows this check profiled, so what publish makes current is what
// was audited, row for row (docs/tables.md).
Result<nlohmann::json> StageAudited(const storage::Lake& lake, const std::string& catalog,
                                    const CheckSummary& s, const DatasetProfile& profile) {
  SL_ASSIGN_OR_RETURN(auto staged,
                      tables::StageCuratedVersion(lake, catalog, s.curated_version,
                                                  {{"curated-version", s.curated_version},
                                                   {"raw-version", s.raw_version},
                                                   {"quality-run", s.run_id},
                                                   {"version", SENSORLAKE_VERSION}}));
  for (const auto& [table, want] :
       {std::pair<std::string, int64_t>{"sensor_readings", profile.rows},
        {"quarantine", profile.quarantined}}) {
    const nlohmann::json tables = staged.value("tables", nlohmann::json::object());
    int64_t got = tables.value(table, nlohmann::json::object()).value("records", int64_t{-1});
    if (got != want) {
      return Status::Corrupt(
          "curated version {}: the snapshot staged in {} holds {} rows, the version {}: not "
          "staged for publishing",
          s.curated_version, table, got, want);
    }
  }
  return staged;
}

}  // namespace

Result<CheckSummary> RunQualityCheck(const storage::Lake& lake, const CheckOptions& options) {
  auto start = std::chrono::steady_clock::now();
  // One check at a time per lake: runs append to the shared history.
  SL_ASSIGN_OR_RETURN(auto lock, storage::LakeLock::Acquire(lake, "quality", "check"));
  std::optional<Baseline> baseline;
  if (!options.baseline_run.empty()) {
    SL_ASSIGN_OR_RETURN(baseline, LoadBaseline(lake, options.baseline_run));
  }
  ProfileOptions po;
  po.curated_version = options.curated_version;
  po.threads = options.threads;
  SL_ASSIGN_OR_RETURN(DatasetProfile profile, ProfileCuratedVersion(lake, po));

  CheckSummary s;
  s.curated_version = profile.curated_version;
  s.raw_version = profile.raw_version;
  s.baseline_run = baseline ? baseline->run_id : "";
  s.results = RunChecks(profile, options.rules, baseline ? &*baseline : nullptr);
  for (const auto& r : s.results) s.gate_passed = s.gate_passed && !r.StopsTheGate();
  SL_ASSIGN_OR_RETURN(s.run_id, NewRunId(lake));
  if (tables::CatalogEnabled(options.catalog)) {
    SL_ASSIGN_OR_RETURN(s.tables, StageAudited(lake, options.catalog, s, profile));
  }
  s.result_path = fmt::format("{}/{}/result.json", kRunsDir, s.run_id);
  s.report_path = fmt::format("{}/{}/report.html", kRunsDir, s.run_id);
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  SL_RETURN_NOT_OK(StoreRun(lake, s, profile));
  return s;
}

}  // namespace sensorlake::quality
