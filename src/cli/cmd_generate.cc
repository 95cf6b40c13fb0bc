#include "cli/command.h"

namespace sensorlake::cli {

void AddGenerateCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run) {
  CLI::App* sub = app.add_subcommand("generate", "generate (not built yet)");
  sub->callback([run] {
    *run = [](CommandOutput*) { return Status::NotImplemented("'generate' is not built yet"); };
  });
}

}  // namespace sensorlake::cli
