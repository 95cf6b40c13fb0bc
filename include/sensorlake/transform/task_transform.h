// The transform split into tasks for a distributed runner (the Spark job drives it through
// the Python package, docs/python.md): each task cleans a given list of raw files into
// Parquet parts under its own staging prefix and returns a task manifest; the driver then
// commits the manifests of the attempts it accepted into one curated version, through the
// same versioned-zone machinery and with the same version id as `sensorlake transform`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/transform/transform.h"

namespace sensorlake::transform {

inline constexpr std::string_view kTaskManifestFormat = "sensorlake.task-manifest/1";

// {"raw_version": resolved, "files": [{"path","bytes","lines","folder","device","sensor",
// "subject"}]}: the raw sensor files of the version (empty = latest), by folder and subject.
Result<nlohmann::json> ListRawSensorFiles(const storage::Lake& lake, std::string_view raw_version);

struct TaskOptions {
  std::string raw_version;         // empty = the latest ingested
  std::vector<std::string> paths;  // paths inside the raw version, as its manifest lists them
  std::string staging_prefix;      // lake path; must hold no file yet
  std::string task_id;             // [A-Za-z0-9_.-]+, part of every output file name
  TransformConfig config;
  std::string config_origin = "built-in defaults";
  int32_t threads = 1;
};

// Cleans exactly `paths` into <staging_prefix>/sensor_readings/device=../sensor=../
// part-<task_id>-NNNNN.parquet and .../quarantine/... , writes the task manifest to
// <staging_prefix>/_task_manifest.json and returns it.
Result<nlohmann::json> RunTaskTransform(const storage::Lake& lake, const TaskOptions& options);

struct CommitOptions {
  std::string raw_version;  // empty = the latest ingested
  std::vector<nlohmann::json> task_manifests;
  std::vector<std::string> staging_prefixes;  // one per manifest
  TransformConfig config;
  std::string config_origin = "built-in defaults";
};

// Checks that the manifests cover every raw sensor file exactly once and that their outputs
// are there, moves the outputs into a new curated version, writes its manifest last and
// publishes it. The result is what RunTransform returns for the same input and config.
Result<TransformSummary> CommitTaskTransforms(const storage::Lake& lake,
                                              const CommitOptions& options);

}  // namespace sensorlake::transform
