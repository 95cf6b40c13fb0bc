// How a subcommand plugs into the `sensorlake` program: it registers its CLI11
// subcommand and options, and sets the function that runs it after parsing.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "sensorlake/common/status.h"

namespace sensorlake::cli {

struct GlobalOptions {
  bool json = false;                // machine-readable summary on stdout
  bool quiet = false;               // no progress output
  std::string log_format = "text";  // text or json (one JSON object per line on stderr)
};

// What a command reports when it succeeds: `summary` for --json, `text` for people.
struct CommandOutput {
  nlohmann::json summary = nlohmann::json::object();
  std::string text;
  // Set by a command that did its work but reports a failing verdict (the quality gate):
  // the summary is still printed, and the process exits with this code.
  int32_t exit_code = 0;
};

using CommandRun = std::function<Status(CommandOutput*)>;

// Each Add*Command registers a subcommand whose callback stores its runner in `*run`.
void AddGenerateCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run);
void AddIngestCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run);
void AddTransformCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run);
void AddCheckCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run);
void AddRunCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run);
void AddPublishCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run);
void AddFeaturesCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run);
void AddTrainCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run);
void AddServeCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run);
void AddRunsCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run);
void AddTablesCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run);
void AddMaintainCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run);
void AddConstantsCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run);

}  // namespace sensorlake::cli
