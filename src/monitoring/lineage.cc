#include "sensorlake/monitoring/lineage.h"

#include <array>
#include <fstream>
#include <random>
#include <regex>

#include <arrow/type.h>
#include <fmt/format.h>
#include <parquet/arrow/reader.h>

#include "monitoring/http_post.h"
#include "sensorlake/common/sha256.h"
#include "sensorlake/monitoring/json_log.h"

namespace sensorlake::monitoring {

namespace {

using zones::RunRecord;
using zones::Stage;

constexpr const char* kSpecUrl =
    "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
constexpr const char* kSchemaFacetUrl =
    "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet";
constexpr const char* kParentFacetUrl =
    "https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet";
constexpr const char* kErrorFacetUrl =
    "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/"
    "ErrorMessageRunFacet";

std::string Producer() {
  return fmt::format("https://github.com/sensorlake/sensorlake/releases/tag/v{}",
                     SENSORLAKE_VERSION);
}

// 16 bytes as 8-4-4-4-12 hex, with the version nibble and the RFC 4122 variant set.
std::string FormatUuid(std::array<uint8_t, 16> b, uint8_t version) {
  b[6] = static_cast<uint8_t>((b[6] & 0x0F) | (version << 4));
  b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);
  std::string hex;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) hex += '-';
    hex += fmt::format("{:02x}", b[i]);
  }
  return hex;
}

nlohmann::json DatasetJson(const DatasetRef& d) {
  nlohmann::json j = {{"namespace", d.namespace_}, {"name", d.name}};
  if (!d.fields.empty()) {
    j["facets"]["schema"] = {
        {"_producer", Producer()}, {"_schemaURL", kSchemaFacetUrl}, {"fields", d.fields}};
  }
  return j;
}

std::string JobName(Stage s) { return fmt::format("sensorlake.run.{}", StageName(s)); }

}  // namespace

std::string RandomUuid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::array<uint8_t, 16> b{};
  for (size_t i = 0; i < b.size(); i += 8) {
    uint64_t v = rng();
    for (size_t k = 0; k < 8; ++k) b[i + k] = static_cast<uint8_t>(v >> (8 * k));
  }
  return FormatUuid(b, 4);
}

std::string RunUuid(std::string_view run_id) {
  std::string hex = Sha256::Hex(fmt::format("sensorlake-run:{}", run_id));
  std::array<uint8_t, 16> b{};
  for (size_t i = 0; i < b.size(); ++i) {
    b[i] = static_cast<uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
  }
  return FormatUuid(b, 8);  // version 8: custom, name-based (RFC 9562)
}

nlohmann::json RunEvent(std::string_view event_type, std::string_view event_time,
                        std::string_view job_name, std::string_view run_uuid,
                        std::string_view parent_job_name, std::string_view parent_run_uuid,
                        const std::vector<DatasetRef>& inputs,
                        const std::vector<DatasetRef>& outputs, std::string_view error) {
  nlohmann::json run = {{"runId", run_uuid}, {"facets", nlohmann::json::object()}};
  if (!parent_run_uuid.empty()) {
    run["facets"]["parent"] = {
        {"_producer", Producer()},
        {"_schemaURL", kParentFacetUrl},
        {"run", {{"runId", parent_run_uuid}}},
        {"job", {{"namespace", kLineageNamespace}, {"name", parent_job_name}}}};
  }
  if (!error.empty()) {
    run["facets"]["errorMessage"] = {{"_producer", Producer()},
                                     {"_schemaURL", kErrorFacetUrl},
                                     {"message", error},
                                     {"programmingLanguage", "C++"}};
  }
  nlohmann::json in = nlohmann::json::array(), out = nlohmann::json::array();
  for (const auto& d : inputs) in.push_back(DatasetJson(d));
  for (const auto& d : outputs) out.push_back(DatasetJson(d));
  return {{"eventType", event_type},
          {"eventTime", event_time},
          {"producer", Producer()},
          {"schemaURL", kSpecUrl},
          {"run", run},
          {"job", {{"namespace", kLineageNamespace}, {"name", job_name}}},
          {"inputs", in},
          {"outputs", out}};
}

nlohmann::json ParquetSchemaFields(const storage::Lake& lake, const std::string& dir) {
  nlohmann::json fields = nlohmann::json::array();
  auto files = lake.ListFiles(dir, /*recursive=*/true);
  if (!files.ok()) return fields;
  for (const auto& f : *files) {
    if (!f.path.ends_with(".parquet")) continue;
    auto input = lake.OpenInputFile(dir + "/" + f.path);
    if (!input.ok()) return fields;
    auto reader = parquet::arrow::OpenFile(*input, arrow::default_memory_pool());
    if (!reader.ok()) return fields;
    std::shared_ptr<arrow::Schema> schema;
    if (!(*reader)->GetSchema(&schema).ok()) return fields;
    for (const auto& field : schema->fields()) {
      fields.push_back({{"name", field->name()}, {"type", field->type()->ToString()}});
    }
    // Hive partition columns live in the paths, not in the files.
    for (const char* key : {"device", "sensor"}) {
      if (f.path.find(std::string(key) + "=") != std::string::npos) {
        fields.push_back({{"name", key}, {"type", "string"}});
      }
    }
    return fields;
  }
  return fields;
}

DatasetRef DatasetName(std::string_view location) {
  std::string_view loc = location.substr(0, location.find('?'));
  while (loc.size() > 1 && loc.ends_with('/')) loc.remove_suffix(1);
  size_t scheme_end = loc.find("://");
  if (scheme_end == std::string_view::npos) return {"file", std::string(loc)};
  std::string_view scheme = loc.substr(0, scheme_end);
  std::string_view rest = loc.substr(scheme_end + 3);
  if (scheme == "file") return {"file", std::string(rest)};
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  return {fmt::format("{}://{}", scheme, authority), path.empty() ? "/" : std::string(path)};
}

DatasetRef LineageEmitter::Dataset(const std::string& zone_path, bool parquet) const {
  DatasetRef d = DatasetName(lake_.uri());
  // A bucket's root is "/" (no key prefix); a file path keeps its leading slash.
  bool bucket_root = d.name == "/" && d.namespace_ != "file";
  d.name = bucket_root ? zone_path : (d.name == "/" ? "" : d.name) + "/" + zone_path;
  if (parquet) d.fields = ParquetSchemaFields(lake_, zone_path);
  return d;
}

std::vector<DatasetRef> LineageEmitter::Inputs(const RunRecord& r, Stage s) const {
  auto v = [&](const char* k) { return r.versions.value(k, std::string()); };
  std::string curated =
      v("curated").empty() ? "" : fmt::format("curated/_versions/{}/sensor_readings", v("curated"));
  std::vector<DatasetRef> out;
  switch (s) {
    case Stage::kIngest: {
      std::string src = r.input.value("source", std::string());
      // A generated dataset has no location: it keeps a namespace of its own.
      out.push_back(src.empty() ? DatasetRef{"sensorlake-source",
                                             fmt::format("generated scale={}",
                                                         r.input.value("generate_scale", 0.0))}
                                : DatasetName(src));
      break;
    }
    case Stage::kTransform:
      if (!v("raw").empty()) out.push_back(Dataset("raw/wisdm/" + v("raw"), false));
      break;
    case Stage::kCheck:
    case Stage::kFeatures:
      if (!curated.empty()) out.push_back(Dataset(curated, false));
      break;
    case Stage::kPublish:
      if (!curated.empty()) out.push_back(Dataset(curated, false));
      if (!v("features").empty()) {
        out.push_back(Dataset(fmt::format("features/_versions/{}/windows", v("features")), false));
      }
      break;
  }
  return out;
}

std::vector<DatasetRef> LineageEmitter::Outputs(const RunRecord& r, Stage s) const {
  auto v = [&](const char* k) { return r.versions.value(k, std::string()); };
  std::vector<DatasetRef> out;
  switch (s) {
    case Stage::kIngest:
      if (!v("raw").empty()) out.push_back(Dataset("raw/wisdm/" + v("raw"), false));
      break;
    case Stage::kTransform:
      if (!v("curated").empty()) {
        std::string base = "curated/_versions/" + v("curated");
        out.push_back(Dataset(base + "/sensor_readings", true));
        out.push_back(Dataset(base + "/quarantine", true));
      }
      break;
    case Stage::kCheck:
      if (!v("quality_run").empty())
        out.push_back(Dataset("quality/runs/" + v("quality_run"), false));
      break;
    case Stage::kFeatures:
      if (!v("features").empty()) {
        out.push_back(Dataset(fmt::format("features/_versions/{}/windows", v("features")), true));
      }
      break;
    case Stage::kPublish:
      out.push_back(Dataset("curated/published/sensor_readings", false));
      break;
  }
  return out;
}

void LineageEmitter::Emit(const nlohmann::json& event) {
  ++events_;
  std::string line = event.dump();
  if (!o_.file.empty()) {
    std::ofstream f(o_.file, std::ios::app);
    f << line << "\n";
    if (!f) {
      ++failed_;
      errors_.push_back(fmt::format("{}: cannot append", o_.file));
    }
  }
  if (o_.url.empty()) return;
  // After an event that could not be delivered with all its retries, the endpoint is taken
  // as down for the rest of the run: the events are counted as failed, not retried each.
  if (http_down_) {
    ++failed_;
    return;
  }
  PostOptions p;
  p.headers = {"Content-Type: application/json"};
  p.timeout_seconds = o_.timeout_seconds;
  p.attempts = o_.attempts;
  std::string url = o_.url;
  while (url.ends_with("/")) url.pop_back();
  auto r = HttpPost(url + "/api/v1/lineage", line, p);
  if (!r.ok()) {
    ++failed_;
    http_down_ = true;
    errors_.push_back(r.status().message());
  }
}

Result<nlohmann::json> ParseLineageParent(std::string_view parent) {
  size_t last = parent.rfind('/');
  size_t job = last == std::string_view::npos || last == 0 ? std::string_view::npos
                                                           : parent.rfind('/', last - 1);
  static const std::regex kUuid(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  if (job == std::string_view::npos || job == 0 || last == job + 1 ||
      !std::regex_match(std::string(parent.substr(last + 1)), kUuid)) {
    return Status::Invalid(
        "lineage parent '{}' is not <namespace>/<job name>/<run uuid> (the Airflow OpenLineage "
        "provider's lineage_parent_id)",
        parent);
  }
  return nlohmann::json{{"namespace", std::string(parent.substr(0, job))},
                        {"name", std::string(parent.substr(job + 1, last - job - 1))},
                        {"run_id", std::string(parent.substr(last + 1))}};
}

namespace {

nlohmann::json RunAndJob(const nlohmann::json& ref) {
  return {
      {"run", {{"runId", ref.value("run_id", "")}}},
      {"job", {{"namespace", ref.value("namespace", "default")}, {"name", ref.value("name", "")}}}};
}

// The parent run facet naming `parent` {namespace, name, run_id}, and `root` when given.
nlohmann::json ParentFacet(const nlohmann::json& parent, const nlohmann::json& root) {
  nlohmann::json facet = RunAndJob(parent);
  facet["_producer"] = Producer();
  facet["_schemaURL"] = kParentFacetUrl;
  if (!root.is_null()) facet["root"] = RunAndJob(root);
  return facet;
}

// The orchestrator's run that the lake's run belongs to (an Airflow DAG run, named as the
// Airflow OpenLineage provider names it) as the parent of the pipeline run's events.
// Given as the record's orchestrator.lineage_parent {namespace, name, run_id}.
nlohmann::json OrchestratorRun(const RunRecord& r) {
  const auto parent = r.orchestrator.value("lineage_parent", nlohmann::json::object());
  return parent.is_object() && parent.contains("run_id") ? parent : nlohmann::json();
}

nlohmann::json WithOrchestratorParent(nlohmann::json event, const RunRecord& r) {
  nlohmann::json parent = OrchestratorRun(r);
  if (!parent.is_null()) event["run"]["facets"]["parent"] = ParentFacet(parent, nullptr);
  return event;
}

}  // namespace

// A stage started by an orchestrator's task: the task's run is the parent (Marquez shows
// task -> stage) and the orchestrator's run (the DAG run) the root.
nlohmann::json LineageEmitter::WithTaskParent(nlohmann::json event, const RunRecord& r) const {
  if (o_.parent.empty()) return event;
  auto task = ParseLineageParent(o_.parent);
  if (!task.ok()) return event;  // refused when the options were read
  event["run"]["facets"]["parent"] = ParentFacet(*task, OrchestratorRun(r));
  return event;
}

void LineageEmitter::EnsurePipelineStarted(const RunRecord& r, std::optional<Stage> current) {
  if (pipeline_started_) return;
  pipeline_started_ = true;
  // A stage run by another process of the same run (an orchestrator's earlier task) has
  // already started the run's job.
  for (const auto& s : r.stages) {
    if (current && s.stage == *current) continue;
    if (s.status == "completed" || s.status == "failed" || s.status == "running") return;
  }
  Emit(WithOrchestratorParent(
      RunEvent("START", LogTimestamp(), "sensorlake.run", RunUuid(r.run_id), "", "", {}, {}, ""),
      r));
}

void LineageEmitter::StageStart(const RunRecord& r, Stage s) {
  EnsurePipelineStarted(r, s);
  stage_uuids_[s] = RandomUuid();
  Emit(WithTaskParent(RunEvent("START", LogTimestamp(), JobName(s), stage_uuids_[s],
                               "sensorlake.run", RunUuid(r.run_id), Inputs(r, s), {}, ""),
                      r));
}

void LineageEmitter::StageEnd(const RunRecord& r, Stage s) {
  const auto& st = r.stages[static_cast<size_t>(s)];
  bool failed = st.status == "failed";
  Emit(WithTaskParent(
      RunEvent(failed ? "FAIL" : "COMPLETE", LogTimestamp(), JobName(s), stage_uuids_[s],
               "sensorlake.run", RunUuid(r.run_id), Inputs(r, s),
               failed ? std::vector<DatasetRef>{} : Outputs(r, s), failed ? st.message : ""),
      r));
}

void LineageEmitter::RunEnd(const RunRecord& r) {
  EnsurePipelineStarted(r, std::nullopt);
  bool failed = r.outcome == "failed";
  Emit(WithOrchestratorParent(
      RunEvent(failed ? "FAIL" : "COMPLETE", LogTimestamp(), "sensorlake.run", RunUuid(r.run_id),
               "", "", {}, {}, failed ? r.error : ""),
      r));
}

nlohmann::json LineageEmitter::Summary() const {
  return {{"events", events_},
          {"failed", failed_},
          {"errors", errors_},
          {"url", o_.url},
          {"file", o_.file}};
}

nlohmann::json LineageEmitter::TakeSummary() {
  nlohmann::json s = Summary();
  events_ = failed_ = 0;
  errors_.clear();
  return s;
}

}  // namespace sensorlake::monitoring
