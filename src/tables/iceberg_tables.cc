#include "sensorlake/tables/iceberg_tables.h"

#include <charconv>
#include <cstdlib>
#include <vector>

#include <fmt/format.h>

#include "sensorlake/common/float_chars.h"
#include "sensorlake/common/python_module.h"

namespace sensorlake::tables {

namespace {

constexpr const char* kModule = "sensorlake.tables";

std::vector<std::string> PropertyArgs(const SnapshotProperties& properties) {
  std::vector<std::string> args;
  for (const auto& [key, value] : properties) {
    args.insert(args.end(), {"--property", key + "=" + value});
  }
  return args;
}

// Runs one command of python/sensorlake/tables on `lake` and `catalog`.
Result<nlohmann::json> RunTablesCommand(const storage::Lake& lake, const std::string& catalog,
                                        const std::string& command,
                                        const std::vector<std::string>& command_args) {
  std::vector<std::string> args = {"--lake", lake.uri(), "--catalog", catalog, command};
  args.insert(args.end(), command_args.begin(), command_args.end());
  SL_ASSIGN_OR_RETURN(PythonModuleRun run, RunPythonModule(kModule, args));
  if (run.exit_code == 0 && run.summary.is_object()) return run.summary;
  Status error = PythonModuleError(run, "the Iceberg commit (python -m sensorlake.tables)");
  return Status(error.code(), "tables " + command + ": " + error.message());
}

}  // namespace

bool CatalogEnabled(const std::string& catalog) {
  return !catalog.empty() && catalog != kNoCatalog;
}

std::string DefaultCatalog(const storage::Lake& lake) {
  if (const char* env = std::getenv("SENSORLAKE_CATALOG"); env != nullptr && *env != '\0') {
    return env;
  }
  return lake.is_local() ? kLakeCatalog : kNoCatalog;
}

Result<nlohmann::json> StageCuratedVersion(const storage::Lake& lake, const std::string& catalog,
                                           const std::string& curated_version,
                                           const SnapshotProperties& properties) {
  std::vector<std::string> args = {"--curated-version", curated_version};
  for (auto& a : PropertyArgs(properties)) args.push_back(std::move(a));
  return RunTablesCommand(lake, catalog, "stage", args);
}

Result<nlohmann::json> PublishVersions(const storage::Lake& lake, const std::string& catalog,
                                       const std::string& curated_version,
                                       const std::string& features_version,
                                       const SnapshotProperties& properties) {
  std::vector<std::string> args = {"--curated-version", curated_version};
  if (!features_version.empty()) args.insert(args.end(), {"--features-version", features_version});
  for (auto& a : PropertyArgs(properties)) args.push_back(std::move(a));
  return RunTablesCommand(lake, catalog, "publish", args);
}

Result<nlohmann::json> DescribeTables(const storage::Lake& lake, const std::string& catalog) {
  return RunTablesCommand(lake, catalog, "describe", {});
}

Result<nlohmann::json> MaintainTables(const storage::Lake& lake, const std::string& catalog,
                                      const MaintainOptions& options) {
  if (options.keep < 1) return Status::Invalid("--keep {}: keep at least 1 snapshot", options.keep);
  std::vector<std::string> args = {"--keep", std::to_string(options.keep), "--older-than-seconds",
                                   fmt::format("{}", options.older_than_seconds)};
  if (options.dry_run) args.emplace_back("--dry-run");
  return RunTablesCommand(lake, catalog, "maintain", args);
}

Result<double> ParseDuration(const std::string& text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = FloatFromChars(text.data(), end, &value);
  if (ec != std::errc() || value < 0 || (end - ptr) > 1) {
    return Status::Invalid("{}: not a duration (write 7d, 12h, 30m, 45s or seconds)", text);
  }
  if (ptr == end) return value;
  switch (*ptr) {
    case 'd':
      return value * 86400;
    case 'h':
      return value * 3600;
    case 'm':
      return value * 60;
    case 's':
      return value;
    default:
      return Status::Invalid("{}: not a duration (write 7d, 12h, 30m, 45s or seconds)", text);
  }
}

Result<bool> VersionsOwnedByTables(const storage::Lake& lake) {
  return lake.IsDirectory(kTablesFolder);
}

int64_t SnapshotIdOf(const nlohmann::json& result, const std::string& table) {
  if (!result.is_object() || !result.contains("tables")) return 0;
  const auto& tables = result["tables"];
  if (!tables.is_object() || !tables.contains(table)) return 0;
  return tables[table].value("snapshot_id", int64_t{0});
}

}  // namespace sensorlake::tables
