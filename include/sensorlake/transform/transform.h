// The transform stage: one raw dataset version in the lake's raw zone becomes a curated
// version (curated/sensor_readings + curated/quarantine), published atomically, with row
// conservation checked per file and recorded in the version's manifest.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/transform/cleaning_rules.h"
#include "sensorlake/transform/file_cleaner.h"

namespace sensorlake::transform {

// Bump when the curated output changes for the same input and config.
// 2: one Parquet file per raw file (and its quarantine file), named by subject.
inline constexpr int32_t kCuratedFormatVersion = 2;

struct TransformOptions {
  std::string dataset_version;  // raw version; empty = the latest ingested
  int32_t threads = 0;          // 0 = hardware concurrency
  TransformConfig config;
  std::string config_origin = "built-in defaults";
  // Transform every raw file. By default a run reuses the current curated version's files
  // for the raw files whose bytes and cleaning config it shares (an incremental run); the
  // output is the same either way.
  bool full = false;
};

struct FolderStats {
  wisdm::Folder folder;
  int32_t files = 0;   // raw files transformed
  int32_t reused = 0;  // raw files whose outputs were taken over from the base version
  FileCounts counts;
  int64_t bytes_in = 0;
  int64_t bytes_out = 0;
  // Time spent on this folder's files, summed over the workers: files of every folder run
  // interleaved, so folders overlap and their seconds may add up to more than the run's.
  double seconds = 0;
};

struct TransformSummary {
  std::string raw_version;
  std::string curated_version;
  bool unchanged = false;  // this exact version was already published: nothing done
  // The version an incremental run took unchanged raw files' outputs from; empty when the
  // run transformed every file, and then `full_reason` says why.
  std::string base_version;
  std::string full_reason;
  std::array<FolderStats, 4> folders{};
  FileCounts totals;
  double seconds = 0;
  std::string manifest_path;
  std::string curated_path;  // lake path of the stable dataset name
  std::string quarantine_path;
  nlohmann::json ToJson() const;
  std::string ToTable() const;  // the closing summary table for people
};

Result<TransformSummary> RunTransform(const storage::Lake& lake, const TransformOptions& options);

}  // namespace sensorlake::transform
