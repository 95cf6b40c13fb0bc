#include "cli/stage_run_options.h"

#include <fmt/format.h>

#include "sensorlake/common/progress.h"
#include "sensorlake/monitoring/json_log.h"
#include "sensorlake/monitoring/monitor.h"
#include "sensorlake/pipeline/stage_run.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::cli {

std::optional<zones::Stage> StageOfCommand(std::string_view command) {
  auto stage = zones::ParseStage(command);
  if (!stage.ok()) return std::nullopt;
  return *stage;
}

void AddStageRunOptions(CLI::App* sub, StageRunArgs* a) {
  if (CLI::Option* existing = sub->get_option_no_throw("--run-id")) {
    existing->envname("SENSORLAKE_RUN_ID");
    existing->description(existing->get_description() +
                          "; also records this stage in <lake>/_runs/<id>.json");
  } else {
    sub->add_option("--run-id", a->run_id,
                    "Record this command as a stage of run ID in <lake>/_runs/<ID>.json (the "
                    "orchestrator's run: one record for all its stages)")
        ->envname("SENSORLAKE_RUN_ID");
  }
  sub->add_option("--orchestrator", a->orchestrator,
                  "JSON object naming who runs the stages (recorded with the run, e.g. "
                  "{\"name\":\"airflow\",\"dag_id\":...,\"run_id\":...}); with --run-id")
      ->envname("SENSORLAKE_ORCHESTRATOR");
  sub->add_option("--stage-attempts", a->attempts,
                  "With --run-id: attempts for transient errors (I/O, busy lake), with backoff")
      ->capture_default_str()
      ->check(CLI::Range(1, 20));
  AddTelemetryOptions(sub, &a->telemetry);
}

std::string RunIdGiven(CLI::App* sub) {
  CLI::Option* opt = sub->get_option_no_throw("--run-id");
  return opt && opt->count() > 0 ? opt->as<std::string>() : std::string();
}

Result<zones::RunRecord> RecordStageOfRun(
    const storage::Lake& lake, pipeline::StageRunOptions so, const std::string& orchestrator,
    const TelemetryArgs& telemetry, const GlobalOptions& global, zones::Stage stage,
    const std::function<Result<pipeline::StageOutcome>()>& body) {
  SL_RETURN_NOT_OK(pipeline::ValidateRunId(so.run_id));
  if (!orchestrator.empty()) {
    so.orchestrator = nlohmann::json::parse(orchestrator, nullptr, false);
    if (!so.orchestrator.is_object()) {
      return Status::Invalid("--orchestrator / SENSORLAKE_ORCHESTRATOR: not a JSON object: {}",
                             orchestrator);
    }
  }
  monitoring::Logger logger(
      global.log_format == "json" ? monitoring::LogFormat::kJson : monitoring::LogFormat::kText,
      stderr, global.quiet || global.json);
  SL_ASSIGN_OR_RETURN(monitoring::MonitorOptions mo, MonitorOptionsFrom(telemetry));
  monitoring::Monitor monitor(lake, std::move(mo), &logger);
  so.observer = &monitor;
  if (logger.format() == monitoring::LogFormat::kJson) JsonProgress(&logger);
  auto recorded = pipeline::RunStageOfRun(lake, so, stage, body);
  Progress::SetSink(nullptr);
  return recorded;
}

Status RunAsStageOfRun(CLI::App* sub, zones::Stage stage, const StageRunArgs& a,
                       const GlobalOptions& global, const CommandRun& run, CommandOutput* out) {
  pipeline::StageRunOptions so;
  so.run_id = RunIdGiven(sub);
  so.max_attempts = a.attempts;
  SL_ASSIGN_OR_RETURN(auto lake, storage::Lake::Open(sub->get_option("--lake")->as<std::string>()));
  CommandOutput last;
  auto body = [&]() -> Result<pipeline::StageOutcome> {
    last = CommandOutput{};
    SL_RETURN_NOT_OK(run(&last));
    pipeline::StageOutcome outcome;
    // The record keeps ingest's summary under "ingest", as `sensorlake run` does.
    outcome.summary =
        stage == zones::Stage::kIngest ? nlohmann::json{{"ingest", last.summary}} : last.summary;
    outcome.gate_failed = stage == zones::Stage::kCheck && last.exit_code == 1;
    return outcome;
  };
  SL_ASSIGN_OR_RETURN(zones::RunRecord rec, RecordStageOfRun(*lake, so, a.orchestrator, a.telemetry,
                                                             global, stage, body));
  // The command's own error, with its own exit code, once recorded.
  if (!rec.failure.ok() && !rec.gate_failed) return rec.failure;
  *out = std::move(last);
  // Beside the command's own keys (check's "run_id" is its quality run).
  out->summary["recorded_run"] = {
      {"run_id", rec.run_id}, {"record", lake->DisplayPath(rec.Path())}, {"outcome", rec.outcome}};
  out->text +=
      fmt::format("  run record: {} (stage {} of run {}: {})\n", lake->DisplayPath(rec.Path()),
                  zones::StageName(stage), rec.run_id, rec.outcome);
  return Status::OK();
}

}  // namespace sensorlake::cli
