// CommitTaskTransforms (task_transform.h): the driver's side of a distributed transform.
#include <algorithm>
#include <map>
#include <set>

#include "sensorlake/storage/lake_lock.h"
#include "sensorlake/storage/versioned_zone.h"
#include "sensorlake/transform/task_transform.h"
#include "transform/transform_internal.h"

namespace sensorlake::transform {
namespace {

using detail::Clock;
using detail::InputFile;
using detail::kQuarantine;
using detail::kReadings;
using detail::Plan;

struct TaskFile {
  FileCounts counts;
  int64_t manifest_lines = 0;
  std::string task_id;
};

struct TaskOutput {
  std::string dataset;
  std::string from;  // lake path under the task's staging prefix
  std::string rel;   // path inside the version
  int64_t rows = 0;
  int64_t bytes = 0;
  int32_t folder = 0;
  nlohmann::json entry;
};

struct Collected {
  std::map<std::string, TaskFile> files;                 // by raw path
  std::map<std::string, std::vector<std::string>> dups;  // raw path -> task ids
  std::vector<TaskOutput> outputs;
  std::array<double, 4> seconds{};
};

std::string Listed(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < 5; ++i) s += (i ? ", " : "") + v[i];
  if (v.size() > 5) s += fmt::format(", ... ({} more)", v.size() - 5);
  return s;
}

Result<int32_t> FolderOfOutput(std::string_view rel, std::string_view origin) {
  for (const auto& f : wisdm::kFolders) {
    for (const char* dataset : {kReadings, kQuarantine}) {
      std::string dir = fmt::format("{}/device={}/sensor={}/", dataset, wisdm::DeviceName(f.device),
                                    wisdm::SensorName(f.sensor));
      if (rel.starts_with(dir) && rel.find('/', dir.size()) == std::string_view::npos &&
          rel.ends_with(".parquet")) {
        return f.index();
      }
    }
  }
  return Status::Invalid("{}: output '{}' is not a part of the curated layout", origin, rel);
}

Status CheckHeader(const nlohmann::json& m, const std::string& origin,
                   const std::string& raw_version, const std::string& config_sha) {
  if (!m.is_object() || m.value("format", "") != kTaskManifestFormat) {
    return Status::Invalid("{}: not a task manifest (format {})", origin, kTaskManifestFormat);
  }
  if (m.value("raw_version", "") != raw_version) {
    return Status::Invalid("{}: made from raw version '{}', the commit is for '{}'", origin,
                           m.value("raw_version", ""), raw_version);
  }
  if (m.value("config_sha", "") != config_sha) {
    return Status::Invalid("{}: made with another transform config (config_sha {} != {})", origin,
                           m.value("config_sha", ""), config_sha);
  }
  return Status::OK();
}

// Reads one task manifest into `out`, checking its counts and that its outputs are in place.
Status CollectTask(const storage::Lake& lake, const nlohmann::json& m, const std::string& prefix,
                   Collected* out) {
  std::string task_id = m.value("task_id", "");
  std::string origin = fmt::format("task {} ({})", task_id, prefix);
  SL_ASSIGN_OR_RETURN(auto present, lake.ListFiles(prefix, /*recursive=*/true));
  std::map<std::string, int64_t> sizes;
  for (const auto& e : present) sizes[e.path] = e.size;
  int64_t rows = 0, quarantined = 0, out_rows = 0, out_quarantined = 0;
  try {
    for (const auto& f : m.at("files")) {
      std::string path = f.at("path").get<std::string>();
      SL_ASSIGN_OR_RETURN(FileCounts c, detail::CountsFromJson(f, origin));
      rows += c.rows;
      quarantined += c.quarantined;
      auto [it, fresh] =
          out->files.emplace(path, TaskFile{c, f.at("manifest_lines").get<int64_t>(), task_id});
      if (!fresh) {
        auto& ids = out->dups[path];
        if (ids.empty()) ids.push_back(it->second.task_id);
        ids.push_back(task_id);
      }
    }
    for (const auto& o : m.at("outputs")) {
      TaskOutput t{o.at("dataset").get<std::string>(),
                   "",
                   o.at("path").get<std::string>(),
                   o.at("rows").get<int64_t>(),
                   o.at("bytes").get<int64_t>(),
                   0,
                   o};
      SL_ASSIGN_OR_RETURN(t.folder, FolderOfOutput(t.rel, origin));
      if (!t.rel.starts_with(t.dataset + "/"))
        return Status::Invalid("{}: output {} is not in dataset {}", origin, t.rel, t.dataset);
      auto size = sizes.find(t.rel);
      if (size == sizes.end() || size->second != t.bytes) {
        return Status::Corrupt(
            "{}: output {} is {} (the manifest says {} bytes)", origin, t.rel,
            size == sizes.end() ? std::string("missing") : fmt::format("{} bytes", size->second),
            t.bytes);
      }
      (t.dataset == kReadings ? out_rows : out_quarantined) += t.rows;
      t.from = storage::JoinPath(prefix, t.rel);
      out->outputs.push_back(std::move(t));
    }
    for (const auto& f : m.value("folders", nlohmann::json::array())) {
      for (const auto& folder : wisdm::kFolders) {
        if (folder.Name() == f.at("folder").get<std::string>())
          out->seconds[folder.index()] += f.at("seconds").get<double>();
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Invalid("{}: malformed task manifest: {}", origin, e.what());
  }
  if (rows != out_rows || quarantined != out_quarantined) {
    return Status::Corrupt("{}: files account for {} rows + {} quarantined, outputs hold {} + {}",
                           origin, rows, quarantined, out_rows, out_quarantined);
  }
  return Status::OK();
}

// Every raw sensor file exactly once, nothing else, each conserved against the raw manifest.
Status CheckCoverage(const Plan& plan, const Collected& c, const std::string& raw_version) {
  std::vector<std::string> missing, unknown, dups;
  std::set<std::string> expected;
  for (const auto& folder : plan.folders) {
    for (const auto& in : folder) {
      expected.insert(in.manifest_path);
      if (!c.files.contains(in.manifest_path)) missing.push_back(in.manifest_path);
    }
  }
  for (const auto& [path, f] : c.files) {
    if (!expected.contains(path)) unknown.push_back(path);
  }
  for (const auto& [path, ids] : c.dups) {
    dups.push_back(fmt::format("{} (tasks {})", path, fmt::join(ids, ", ")));
  }
  if (!missing.empty() || !unknown.empty() || !dups.empty()) {
    std::string msg = fmt::format(
        "the task manifests do not cover the raw sensor files of version {} exactly once:",
        raw_version);
    if (!missing.empty()) msg += fmt::format(" {} missing: {};", missing.size(), Listed(missing));
    if (!dups.empty())
      msg += fmt::format(" {} in more than one task: {};", dups.size(), Listed(dups));
    if (!unknown.empty())
      msg += fmt::format(" {} not raw sensor files of the version: {};", unknown.size(),
                         Listed(unknown));
    msg.pop_back();
    return Status::Invalid("{}", msg);
  }
  for (const auto& folder : plan.folders) {
    for (const auto& in : folder) {
      const TaskFile& f = c.files.at(in.manifest_path);
      if (!f.counts.Conserved() || f.counts.lines != in.lines || f.manifest_lines != in.lines) {
        return Status::Corrupt(
            "{} (task {}): row conservation failed: {} lines in the raw "
            "manifest, {} read = {} rows + {} quarantined + {} duplicates",
            in.manifest_path, f.task_id, in.lines, f.counts.lines, f.counts.rows,
            f.counts.quarantined, f.counts.duplicates_dropped);
      }
    }
  }
  return Status::OK();
}

// Moves every output into the version's staging folder; on failure moves back what it moved,
// so that the tasks' staging prefixes are as they were and the commit can be retried.
Status MoveOutputs(const storage::Lake& lake, const std::string& staging,
                   const std::vector<TaskOutput>& outputs) {
  std::set<std::string> targets;
  for (const auto& o : outputs) {
    if (!targets.insert(o.rel).second) {
      return Status::Invalid("two tasks wrote {}: every task needs its own task id", o.rel);
    }
  }
  std::vector<const TaskOutput*> moved;
  for (const auto& o : outputs) {
    Status st = lake.Move(o.from, storage::JoinPath(staging, o.rel));
    if (!st.ok()) {
      for (const TaskOutput* m : moved)
        (void)lake.Move(storage::JoinPath(staging, m->rel), m->from);
      return st;
    }
    moved.push_back(&o);
  }
  return Status::OK();
}

void FillSummary(const Plan& plan, const Collected& c, TransformSummary* s, nlohmann::json* files) {
  for (int32_t f = 0; f < 4; ++f) {
    FolderStats& stats = s->folders[f];
    stats.seconds = c.seconds[f];
    for (const InputFile& in : plan.folders[f]) {
      const TaskFile& tf = c.files.at(in.manifest_path);
      stats.files++;
      stats.counts.Add(tf.counts);
      stats.bytes_in += in.bytes;
      files->push_back(detail::FileRecordJson({in.manifest_path, in.lines, tf.counts}));
    }
    s->totals.Add(stats.counts);
  }
  for (const auto& o : c.outputs) s->folders[o.folder].bytes_out += o.bytes;
}

// The single-node order: by folder, curated parts before the quarantine, by path.
nlohmann::json SortedOutputs(std::vector<TaskOutput> outputs) {
  // b.dataset before a.dataset: "sensor_readings" sorts first, as on one node.
  std::sort(outputs.begin(), outputs.end(), [](const auto& a, const auto& b) {
    return std::tie(a.folder, b.dataset, a.rel) < std::tie(b.folder, a.dataset, b.rel);
  });
  nlohmann::json j = nlohmann::json::array();
  for (const auto& o : outputs) j.push_back(o.entry);
  return j;
}

}  // namespace

Result<TransformSummary> CommitTaskTransforms(const storage::Lake& lake,
                                              const CommitOptions& options) {
  auto start = Clock::now();
  if (options.task_manifests.size() != options.staging_prefixes.size()) {
    return Status::Invalid("{} task manifests but {} staging prefixes",
                           options.task_manifests.size(), options.staging_prefixes.size());
  }
  SL_ASSIGN_OR_RETURN(auto lock, storage::LakeLock::Acquire(lake, "curated", "transform"));
  SL_ASSIGN_OR_RETURN(detail::PreparedVersion prepared,
                      detail::PrepareVersion(lake, options.raw_version, options.config, start));
  TransformSummary& summary = prepared.summary;
  if (summary.unchanged) return summary;  // the tasks' parts stay where they are, unused
  // The tasks transformed every file they were given: a distributed run is never incremental.
  summary.full_reason = "distributed transform";

  std::string config_sha = detail::ConfigSha(options.config);
  Collected collected;
  nlohmann::json tasks = nlohmann::json::array();
  for (size_t i = 0; i < options.task_manifests.size(); ++i) {
    const auto& m = options.task_manifests[i];
    std::string prefix = options.staging_prefixes[i];
    while (prefix.ends_with('/')) prefix.pop_back();
    while (prefix.starts_with('/')) prefix.erase(0, 1);  // as RunTaskTransform takes it
    std::string origin = fmt::format("task manifest {} ({})", i, prefix);
    SL_RETURN_NOT_OK(CheckHeader(m, origin, summary.raw_version, config_sha));
    SL_RETURN_NOT_OK(CollectTask(lake, m, prefix, &collected));
    tasks.push_back({{"task_id", m.value("task_id", "")}, {"staging_prefix", prefix}});
  }
  Plan plan = detail::PlanInputs(prepared.raw);
  SL_RETURN_NOT_OK(CheckCoverage(plan, collected, summary.raw_version));

  storage::VersionedZone zone(lake, detail::kZone);
  SL_ASSIGN_OR_RETURN(std::string staging, zone.CreateStaging(summary.curated_version));
  Status moved = MoveOutputs(lake, staging, collected.outputs);
  if (!moved.ok()) {
    (void)lake.DeleteDir(staging);
    return moved;
  }
  nlohmann::json files = nlohmann::json::array();
  FillSummary(plan, collected, &summary, &files);
  summary.seconds = detail::SecondsSince(start);
  nlohmann::json manifest =
      detail::BuildManifest(summary, options.config, options.config_origin, std::move(files),
                            SortedOutputs(collected.outputs), plan.ignored);
  manifest["tasks"] = tasks;
  SL_RETURN_NOT_OK(detail::CommitAndPublish(lake, staging, &summary, manifest));
  summary.seconds = detail::SecondsSince(start);
  return summary;
}

}  // namespace sensorlake::transform
