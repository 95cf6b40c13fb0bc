// Incremental features: one Parquet file of windows per curated file (one subject of one
// device and sensor), so a features version can take over the base version's file for every
// curated file whose bytes did not change. Windows depend only on that file's rows and the
// mode, so the result is the one a full computation makes.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/zones/curated_reader.h"

namespace sensorlake::features {

struct ReusedWindows {
  std::string base_version;  // empty: nothing reused, and `reason` says why
  std::string reason;
  std::vector<nlohmann::json> outputs;  // the base manifest's entries, "origin" set
};

// Which of `parts` (the curated version's files) the current features version already
// holds: the same curated file (path, and the version that wrote its bytes) under the same
// mode and features format. Removes them from `parts`.
Result<ReusedWindows> TakeReusableWindows(const storage::Lake& lake,
                                          const std::string& curated_version,
                                          const std::string& manifest_format,
                                          const std::string& mode,
                                          std::vector<zones::CuratedPart>* parts);

// The curated file's path inside its version ("sensor_readings/device=.../part-01600.parquet").
std::string PathInVersion(const std::string& version_dir, const zones::CuratedPart& part);

}  // namespace sensorlake::features
