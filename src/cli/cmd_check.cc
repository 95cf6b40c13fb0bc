// `sensorlake check`: the quality stage and the gate. Evaluates the rules on the published
// curated version, stores result.json, report.html and a baseline with the run, and exits
// 1 when a rule of severity error fails (docs/quality.md).
#include <memory>

#include <fmt/format.h>

#include "cli/catalog_option.h"
#include "cli/command.h"
#include "sensorlake/quality/quality.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::cli {

namespace {

struct CheckArgs {
  std::string lake;
  std::string rules_path;
  std::string baseline;
  std::string curated_version;
  std::string catalog;
  int32_t threads = 0;
};

Status RunCheckCommand(const CheckArgs& args, CommandOutput* out) {
  quality::CheckOptions options;
  if (!args.rules_path.empty()) {
    SL_ASSIGN_OR_RETURN(options.rules, quality::LoadQualityRules(args.rules_path));
  }
  options.baseline_run = args.baseline;
  options.curated_version = args.curated_version;
  options.threads = args.threads;
  SL_ASSIGN_OR_RETURN(auto lake, storage::Lake::Open(args.lake));
  options.catalog = ResolveCatalog(args.catalog, *lake);
  SL_ASSIGN_OR_RETURN(quality::CheckSummary s, quality::RunQualityCheck(*lake, options));
  out->summary = s.ToJson();
  out->text = s.ToText();
  out->text += fmt::format("  result: {}\n  report: {}\n", lake->DisplayPath(s.result_path),
                           lake->DisplayPath(s.report_path));
  if (!s.gate_passed) out->exit_code = 1;
  return Status::OK();
}

}  // namespace

void AddCheckCommand(CLI::App& app, const GlobalOptions& /*global*/, CommandRun* run) {
  auto args = std::make_shared<CheckArgs>();
  CLI::App* sub = app.add_subcommand(
      "check",
      "Run the quality rules on the published curated version; write result.json and an HTML "
      "report; exit 1 when a rule of severity error fails (the gate)");
  sub->add_option("--lake", args->lake, "Lake URI (file:///path or a path)")->required();
  sub->add_option("--rules", args->rules_path,
                  "TOML rule set (default: the built-in config/quality.toml)");
  sub->add_option("--baseline", args->baseline,
                  "Earlier run id (or 'latest') whose distributions the drift check compares "
                  "against");
  sub->add_option("--curated-version", args->curated_version,
                  "Curated version to check (default: the published one)");
  sub->add_option("--threads", args->threads, "Worker threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  AddCatalogOption(sub, &args->catalog);
  sub->footer("Docs: docs/quality.md. Runs are stored in <lake>/quality/runs/<run id>/.");
  sub->callback(
      [run, args] { *run = [args](CommandOutput* out) { return RunCheckCommand(*args, out); }; });
}

}  // namespace sensorlake::cli
