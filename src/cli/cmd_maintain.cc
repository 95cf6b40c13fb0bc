// `sensorlake maintain`: snapshot expiry and orphan removal for the lake's Iceberg tables,
// and the version folders no snapshot references any more (docs/tables.md, "Maintenance").
#include <memory>

#include <fmt/format.h>

#include "cli/catalog_option.h"
#include "cli/command.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/tables/iceberg_tables.h"

namespace sensorlake::cli {

namespace {

struct MaintainArgs {
  std::string lake;
  std::string catalog;
  std::string older_than = "7d";
  tables::MaintainOptions options;
};

std::string MaintainText(const nlohmann::json& s) {
  std::string text = fmt::format("maintain{}: keep {}, older than {}s\n",
                                 s.value("dry_run", false) ? " (dry run: nothing removed)" : "",
                                 s.value("keep", 0), s.value("older_than_seconds", 0.0));
  const nlohmann::json tables = s.value("tables", nlohmann::json::object());
  for (const auto& [name, t] : tables.items()) {
    text += fmt::format(
        "  {:<16} {} snapshots expired, {} audit branches dropped, {} left, {} "
        "metadata files removed\n",
        name, t["snapshots_expired"].size(), t["branches_dropped"].size(),
        t.value("snapshots_left", 0), t.value("metadata_files_removed", 0));
  }
  const nlohmann::json versions = s.value("versions_removed", nlohmann::json::array());
  text += fmt::format("  version folders removed: {}\n", versions.size());
  for (const auto& v : versions) text += fmt::format("    {}\n", v.get<std::string>());
  return text;
}

Status RunMaintainCommand(MaintainArgs a, CommandOutput* out) {
  SL_ASSIGN_OR_RETURN(a.options.older_than_seconds, tables::ParseDuration(a.older_than));
  SL_ASSIGN_OR_RETURN(auto lake, storage::Lake::Open(a.lake));
  SL_ASSIGN_OR_RETURN(const std::string catalog, RequireCatalog(a.catalog, *lake));
  SL_ASSIGN_OR_RETURN(out->summary, tables::MaintainTables(*lake, catalog, a.options));
  out->text = MaintainText(out->summary);
  return Status::OK();
}

}  // namespace

void AddMaintainCommand(CLI::App& app, const GlobalOptions& /*global*/, CommandRun* run) {
  auto args = std::make_shared<MaintainArgs>();
  CLI::App* sub = app.add_subcommand(
      "maintain",
      "Expire old snapshots of the lake's Iceberg tables, drop stale audit branches, and "
      "remove the metadata files and version folders nothing references any more");
  sub->add_option("--lake", args->lake, "Lake URI (file:///path or a path)")->required();
  AddCatalogOption(sub, &args->catalog);
  sub->add_option("--keep", args->options.keep, "Snapshots of main always kept (newest first)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  sub->add_option("--older-than", args->older_than,
                  "Only snapshots, branches and files older than this go: 7d, 12h, 30m, 45s")
      ->capture_default_str();
  sub->add_flag("--dry-run", args->options.dry_run, "Report what would go; remove nothing");
  sub->footer("Never removes what main, a branch or a tag references. Docs: docs/tables.md.");
  sub->callback([run, args] {
    *run = [args](CommandOutput* out) { return RunMaintainCommand(*args, out); };
  });
}

}  // namespace sensorlake::cli
