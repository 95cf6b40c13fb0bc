#include "cli/command.h"

namespace sensorlake::cli {

void AddIngestCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run) {
  CLI::App* sub = app.add_subcommand("ingest", "ingest (not built yet)");
  sub->callback([run] {
    *run = [](CommandOutput*) { return Status::NotImplemented("'ingest' is not built yet"); };
  });
}

}  // namespace sensorlake::cli
