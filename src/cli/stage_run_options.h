// `--run-id` on the stage commands (ingest, transform, check, features, publish): with a
// run id (the flag or SENSORLAKE_RUN_ID) the command records itself as that stage of the
// run in <lake>/_runs/<id>.json, with `sensorlake run`'s retries and monitoring, so a run
// whose stages an orchestrator starts one by one is recorded and observed like
// `sensorlake run` (pipeline/stage_run.h, docs/monitoring.md). Without one, nothing changes.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/telemetry_options.h"
#include "sensorlake/pipeline/stage_run.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/zones/run_record.h"

namespace sensorlake::cli {

struct StageRunArgs {
  std::string run_id;
  std::string orchestrator;  // JSON object, recorded when the run's record is created
  int32_t attempts = 3;
  TelemetryArgs telemetry;
};

// The stage a subcommand is, if it is one.
std::optional<zones::Stage> StageOfCommand(std::string_view command);

// Adds the options to a stage subcommand (publish already has --run-id: it gains the
// environment variable and the recording).
void AddStageRunOptions(CLI::App* sub, StageRunArgs* args);

// The run id the command was given (flag or environment); empty: not part of a run.
std::string RunIdGiven(CLI::App* sub);

// Runs `body` as stage `stage` of run `options.run_id` with the monitoring the telemetry
// options configure (metrics, alerts, lineage, JSON progress); `orchestrator` is a JSON
// object or empty.
Result<zones::RunRecord> RecordStageOfRun(
    const storage::Lake& lake, pipeline::StageRunOptions options, const std::string& orchestrator,
    const TelemetryArgs& telemetry, const GlobalOptions& global, zones::Stage stage,
    const std::function<Result<pipeline::StageOutcome>()>& body);

// Runs the parsed command `run` as stage `stage` of the run and records it; the command's
// own output is kept, with "recorded_run": {run_id, record, outcome} added.
Status RunAsStageOfRun(CLI::App* sub, zones::Stage stage, const StageRunArgs& args,
                       const GlobalOptions& global, const CommandRun& run, CommandOutput* out);

}  // namespace sensorlake::cli
