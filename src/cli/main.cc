// The `sensorlake` program: parses the command line, runs one subcommand, prints its
// summary (text or --json) and turns its Status into the documented exit code.
#include <cstdio>
#include <exception>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <fmt/format.h>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "cli/stage_run_options.h"
#include "sensorlake/common/progress.h"
#include "sensorlake/storage/lake.h"

namespace {

// The stages allocate and free blocks of hundreds of KiB to MiBs per file and per column
// chunk (ZSTD contexts, column vectors, window streams). By default glibc hands each one
// back to the kernel (mmap above 128 KiB, heap trimming) and takes freshly zeroed pages on
// the next allocation: at scale 1 the features stage took 218,000 page faults and a third
// of its time in the kernel. Freed blocks stay in the heap instead; the heap still shrinks
// once 256 MiB lie free at its top, and blocks above 64 MiB are still mapped on their own.
void KeepFreedMemoryInTheHeap() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

}  // namespace

// The program proper; main() only adds the last line of defence around it.
int RunSensorlake(int argc, char** argv) {
  KeepFreedMemoryInTheHeap();
  using sensorlake::cli::CommandOutput;
  using sensorlake::cli::CommandRun;
  // Declared first, destroyed last: S3 is finalized after every lake is gone.
  sensorlake::storage::ObjectStoreShutdown object_stores;

  CLI::App app{"sensorlake: a data platform for wearable-sensor time series (WISDM 2019)",
               "sensorlake"};
  app.footer(sensorlake::cli::ExitCodesHelp());
  app.require_subcommand(1);
  app.set_version_flag("--version", SENSORLAKE_VERSION);
  sensorlake::cli::GlobalOptions global;
  app.add_flag("--json", global.json, "Print a machine-readable JSON summary on stdout")
      ->trigger_on_parse();
  app.add_flag("-q,--quiet", global.quiet, "No progress output on stderr");
  app.add_option("--log-format", global.log_format,
                 "Logs on stderr: text, or json (one object per line: ts, level, run_id, "
                 "stage, msg)")
      ->check(CLI::IsMember({"text", "json"}))
      ->envname("SENSORLAKE_LOG_FORMAT")
      ->capture_default_str();

  CommandRun run;
  sensorlake::cli::AddGenerateCommand(app, global, &run);
  sensorlake::cli::AddIngestCommand(app, global, &run);
  sensorlake::cli::AddTransformCommand(app, global, &run);
  sensorlake::cli::AddCheckCommand(app, global, &run);
  sensorlake::cli::AddRunCommand(app, global, &run);
  sensorlake::cli::AddPublishCommand(app, global, &run);
  sensorlake::cli::AddFeaturesCommand(app, global, &run);
  sensorlake::cli::AddTrainCommand(app, global, &run);
  sensorlake::cli::AddServeCommand(app, global, &run);
  sensorlake::cli::AddRunsCommand(app, global, &run);
  sensorlake::cli::AddTablesCommand(app, global, &run);
  sensorlake::cli::AddMaintainCommand(app, global, &run);
  sensorlake::cli::AddConstantsCommand(app, global, &run);
  // The stage commands can record themselves as stages of an orchestrator's run.
  sensorlake::cli::StageRunArgs stage_run;
  for (const char* stage : {"ingest", "transform", "check", "features", "publish"}) {
    sensorlake::cli::AddStageRunOptions(app.get_subcommand(stage), &stage_run);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message; its own codes (105 for a bad value, ...) become the
    // documented usage error, 2. --help and --version are 0.
    return app.exit(e) == 0 ? 0 : 2;
  }
  sensorlake::Progress::SetEnabled(!global.quiet && !global.json);

  CLI::App* sub = app.get_subcommands().front();
  std::string command = sub->get_name();
  CommandOutput out;
  sensorlake::Status st;
  auto stage = sensorlake::cli::StageOfCommand(command);
  if (!run) {
    st = sensorlake::Status::Internal("no command ran");
  } else if (stage && !sensorlake::cli::RunIdGiven(sub).empty()) {
    st = sensorlake::cli::RunAsStageOfRun(sub, *stage, stage_run, global, run, &out);
  } else {
    st = run(&out);
  }
  if (!st.ok()) {
    fmt::print(stderr, "sensorlake {}: error: {}\n", command, st.ToString());
    if (global.json) {
      nlohmann::json j = {{"ok", false},
                          {"command", command},
                          {"error",
                           {{"code", std::string(sensorlake::StatusCodeName(st.code()))},
                            {"message", st.message()}}}};
      fmt::print("{}\n", j.dump(2));
    }
    return sensorlake::ExitCodeFor(st.code());
  }
  if (global.json) {
    out.summary["ok"] = out.exit_code == 0;
    out.summary["command"] = command;
    fmt::print("{}\n", out.summary.dump(2));
  } else if (!out.text.empty()) {
    fmt::print("{}", out.text);
  }
  return out.exit_code;
}

int main(int argc, char** argv) {
  // Errors are Status values throughout; an exception reaching here (a bug, or memory
  // exhausted) still ends with a message and the documented internal-error code.
  try {
    return RunSensorlake(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sensorlake: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "sensorlake: internal error: unknown exception\n");
  }
  return 70;
}
