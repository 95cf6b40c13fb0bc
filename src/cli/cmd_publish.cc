// `sensorlake publish`: names the curated (and features) version that passed the quality
// gate as the published one; refused when the gate did not pass (docs/pipeline.md).
#include <memory>

#include <fmt/format.h>

#include "cli/catalog_option.h"
#include "cli/command.h"
#include "sensorlake/pipeline/publish.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::cli {

namespace {

struct PublishArgs {
  std::string lake;
  pipeline::PublishRequest request;
  std::string catalog;
};

Status RunPublishCommand(const PublishArgs& a, CommandOutput* out) {
  SL_ASSIGN_OR_RETURN(auto lake, storage::Lake::Open(a.lake));
  pipeline::PublishRequest request = a.request;
  request.catalog = ResolveCatalog(a.catalog, *lake);
  SL_ASSIGN_OR_RETURN(out->summary, pipeline::Publish(*lake, request));
  out->text = fmt::format(
      "publish: curated version {} (quality run {}){} is the published one\n  read: {}\n",
      out->summary["curated_version"].get<std::string>(),
      out->summary["quality_run"].get<std::string>(),
      out->summary["features_version"].get<std::string>().empty()
          ? ""
          : fmt::format(", features version {}",
                        out->summary["features_version"].get<std::string>()),
      lake->LocalPath("curated/published/sensor_readings"));
  return Status::OK();
}

}  // namespace

void AddPublishCommand(CLI::App& app, const GlobalOptions& /*global*/, CommandRun* run) {
  auto args = std::make_shared<PublishArgs>();
  CLI::App* sub = app.add_subcommand(
      "publish",
      "Name the curated (and features) version that passed the quality gate as the one "
      "consumers read: curated/published, features/published, _published.json");
  sub->add_option("--lake", args->lake, "Lake URI (file:///path or a path)")->required();
  sub->add_option("--curated-version", args->request.curated_version,
                  "Curated version (default: the current one)");
  sub->add_option("--quality-run", args->request.quality_run,
                  "Quality run whose gate must have passed for it (default: the latest)");
  sub->add_option("--features-version", args->request.features_version,
                  "Features version (default: the current one, if made from that curated "
                  "version)");
  sub->add_option("--run-id", args->request.run_id, "Recorded in _published.json");
  AddCatalogOption(sub, &args->catalog);
  sub->footer("Exit code 9 (refused) when that quality run did not pass. Docs: docs/pipeline.md.");
  sub->callback(
      [run, args] { *run = [args](CommandOutput* out) { return RunPublishCommand(*args, out); }; });
}

}  // namespace sensorlake::cli
