// `sensorlake run`: the whole pipeline (ingest, transform, check, features, publish) with
// a run record in the lake and resume after a failure (docs/pipeline.md).
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "cli/catalog_option.h"
#include "cli/command.h"
#include "cli/telemetry_options.h"
#include "sensorlake/common/progress.h"
#include "sensorlake/monitoring/monitor.h"
#include "sensorlake/pipeline/pipeline.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/tables/iceberg_tables.h"

namespace sensorlake::cli {

namespace {

struct RunArgs {
  std::string lake;
  std::string source;
  double generate_scale = 0;
  uint64_t seed = 1;
  std::string work_dir = "work";
  std::string from_stage;
  int32_t threads = 0;
  int32_t attempts = 3;
  std::string transform_config;
  std::string rules;
  std::string catalog;
  bool full = false;
  TelemetryArgs telemetry;  // docs/monitoring.md
};

Status RunRunCommand(const RunArgs& a, bool quiet, const std::string& log_format,
                     CommandOutput* out) {
  pipeline::RunOptions o;
  o.source = a.source;
  o.generate_scale = a.generate_scale;
  o.generate_seed = a.seed;
  o.work_dir = a.work_dir;
  o.from_stage = a.from_stage;
  o.threads = a.threads;
  o.max_attempts = a.attempts;
  o.full = a.full;
  if (!a.transform_config.empty()) {
    SL_ASSIGN_OR_RETURN(o.transform_config, transform::LoadTransformConfig(a.transform_config));
    o.transform_config_origin = a.transform_config;
  }
  if (!a.rules.empty()) {
    SL_ASSIGN_OR_RETURN(o.quality_rules, quality::LoadQualityRules(a.rules));
  }
  SL_ASSIGN_OR_RETURN(auto lake, storage::Lake::Open(a.lake));
  o.catalog = ResolveCatalog(a.catalog, *lake);
  monitoring::Logger logger(
      log_format == "json" ? monitoring::LogFormat::kJson : monitoring::LogFormat::kText, stderr,
      quiet);
  if (logger.format() == monitoring::LogFormat::kJson) JsonProgress(&logger);
  auto log = [&logger](std::string_view msg) { logger.Log("info", msg); };
  SL_ASSIGN_OR_RETURN(monitoring::MonitorOptions mo, MonitorOptionsFrom(a.telemetry));
  monitoring::Monitor monitor(*lake, std::move(mo), &logger);
  o.observer = &monitor;
  SL_ASSIGN_OR_RETURN(pipeline::RunRecord rec, pipeline::RunPipeline(*lake, o, log));
  Progress::SetSink(nullptr);
  out->summary = rec.ToJson();
  out->summary["record"] = lake->DisplayPath(rec.Path());
  out->text = rec.ToText();
  out->text += fmt::format("  run record: {}\n", lake->DisplayPath(rec.Path()));
  if (rec.outcome == "succeeded") {
    // The stable name is a symlink, local lakes only; an object store has the pointer.
    out->text +=
        fmt::format("  published:  {}  (the curated data that passed the gate)\n",
                    lake->DisplayPath(lake->is_local() ? "curated/published/sensor_readings"
                                                       : "curated/_published.json"));
    if (tables::CatalogEnabled(o.catalog)) out->text += HowToQueryTables(o.catalog, *lake);
  }
  out->exit_code = rec.ExitCode();
  return Status::OK();
}

}  // namespace

void AddRunCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* sub = app.add_subcommand(
      "run",
      "The whole pipeline: [generate] ingest, transform, check (the gate), features, publish; "
      "recorded in <lake>/_runs/, resumed after a failure");
  sub->add_option("--lake", args->lake, "Lake URI (file:///path or a path)")->required();
  auto* source = sub->add_option("--source", args->source, "The dataset: URL, zip or folder");
  auto* scale = sub->add_option("--generate-scale", args->generate_scale,
                                "Generate data at this scale instead of --source (cached in "
                                "--work-dir)");
  source->excludes(scale);
  sub->add_option("--seed", args->seed, "Generator seed")->capture_default_str();
  sub->add_option("--work-dir", args->work_dir, "Folder for generated data")->capture_default_str();
  sub->add_option("--from-stage", args->from_stage,
                  "Start at this stage (ingest, transform, check, features, publish), taking "
                  "the earlier stages' versions from the last run for this input");
  sub->add_option("--threads", args->threads, "Worker threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--attempts", args->attempts,
                  "Attempts per stage for transient errors (I/O, busy lake), with backoff")
      ->capture_default_str()
      ->check(CLI::Range(1, 20));
  sub->add_option("--transform-config", args->transform_config, "config/transform.toml format");
  sub->add_option("--rules", args->rules, "config/quality.toml format");
  sub->add_flag("--full", args->full,
                "Transform every raw file and compute every subject's windows (default: only "
                "what is new or changed since the current versions)");
  AddCatalogOption(sub, &args->catalog);
  AddTelemetryOptions(sub, &args->telemetry);
  sub->footer("Docs: docs/pipeline.md, docs/monitoring.md. Exit code 1: the quality gate failed.");
  sub->callback([run, args, &global] {
    *run = [args, &global](CommandOutput* out) {
      return RunRunCommand(*args, global.quiet || global.json, global.log_format, out);
    };
  });
}

}  // namespace sensorlake::cli
