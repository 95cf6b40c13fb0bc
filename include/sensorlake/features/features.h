// The features stage: windows of the curated readings and their 93 ARFF attributes, as a
// versioned "features" zone of the lake (docs/features.md):
//
//   features/_versions/<id>/windows/device=<d>/sensor=<s>/part-00000.parquet
//   features/_versions/<id>/_manifest.json   written last
//   features/windows -> current/windows
//
// Optionally the same rows as the dataset's own ARFF files (--export-arff).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"
#include "sensorlake/features/window_features.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::features {

struct FeaturesOptions {
  FeatureMode mode = FeatureMode::kCorrected;
  std::string curated_version;  // empty: the published one
  std::string export_arff_dir;  // empty: no ARFF export; a local directory otherwise
  int32_t threads = 0;          // 0: hardware concurrency
  // Compute every curated file's windows. By default the files whose bytes the current
  // features version already computed keep that version's windows (the output is the same).
  bool full = false;
};

struct FolderFeatures {
  int64_t subjects = 0;
  int64_t readings = 0;  // curated rows read
  int64_t windows = 0;
  int64_t nan_values = 0;  // undefined attribute values (NaN, or null in Parquet)
};

struct FeaturesSummary {
  std::string features_version;
  std::string curated_version;
  FeatureMode mode = FeatureMode::kCorrected;
  bool unchanged = false;  // the version existed already: nothing was written to the lake
  std::array<FolderFeatures, 4> folders{};
  int64_t windows = 0;
  std::string windows_path;             // features/windows
  std::vector<std::string> arff_files;  // written by --export-arff, absolute paths
  // An incremental computation: the version whose windows files were taken over, and how
  // many curated files were computed and reused; `full_reason` when nothing was reused.
  std::string base_version;
  std::string full_reason;
  int64_t files_computed = 0;
  int64_t files_reused = 0;
  double seconds = 0;

  nlohmann::json ToJson() const;
  std::string ToText() const;
};

Result<FeaturesSummary> RunFeatures(const storage::Lake& lake, const FeaturesOptions& options);

}  // namespace sensorlake::features
