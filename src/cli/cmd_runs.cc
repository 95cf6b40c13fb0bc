// `sensorlake runs`: the run history in <lake>/_runs/ (docs/monitoring.md), and
// `sensorlake runs show ID` for one run's timeline, metrics, alerts and lineage.
#include <memory>

#include <fmt/format.h>

#include <fstream>

#include "cli/command.h"
#include "cli/stage_run_options.h"
#include "cli/telemetry_options.h"
#include "sensorlake/monitoring/run_history.h"
#include "sensorlake/pipeline/stage_run.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::cli {

namespace {

struct RunsArgs {
  std::string lake = "lake";
  size_t limit = 20;
  std::string show_id;
};

// `runs record`: a stage that ran outside the engine's commands (the Spark job's transform).
struct RecordArgs {
  std::string lake, run_id, stage, summary_path, error, error_code = "Internal", orchestrator;
  double seconds = 0;
  TelemetryArgs telemetry;
};

Status ListRuns(const RunsArgs& a, CommandOutput* out) {
  SL_ASSIGN_OR_RETURN(auto lake, storage::Lake::Open(a.lake));
  SL_ASSIGN_OR_RETURN(auto runs, monitoring::LoadRuns(*lake));
  out->summary = monitoring::RunsJson(runs, a.limit);
  out->text = monitoring::RunsTable(runs, a.limit);
  return Status::OK();
}

Status ShowRun(const RunsArgs& a, CommandOutput* out) {
  SL_ASSIGN_OR_RETURN(auto lake, storage::Lake::Open(a.lake));
  SL_ASSIGN_OR_RETURN(auto run, monitoring::LoadRun(*lake, a.show_id));
  out->summary = run.ToJson();
  out->text = monitoring::RunDetails(run);
  return Status::OK();
}

Result<StatusCode> ParseStatusCodeName(std::string_view name) {
  for (int32_t c = static_cast<int32_t>(StatusCode::kInvalid);
       c <= static_cast<int32_t>(StatusCode::kInternal); ++c) {
    if (StatusCodeName(static_cast<StatusCode>(c)) == name) return static_cast<StatusCode>(c);
  }
  return Status::Invalid("--error-code {}: not a status code name (e.g. IOError, Invalid)", name);
}

Status RecordStage(const RecordArgs& a, const GlobalOptions& global, CommandOutput* out) {
  SL_ASSIGN_OR_RETURN(zones::Stage stage, zones::ParseStage(a.stage));
  nlohmann::json summary = nlohmann::json::object();
  if (!a.summary_path.empty()) {
    std::ifstream in(a.summary_path);
    summary = nlohmann::json::parse(in, nullptr, false);
    if (!in || !summary.is_object()) {
      return Status::Invalid("--summary {}: not a readable JSON object", a.summary_path);
    }
  }
  Status failure;
  if (!a.error.empty()) {
    SL_ASSIGN_OR_RETURN(StatusCode code, ParseStatusCodeName(a.error_code));
    failure = Status(code, a.error);
  }
  pipeline::StageRunOptions so;
  so.run_id = a.run_id;
  so.max_attempts = 1;  // the stage ran already: its outcome is recorded, not retried
  so.elapsed_seconds = a.seconds;
  SL_ASSIGN_OR_RETURN(auto lake, storage::Lake::Open(a.lake));
  SL_ASSIGN_OR_RETURN(zones::RunRecord rec,
                      RecordStageOfRun(*lake, so, a.orchestrator, a.telemetry, global, stage,
                                       [&]() -> Result<pipeline::StageOutcome> {
                                         if (!failure.ok()) return failure;
                                         return pipeline::StageOutcome{summary, false};
                                       }));
  out->summary = {{"run_id", rec.run_id},
                  {"stage", a.stage},
                  {"status", rec.stages[static_cast<size_t>(stage)].status},
                  {"outcome", rec.outcome},
                  {"record", lake->DisplayPath(rec.Path())}};
  out->text =
      fmt::format("recorded stage {} of run {} ({}): {}\n", a.stage, rec.run_id,
                  rec.stages[static_cast<size_t>(stage)].status, lake->DisplayPath(rec.Path()));
  return Status::OK();
}

}  // namespace

void AddRunsCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run) {
  auto args = std::make_shared<RunsArgs>();
  CLI::App* sub = app.add_subcommand(
      "runs",
      "The run history of a lake (<lake>/_runs/): id, start, duration, outcome, rows, "
      "quality; `runs show ID` for one run");
  sub->add_option("--lake", args->lake, "Lake URI (file:///path or a path)")
      ->envname("SENSORLAKE_LAKE")
      ->capture_default_str();
  sub->add_option("--limit", args->limit, "Newest N runs (0: all)")->capture_default_str();
  CLI::App* show = sub->add_subcommand("show",
                                       "One run: stage timeline, metrics, quality, alerts, "
                                       "lineage");
  show->add_option("id", args->show_id, "Run id (r-<UTC time>)")->required();
  show->add_option("--lake", args->lake, "Lake URI (file:///path or a path)")
      ->capture_default_str();
  auto rec = std::make_shared<RecordArgs>();
  CLI::App* record = sub->add_subcommand(
      "record",
      "Record a stage that ran outside the stage commands (the Spark job's transform) in run "
      "ID, with the summary it produced or its error");
  record->add_option("--lake", rec->lake, "Lake URI (file:///path or a path)")->required();
  record->add_option("--run-id", rec->run_id, "The run")->envname("SENSORLAKE_RUN_ID")->required();
  record->add_option("--stage", rec->stage, "ingest, transform, check, features or publish")
      ->required();
  record->add_option("--summary", rec->summary_path, "The stage's JSON summary (a file)");
  record->add_option("--seconds", rec->seconds, "How long the stage ran")->required();
  record->add_option("--error", rec->error, "The stage failed with this message");
  record->add_option("--error-code", rec->error_code, "Its status code name (default Internal)")
      ->capture_default_str();
  record
      ->add_option("--orchestrator", rec->orchestrator,
                   "JSON object naming who runs the stages (when this creates the record)")
      ->envname("SENSORLAKE_ORCHESTRATOR");
  AddTelemetryOptions(record, &rec->telemetry);
  sub->footer("Docs: docs/monitoring.md");
  sub->callback([run, args, show, record, rec, &global] {
    bool showing = show->parsed();
    bool recording = record->parsed();
    *run = [args, showing, recording, rec, &global](CommandOutput* out) {
      if (recording) return RecordStage(*rec, global, out);
      return showing ? ShowRun(*args, out) : ListRuns(*args, out);
    };
  });
}

}  // namespace sensorlake::cli
