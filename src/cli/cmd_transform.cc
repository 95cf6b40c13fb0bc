#include "cli/command.h"

namespace sensorlake::cli {

void AddTransformCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run) {
  CLI::App* sub = app.add_subcommand("transform", "transform (not built yet)");
  sub->callback([run] {
    *run = [](CommandOutput*) { return Status::NotImplemented("'transform' is not built yet"); };
  });
}

}  // namespace sensorlake::cli
