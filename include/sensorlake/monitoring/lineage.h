// OpenLineage (spec 2-0-2) run events for `sensorlake run`: START and COMPLETE or FAIL
// for the pipeline run (job "sensorlake.run") and for each stage it runs (job
// "sensorlake.run.<stage>", with a parent run facet pointing at the pipeline run), with
// input and output datasets named by OpenLineage's naming spec (DatasetName) and
// schema facets for the Parquet datasets. Sent to a Marquez-compatible endpoint
// (POST <url>/api/v1/lineage) and/or appended to a JSON-lines file (docs/monitoring.md).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/zones/run_record.h"

namespace sensorlake::monitoring {

inline constexpr const char* kLineageNamespace = "sensorlake";

struct LineageOptions {
  std::string url;   // Marquez base URL; empty: no HTTP
  std::string file;  // JSON lines; empty: no file
  // The job run that started this process, "<namespace>/<job name>/<run uuid>" (the Airflow
  // OpenLineage provider's lineage_parent_id macro of the task): the parent of this
  // process's stage events, with the run's orchestrator.lineage_parent as their root.
  // Empty: the stages' parent is the pipeline run.
  std::string parent;
  double timeout_seconds = 5;
  int32_t attempts = 3;
};

struct DatasetRef {
  std::string namespace_, name;
  nlohmann::json fields = nlohmann::json::array();  // [{name, type}], empty: no schema facet
};

// "<namespace>/<job name>/<run uuid>" -> {namespace, name, run_id}; Invalid otherwise (the
// namespace may hold '/', the job name and the UUID may not).
Result<nlohmann::json> ParseLineageParent(std::string_view parent);

// A location's dataset name by OpenLineage's naming spec, so that Spark's, Airflow's and
// the engine's events name one object alike: s3://bucket/key -> (s3://bucket, key),
// file:///path or /path -> (file, /path), scheme://host/path -> (scheme://host, path); the
// query (the lake's S3 options) is not part of the name.
DatasetRef DatasetName(std::string_view location);

// A random (version 4) UUID.
std::string RandomUuid();
// A name-based UUID for a pipeline run id (the same id always gives the same UUID, so
// stage events and later readers agree on the parent).
std::string RunUuid(std::string_view run_id);

// One OpenLineage RunEvent. `parent_*` empty: no parent facet; `error` non-empty adds the
// errorMessage run facet (FAIL events).
nlohmann::json RunEvent(std::string_view event_type, std::string_view event_time,
                        std::string_view job_name, std::string_view run_uuid,
                        std::string_view parent_job_name, std::string_view parent_run_uuid,
                        const std::vector<DatasetRef>& inputs,
                        const std::vector<DatasetRef>& outputs, std::string_view error);

// The field names and types of the first Parquet file under `dir` in the lake (Arrow type
// names); empty when there is none.
nlohmann::json ParquetSchemaFields(const storage::Lake& lake, const std::string& dir);

// Builds and sends the events of one run; never fails the run (errors are counted).
class LineageEmitter {
 public:
  LineageEmitter(const storage::Lake& lake, LineageOptions options)
      : lake_(lake), o_(std::move(options)) {}
  void StageStart(const zones::RunRecord& record, zones::Stage stage);
  void StageEnd(const zones::RunRecord& record, zones::Stage stage);
  void RunEnd(const zones::RunRecord& record);
  // {"events", "failed", "errors": [...], "url", "file"}
  nlohmann::json Summary() const;
  // The summary, then counting starts again (a stage run keeps each process's share).
  nlohmann::json TakeSummary();

 private:
  void EnsurePipelineStarted(const zones::RunRecord& record, std::optional<zones::Stage> current);
  nlohmann::json WithTaskParent(nlohmann::json event, const zones::RunRecord& record) const;
  void Emit(const nlohmann::json& event);
  std::vector<DatasetRef> Inputs(const zones::RunRecord& r, zones::Stage s) const;
  std::vector<DatasetRef> Outputs(const zones::RunRecord& r, zones::Stage s) const;
  DatasetRef Dataset(const std::string& zone_path, bool parquet) const;

  const storage::Lake& lake_;
  LineageOptions o_;
  bool pipeline_started_ = false;
  bool http_down_ = false;
  std::map<zones::Stage, std::string> stage_uuids_;
  int64_t events_ = 0, failed_ = 0;
  std::vector<std::string> errors_;
};

}  // namespace sensorlake::monitoring
