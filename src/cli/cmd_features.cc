// `sensorlake features`: windows of the curated readings and their 93 ARFF attributes, as
// the lake's features/windows dataset, optionally exported as the dataset's ARFF files
// (docs/features.md).
#include <memory>

#include <fmt/format.h>

#include "cli/command.h"
#include "sensorlake/features/features.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::cli {

namespace {

struct FeaturesArgs {
  std::string lake;
  std::string compat;
  std::string export_arff;
  std::string curated_version;
  int32_t threads = 0;
  bool full = false;
};

Status RunFeaturesCommand(const FeaturesArgs& args, CommandOutput* out) {
  features::FeaturesOptions options;
  if (args.compat == "arffmagic") {
    options.mode = features::FeatureMode::kArffmagic;
  } else if (!args.compat.empty()) {
    return Status::Invalid("--compat: unknown tool '{}' (known: arffmagic)", args.compat);
  }
  options.export_arff_dir = args.export_arff;
  options.curated_version = args.curated_version;
  options.threads = args.threads;
  options.full = args.full;
  SL_ASSIGN_OR_RETURN(auto lake, storage::Lake::Open(args.lake));
  SL_ASSIGN_OR_RETURN(features::FeaturesSummary s, features::RunFeatures(*lake, options));
  out->summary = s.ToJson();
  out->text = s.ToText();
  return Status::OK();
}

}  // namespace

void AddFeaturesCommand(CLI::App& app, const GlobalOptions& /*global*/, CommandRun* run) {
  auto args = std::make_shared<FeaturesArgs>();
  CLI::App* sub = app.add_subcommand(
      "features",
      "Cut the curated readings into windows of 200 and compute the dataset's 93 ARFF "
      "attributes into <lake>/features/windows (hive-partitioned Parquet)");
  sub->add_option("--lake", args->lake, "Lake URI (file:///path or a path)")->required();
  sub->add_option("--compat", args->compat,
                  "Reproduce a tool exactly, defects included: 'arffmagic' (the dataset's own "
                  "ARFF files). Default: corrected features")
      ->check(CLI::IsMember({"arffmagic"}));
  sub->add_option("--export-arff", args->export_arff,
                  "Also write DIR/<device>/<sensor>/data_<subject>_<sensor>_<device>.arff in "
                  "the dataset's layout");
  sub->add_option("--curated-version", args->curated_version,
                  "Curated version to read (default: the published one)");
  sub->add_option("--threads", args->threads, "Worker threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--full", args->full,
                "Compute every subject's windows (default: only for the curated files that "
                "changed since the current features version)");
  sub->footer("Docs: docs/features.md.");
  sub->callback([run, args] {
    *run = [args](CommandOutput* out) { return RunFeaturesCommand(*args, out); };
  });
}

}  // namespace sensorlake::cli
