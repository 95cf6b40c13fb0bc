#include "sensorlake/zones/run_record.h"

#include <array>

#include <sys/resource.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sensorlake::zones {

namespace {

constexpr std::array<std::string_view, kNumStages> kStageNames = {"ingest", "transform", "check",
                                                                  "features", "publish"};

}  // namespace

std::string_view StageName(Stage s) { return kStageNames[static_cast<size_t>(s)]; }

Result<Stage> ParseStage(std::string_view name) {
  for (size_t i = 0; i < kStageNames.size(); ++i) {
    if (kStageNames[i] == name) return static_cast<Stage>(i);
  }
  return Status::Invalid("unknown stage '{}' (stages: {})", name, fmt::join(kStageNames, ", "));
}

// ---- stage metrics --------------------------------------------------------------------

int64_t PeakRssBytes() {
  struct rusage ru {};
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return static_cast<int64_t>(ru.ru_maxrss) * 1024;  // Linux reports KiB
}

namespace {

int64_t Int(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : 0;
}

// lines_in, rows_out, bytes_read, bytes_written of one stage, from its own summary: each
// stage reports them under its own names.
void StageCounts(Stage stage, const nlohmann::json& summary, nlohmann::json* m) {
  if (!summary.is_object()) return;
  switch (stage) {
    case Stage::kIngest: {
      const auto& in = summary.value("ingest", nlohmann::json::object());
      (*m)["lines_in"] = Int(in, "lines");
      (*m)["rows_out"] = Int(in, "lines");
      (*m)["bytes_read"] = Int(in, "bytes");
      (*m)["bytes_written"] = in.value("unchanged", false) ? 0 : Int(in, "bytes");
      return;
    }
    case Stage::kTransform: {
      const auto& totals = summary.value("totals", nlohmann::json::object());
      int64_t in = 0, out = 0;
      for (const auto& f : summary.value("folders", nlohmann::json::array())) {
        in += Int(f, "bytes_in");
        out += Int(f, "bytes_out");
      }
      (*m)["lines_in"] = Int(totals, "lines");
      (*m)["rows_out"] = Int(totals, "rows");
      (*m)["bytes_read"] = in;
      (*m)["bytes_written"] = out;
      (*m)["quarantined"] = Int(totals, "quarantined");
      (*m)["quarantined_by_reason"] =
          totals.value("quarantined_by_reason", nlohmann::json::object());
      return;
    }
    case Stage::kFeatures: {
      int64_t readings = 0;
      const nlohmann::json folders = summary.value("folders", nlohmann::json::object());
      for (const auto& [name, f] : folders.items()) {
        readings += Int(f, "readings");
      }
      (*m)["lines_in"] = readings;
      (*m)["rows_out"] = Int(summary, "windows");
      return;
    }
    case Stage::kCheck:
    case Stage::kPublish:
      return;
  }
}

}  // namespace

nlohmann::json StageMetrics(Stage stage, const nlohmann::json& summary, double seconds,
                            int64_t peak_rss_bytes) {
  nlohmann::json m = {{"lines_in", 0},      {"rows_out", 0},
                      {"bytes_read", 0},    {"bytes_written", 0},
                      {"seconds", seconds}, {"peak_rss_bytes", peak_rss_bytes}};
  StageCounts(stage, summary, &m);
  // Throughput over what the stage consumed: lines for ingest/transform, readings for features.
  // A stage that found its output already there did no work: no throughput to report.
  bool unchanged = summary.is_object() &&
                   (summary.value("unchanged", false) ||
                    summary.value("ingest", nlohmann::json::object()).value("unchanged", false));
  m["lines_per_second"] =
      seconds > 0 && !unchanged ? static_cast<double>(m["lines_in"].get<int64_t>()) / seconds : 0.0;
  return m;
}

// ---- the run record -------------------------------------------------------------------

std::string RunRecord::Path() const { return fmt::format("{}/{}.json", kRunsDir, run_id); }

int32_t RunRecord::ExitCode() const {
  if (failure.ok()) return 0;
  if (gate_failed) return 1;
  return sensorlake::ExitCodeFor(failure.code());
}

nlohmann::json RunRecord::ToJson() const {
  nlohmann::json stages_json = nlohmann::json::array();
  for (const auto& s : stages) {
    stages_json.push_back({{"stage", StageName(s.stage)},
                           {"status", s.status},
                           {"message", s.message},
                           {"attempts", s.attempts},
                           {"seconds", s.seconds},
                           {"summary", s.summary},
                           {"metrics", s.metrics}});
  }
  return {{"format", "sensorlake.run-record/1"},
          {"run_id", run_id},
          {"input_key", input_key},
          {"input", input},
          {"started_at", started_at},
          {"finished_at", finished_at},
          {"outcome", outcome},
          {"failed_stage", failed_stage},
          {"gate_failed", gate_failed},
          {"error", error},
          {"resumed_from", resumed_from},
          {"versions", versions},
          {"seconds", seconds},
          {"monitoring", monitoring},
          {"orchestrator", orchestrator},
          {"stages", stages_json}};
}

Result<RunRecord> RunRecord::FromJson(const nlohmann::json& j, std::string_view origin) {
  try {
    RunRecord r;
    r.run_id = j.at("run_id").get<std::string>();
    r.input_key = j.at("input_key").get<std::string>();
    r.input = j.at("input");
    r.started_at = j.at("started_at").get<std::string>();
    r.finished_at = j.value("finished_at", "");
    r.outcome = j.at("outcome").get<std::string>();
    r.failed_stage = j.value("failed_stage", "");
    r.gate_failed = j.value("gate_failed", false);
    r.error = j.value("error", "");
    r.resumed_from = j.value("resumed_from", "");
    r.versions = j.value("versions", nlohmann::json::object());
    r.seconds = j.value("seconds", 0.0);
    r.monitoring = j.value("monitoring", nlohmann::json::object());
    r.orchestrator = j.value("orchestrator", nlohmann::json::object());
    for (const auto& s : j.at("stages")) {
      StageRecord sr;
      SL_ASSIGN_OR_RETURN(sr.stage, ParseStage(s.at("stage").get<std::string>()));
      sr.status = s.at("status").get<std::string>();
      sr.message = s.value("message", "");
      sr.attempts = s.value("attempts", 0);
      sr.seconds = s.value("seconds", 0.0);
      sr.summary = s.value("summary", nlohmann::json::object());
      sr.metrics = s.value("metrics", nlohmann::json::object());
      r.stages.push_back(std::move(sr));
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    return Status::Corrupt("{}: not a run record: {}", origin, e.what());
  }
}

std::string RunRecord::ToText() const {
  std::string out = fmt::format("\n{:<10} {:<10} {:>8} {:>8}  {}\n", "stage", "status", "attempts",
                                "seconds", "note");
  for (const auto& s : stages) {
    out += fmt::format("{:<10} {:<10} {:>8} {:>8.1f}  {}\n", StageName(s.stage), s.status,
                       s.attempts, s.seconds, s.message);
  }
  if (outcome == "succeeded") {
    out += fmt::format("\nrun {}: succeeded in {:.1f}s{}\n", run_id, seconds,
                       resumed_from.empty() ? "" : fmt::format(" (resumed run {})", resumed_from));
  } else {
    out += fmt::format("\nrun {}: FAILED at stage {}: {}\n", run_id, failed_stage, error);
  }
  return out;
}

}  // namespace sensorlake::zones
