// `sensorlake tables`: the lake's Iceberg tables in their catalog: each table's branches and
// tags, and its snapshots with the versions they hold (docs/tables.md).
#include <memory>

#include <fmt/format.h>

#include "cli/catalog_option.h"
#include "cli/command.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/tables/iceberg_tables.h"

namespace sensorlake::cli {

namespace {

struct TablesArgs {
  std::string lake;
  std::string catalog;
  int32_t snapshots = 5;
};

std::string TablesText(const nlohmann::json& d, int32_t limit) {
  std::string text =
      fmt::format("catalog {} namespace {}\n", d.value("catalog", "?"), d.value("namespace", "?"));
  const nlohmann::json tables = d.value("tables", nlohmann::json::object());
  for (const auto& [name, t] : tables.items()) {
    text += fmt::format("{}.{}\n", d.value("namespace", "?"), name);
    for (const auto& [ref, id] : t["refs"].items()) {
      text += fmt::format("  ref {:<32} -> {}\n", ref, id.get<int64_t>());
    }
    int32_t shown = 0;
    for (const auto& s : t["snapshots"]) {
      if (shown++ == limit) break;
      const nlohmann::json props = s.value("properties", nlohmann::json::object());
      text += fmt::format("  snapshot {:>20}  {:<9} {:>10} rows  {}\n",
                          s.value("snapshot_id", int64_t{0}),
                          s["operation"].is_string() ? s["operation"].get<std::string>() : "",
                          s.value("records", int64_t{0}),
                          props.value("curated-version", props.value("created", "")));
    }
  }
  return text;
}

Status RunTablesCommand(const TablesArgs& a, CommandOutput* out) {
  SL_ASSIGN_OR_RETURN(auto lake, storage::Lake::Open(a.lake));
  SL_ASSIGN_OR_RETURN(const std::string catalog, RequireCatalog(a.catalog, *lake));
  SL_ASSIGN_OR_RETURN(out->summary, tables::DescribeTables(*lake, catalog));
  out->text = TablesText(out->summary, a.snapshots) + HowToQueryTables(catalog, *lake);
  return Status::OK();
}

}  // namespace

void AddTablesCommand(CLI::App& app, const GlobalOptions& /*global*/, CommandRun* run) {
  auto args = std::make_shared<TablesArgs>();
  CLI::App* sub = app.add_subcommand(
      "tables",
      "The lake's Iceberg tables: branches, tags and snapshots with the versions they hold");
  sub->add_option("--lake", args->lake, "Lake URI (file:///path or a path)")->required();
  AddCatalogOption(sub, &args->catalog);
  sub->add_option("--snapshots", args->snapshots, "Snapshots shown per table, newest first")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->footer("Docs: docs/tables.md.");
  sub->callback(
      [run, args] { *run = [args](CommandOutput* out) { return RunTablesCommand(*args, out); }; });
}

}  // namespace sensorlake::cli
