#include <thread>

#include "cli/command.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/transform/transform.h"

namespace sensorlake::cli {

namespace {

struct TransformArgs {
  std::string lake;
  std::string dataset_version;
  int32_t threads = 0;
  std::string config_path;
  bool full = false;
};

Status RunTransformCommand(const TransformArgs& args, CommandOutput* out) {
  transform::TransformOptions options;
  options.dataset_version = args.dataset_version;
  options.threads = args.threads;
  options.full = args.full;
  if (!args.config_path.empty()) {
    SL_ASSIGN_OR_RETURN(options.config, transform::LoadTransformConfig(args.config_path));
    options.config_origin = args.config_path;
  }
  SL_ASSIGN_OR_RETURN(auto lake, storage::Lake::Open(args.lake));
  SL_ASSIGN_OR_RETURN(transform::TransformSummary s, transform::RunTransform(*lake, options));
  out->summary = s.ToJson();
  // Stable names (curated/sensor_readings) are symlinks, local lakes only: on an object
  // store show the version's own folders.
  auto shown = [&](const std::string& stable) {
    if (lake->is_local()) return lake->DisplayPath(stable);
    std::string_view rest = stable;
    if (rest.starts_with("curated/")) rest.remove_prefix(8);
    return lake->DisplayPath(fmt::format("curated/_versions/{}/{}", s.curated_version, rest));
  };
  if (s.unchanged) {
    out->text = fmt::format(
        "transform: curated version {} of raw version {} is already published: nothing to do\n"
        "  curated:    {}\n",
        s.curated_version, s.raw_version, shown(s.curated_path));
    return Status::OK();
  }
  out->text = s.ToTable();
  out->text += fmt::format(
      "\ntransform: raw version {} -> curated version {} in {:.1f}s; every line accounted "
      "for ({} lines = {} rows + {} quarantined + {} duplicates dropped; {} reordered)\n"
      "  curated:    {}\n  quarantine: {}\n  manifest:   {}\n",
      s.raw_version, s.curated_version, s.seconds, s.totals.lines, s.totals.rows,
      s.totals.quarantined, s.totals.duplicates_dropped, s.totals.reordered, shown(s.curated_path),
      shown(s.quarantine_path), lake->DisplayPath(s.manifest_path));
  return Status::OK();
}

}  // namespace

void AddTransformCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run) {
  auto args = std::make_shared<TransformArgs>();
  CLI::App* sub = app.add_subcommand(
      "transform",
      "Parse, clean, de-duplicate and sort a raw dataset version into curated Parquet "
      "(curated/sensor_readings) and a quarantine (curated/quarantine), published atomically");
  sub->add_option("--lake", args->lake, "Lake URI (file:///path or a path)")->required();
  sub->add_option("--dataset-version", args->dataset_version,
                  "Raw dataset version to transform (default: the latest ingested)");
  sub->add_option("--threads", args->threads, "Worker threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--config", args->config_path,
                  "TOML file with cleaning rules and Parquet settings (see config/transform.toml)");
  sub->add_flag("--full", args->full,
                "Transform every raw file, even those the current curated version already holds "
                "unchanged (default: only the raw files that are new or changed)");
  sub->callback([run, args] {
    *run = [args](CommandOutput* out) { return RunTransformCommand(*args, out); };
  });
}

}  // namespace sensorlake::cli
