// `sensorlake runs`: the run history in <lake>/_runs/ (docs/monitoring.md), and
// `sensorlake runs show ID` for one run's timeline, metrics, alerts and lineage.
#include <memory>

#include <fmt/format.h>

#include "cli/command.h"
#include "sensorlake/monitoring/run_history.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::cli {

namespace {

struct RunsArgs {
  std::string lake = "lake";
  size_t limit = 20;
  std::string show_id;
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

}  // namespace

void AddRunsCommand(CLI::App& app, const GlobalOptions& /*global*/, CommandRun* run) {
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
  sub->footer("Docs: docs/monitoring.md");
  sub->callback([run, args, show] {
    bool showing = show->parsed();
    *run = [args, showing](CommandOutput* out) {
      return showing ? ShowRun(*args, out) : ListRuns(*args, out);
    };
  });
}

}  // namespace sensorlake::cli
