// What the single-node transform (transform.cc) and the per-task transform of the Python
// package (task_transform.cc) share: planning the raw inputs, cleaning files into partition
// writers, the curated version id and the manifest's JSON. One implementation, so a
// Spark run and `sensorlake transform` cannot drift apart.
#pragma once

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/storage/lake.h"
#include "sensorlake/storage/versioned_zone.h"
#include "sensorlake/transform/transform.h"
#include "sensorlake/zones/curated_schema.h"
#include "sensorlake/zones/raw_manifest.h"
#include "transform/parquet_writer.h"

namespace sensorlake::transform::detail {

inline constexpr const char* kZone = "curated";
inline constexpr const char* kReadings = zones::kReadingsDir;
inline constexpr const char* kQuarantine = zones::kQuarantineDir;

using Clock = std::chrono::steady_clock;
double SecondsSince(Clock::time_point t);

// A raw file of the dataset, as the ingest manifest lists it.
struct InputFile {
  wisdm::RawFileName name;
  std::string manifest_path;  // path inside the raw version ("raw/phone/accel/...")
  std::string lake_path;
  int64_t bytes = 0;
  int64_t lines = 0;
  std::string sha256;
  std::string xxh3;  // empty for manifests that predate it
};

struct FileRecord {
  std::string path;
  int64_t manifest_lines = 0;
  FileCounts counts;
};

struct Plan {
  std::array<std::vector<InputFile>, 4> folders;  // each sorted by subject
  std::vector<std::string> ignored;               // listed files that are not raw sensor files
};

// Every raw sensor file of the version, by folder.
Plan PlanInputs(const zones::RawManifest& manifest);

// Everything a run produced for one folder.
struct FolderResult {
  FolderStats stats;
  std::vector<FileRecord> files;
  std::vector<WrittenFile> outputs;  // curated parts
  std::vector<WrittenFile> quarantine;
  Status status;
};

struct RunOptions {
  std::string staging;      // lake path the datasets go under
  std::string part_prefix;  // "part-" or "part-<task id>-"
  int32_t threads = 1;
};

// Transforms every file of `plan` on `options.threads` workers, biggest file first, and
// gathers the outcomes by folder in subject order. After a failure, workers take no new file.
std::array<FolderResult, 4> RunFolders(const storage::Lake& lake, const Plan& plan,
                                       const TransformConfig& config, const RunOptions& options);
// The first real failure among the folders (a cancellation only when nothing else failed).
Status FirstFailure(const std::array<FolderResult, 4>& results);

std::string CuratedVersionId(const zones::RawManifest& raw, const TransformConfig& config);
std::string ConfigSha(const TransformConfig& config);  // sha256 of the canonical config

nlohmann::json CountsJson(const FileCounts& c);
Result<FileCounts> CountsFromJson(const nlohmann::json& j, std::string_view origin);
nlohmann::json FileRecordJson(const FileRecord& f);
// {"dataset","path" (relative to `base`),"rows","bytes","row_groups"} per written file.
nlohmann::json OutputsJson(const std::array<FolderResult, 4>& results, const std::string& base);

// The curated version's manifest around the summary.
nlohmann::json BuildManifest(const TransformSummary& s, const TransformConfig& config,
                             const std::string& config_origin, nlohmann::json files,
                             nlohmann::json outputs, const std::vector<std::string>& ignored);

// Opens the zone for `raw_version` (empty = latest): summary with ids and paths filled, and
// when that exact curated version already exists, republishes it and marks it unchanged.
struct PreparedVersion {
  zones::RawManifest raw;
  TransformSummary summary;
};
Result<PreparedVersion> PrepareVersion(const storage::Lake& lake, const std::string& raw_version,
                                       const TransformConfig& config, Clock::time_point start);

// ---- incremental runs (incremental.cc) --------------------------------------------------

// A raw file an incremental run does not read: the base version holds its outputs.
struct ReusedFile {
  InputFile input;
  FileRecord record;                    // counts as the base version recorded them
  std::vector<nlohmann::json> outputs;  // the base manifest's output entries, "origin" set
};

struct Reuse {
  std::string base_version;  // empty: nothing to reuse, and `reason` says why
  std::string reason;
  std::vector<ReusedFile> files;
};

// Which raw files of `plan` the current curated version already holds: same path, same
// size and sha256 in both raw versions, same cleaning config and curated format. Moves
// them out of `plan`. Nothing is reused when there is no current version or it was made
// differently; an unreadable base is an error (it is the lake's own data).
Result<Reuse> TakeReusable(const storage::Lake& lake, const TransformConfig& config, Plan* plan);

// Links each reused output into `staging` and adds the reused files to `results` (counts,
// file records, outputs), so that the version's manifest lists every raw file.
Status LinkReused(const storage::Lake& lake, const Reuse& reuse, const std::string& staging,
                  std::array<FolderResult, 4>* results, nlohmann::json* reused_outputs);

// Checks run-level conservation, commits `staging` as the version with `manifest`, publishes
// it and prunes old versions. Deletes `staging` on failure.
Status CommitAndPublish(const storage::Lake& lake, const std::string& staging,
                        TransformSummary* summary, const nlohmann::json& manifest);

}  // namespace sensorlake::transform::detail
