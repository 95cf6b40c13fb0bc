// The lake's Apache Iceberg tables (docs/tables.md): sensorlake.sensor_readings,
// sensorlake.quarantine and sensorlake.feature_windows, whose data files are the Parquet
// files of the curated and features versions, registered in a catalog.
//
// Write-audit-publish: the check stage stages the curated version it audits as a snapshot
// on the branch audit-<curated version> (main does not move) and compares the snapshot's
// row counts with what it profiled; publish, after the gate passed, fast-forwards main to
// that snapshot and commits the features version. The commits are pyiceberg's
// (python/sensorlake/tables, run with common/python_module.h): a maintained Iceberg library
// writes the metadata, not this engine.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::tables {

// `--catalog` (SENSORLAKE_CATALOG): "lake" = <lake>/_catalog/catalog.db (SQLite, the
// default for a local lake), sqlite:///<path>.db, glue://<database>, http(s)://<REST>, or
// "none" (no tables). Empty means "none" for library callers; the CLI's default is "lake".
inline constexpr const char* kLakeCatalog = "lake";
inline constexpr const char* kNoCatalog = "none";
bool CatalogEnabled(const std::string& catalog);

// The catalog the CLI uses when --catalog is not given: $SENSORLAKE_CATALOG, else the lake's
// own SQLite catalog for a local lake; an object-store lake has no default (none), since
// SQLite needs a local file system: pass --catalog glue://... there.
std::string DefaultCatalog(const storage::Lake& lake);

// The snapshot summary properties the engine sets (each stored as sensorlake.<key>).
using SnapshotProperties = std::map<std::string, std::string>;

// Stages `curated_version` on audit-<curated_version> of sensor_readings and quarantine.
// Returns {"catalog", "namespace", "tables": {name: {snapshot_id, branch, records, ...}}}.
Result<nlohmann::json> StageCuratedVersion(const storage::Lake& lake, const std::string& catalog,
                                           const std::string& curated_version,
                                           const SnapshotProperties& properties);

// Moves main of the curated tables to the staged snapshots of `curated_version` (refused
// when main moved since staging), then commits `features_version` (if any) to
// feature_windows. Idempotent: a table already at that version is left as it is.
Result<nlohmann::json> PublishVersions(const storage::Lake& lake, const std::string& catalog,
                                       const std::string& curated_version,
                                       const std::string& features_version,
                                       const SnapshotProperties& properties);

// Each table's refs and snapshots (newest first) with their sensorlake properties.
Result<nlohmann::json> DescribeTables(const storage::Lake& lake, const std::string& catalog);

// `sensorlake maintain`: for each table, drops the audit branches and expires the snapshots
// older than `older_than_seconds` (never the newest `keep` of main, never a branch or tag
// head), deletes the metadata files nothing references any more, then the version folders
// no snapshot, and neither the current nor the published pointer, references.
struct MaintainOptions {
  int32_t keep = 5;
  double older_than_seconds = 7 * 24 * 3600;
  bool dry_run = false;
};
Result<nlohmann::json> MaintainTables(const storage::Lake& lake, const std::string& catalog,
                                      const MaintainOptions& options);

// "7d", "12h", "30m", "45s" or a number of seconds; Invalid otherwise.
Result<double> ParseDuration(const std::string& text);

// True when the lake has Iceberg tables (their metadata in <lake>/tables/, for every
// catalog). Such a lake keeps every version folder a snapshot may still reference: the
// stages do not prune old versions, `sensorlake maintain` removes them once no snapshot
// left references them.
inline constexpr const char* kTablesFolder = "tables";
Result<bool> VersionsOwnedByTables(const storage::Lake& lake);

// The snapshot id a stage/publish result names for `table`; 0 when it names none.
int64_t SnapshotIdOf(const nlohmann::json& result, const std::string& table);

}  // namespace sensorlake::tables
