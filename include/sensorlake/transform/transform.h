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
inline constexpr int32_t kCuratedFormatVersion = 1;

struct TransformOptions {
  std::string dataset_version;  // raw version; empty = the latest ingested
  int32_t threads = 0;          // 0 = hardware concurrency
  TransformConfig config;
  std::string config_origin = "built-in defaults";
};

struct FolderStats {
  wisdm::Folder folder;
  int32_t files = 0;
  FileCounts counts;
  int64_t bytes_in = 0;
  int64_t bytes_out = 0;
  double seconds = 0;
};

struct TransformSummary {
  std::string raw_version;
  std::string curated_version;
  bool unchanged = false;  // this exact version was already published: nothing done
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
