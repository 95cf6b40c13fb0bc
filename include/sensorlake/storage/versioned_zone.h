// A zone of the lake whose content is published as immutable versions, so that a reader
// never sees a half-written dataset and the previous version stays readable until the
// next one is complete:
//
//   <zone>/_versions/<id>/...            one complete version (immutable once there)
//   <zone>/_versions/<id>/_manifest.json  written into staging last: marks completeness
//   <zone>/_versions/.staging-<id>-<rnd>/ work in progress; renamed to <id>/ when complete
//   <zone>/current -> _versions/<id>      local lakes: a symlink, swapped atomically
//   <zone>/_current.json                  {"version": id}: the pointer every reader can use
//   <zone>/<dataset> -> current/<dataset> stable names for tools (DuckDB, pyarrow, Spark)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::storage {

class VersionedZone {
 public:
  VersionedZone(const Lake& lake, std::string zone) : lake_(lake), zone_(std::move(zone)) {}

  std::string VersionDir(std::string_view id) const;
  std::string ManifestPath(std::string_view id) const;
  // A new, empty staging folder for `id`.
  Result<std::string> CreateStaging(std::string_view id) const;
  // Removes every staging folder: call only while holding the zone's lock, when any
  // staging folder left is the remains of a crashed run.
  Status RemoveStaging() const;
  // True when version `id` is complete (its manifest exists).
  Result<bool> HasVersion(std::string_view id) const;
  // The published version, if any.
  Result<std::optional<std::string>> CurrentVersion() const;

  // Writes `manifest_json` into the staging folder, then renames staging to the version
  // folder. The version is complete but not yet published.
  Status Commit(const std::string& staging, std::string_view id,
                std::string_view manifest_json) const;
  // Makes `id` the current version in one step, and creates the stable dataset names.
  Status Publish(std::string_view id, const std::vector<std::string>& datasets) const;
  // Points the alias at a complete version: <zone>/_<alias>.json, and on local lakes the
  // symlink <zone>/<alias> -> _versions/<id>. `sensorlake run` names the version that
  // passed the quality gate "published".
  Status SetAlias(std::string_view alias, std::string_view id) const;
  Result<std::optional<std::string>> AliasVersion(std::string_view alias) const;

  // Deletes complete versions other than the current one, the `keep_previous` newest
  // before it (by manifest time order as listed in _history.json) and the published one.
  Status PruneOldVersions(int32_t keep_previous) const;

 private:
  const Lake& lake_;
  std::string zone_;
};

}  // namespace sensorlake::storage
