// Publishing: naming the versions that passed the quality gate as the ones consumers
// read (curated/published, features/published, _published.json). Used by the pipeline's
// publish stage and by `sensorlake publish` (the Airflow DAG's last task).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::pipeline {

struct PublishRequest {
  std::string curated_version;   // empty: the current curated version
  std::string quality_run;       // empty: the latest quality run
  std::string features_version;  // empty: the current features version, if it was made
                                 // from this curated version
  std::string run_id;            // the pipeline run publishing, if any
  // The Iceberg catalog whose tables publish moves (tables/iceberg_tables.h); empty or
  // "none": the folder pointers only.
  std::string catalog;
};

// Refused unless the quality run checked this curated version and its gate passed. With a
// catalog, main of the lake's Iceberg tables moves first (to the snapshot the check staged),
// then the pointers: a publish that failed between the two is finished by running it again.
// Returns what _published.json now holds.
Result<nlohmann::json> Publish(const storage::Lake& lake, const PublishRequest& request);

}  // namespace sensorlake::pipeline
