#include "sensorlake/transform/task_transform.h"

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "sensorlake/storage/lake_lock.h"
#include "sensorlake/storage/versioned_zone.h"
#include "transform/transform_internal.h"

namespace sensorlake::transform {
namespace {

using detail::Clock;
using detail::InputFile;
using detail::Plan;

std::string TrimSlashes(std::string_view p) {
  while (!p.empty() && p.back() == '/') p.remove_suffix(1);
  while (!p.empty() && p.front() == '/') p.remove_prefix(1);
  return std::string(p);
}

Status CheckTaskId(const std::string& id) {
  bool ok = !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
  if (!ok) return Status::Invalid("task id '{}': use letters, digits, '_', '.', '-'", id);
  return Status::OK();
}

Status CheckStagingPrefix(const storage::Lake& lake, const std::string& prefix) {
  if (prefix.empty() || prefix.find("..") != std::string::npos || prefix == "raw" ||
      prefix.starts_with("raw/") || prefix == "curated" || prefix.starts_with("curated/")) {
    return Status::Invalid(
        "staging prefix '{}': give a lake path outside raw/ and curated/ (e.g. "
        "_staging/<run>/<task>-<attempt>)",
        prefix);
  }
  SL_ASSIGN_OR_RETURN(auto existing, lake.ListFiles(prefix, /*recursive=*/true));
  if (!existing.empty()) {
    return Status::AlreadyExists(
        "staging prefix {} already holds {} file(s) (first: {}): a task writes into a fresh "
        "prefix, so that parts of an earlier attempt are never mixed into its output",
        lake.DisplayPath(prefix), existing.size(), existing.front().path);
  }
  return Status::OK();
}

// The inputs of a task: exactly `paths`, each a raw sensor file of the version, once.
Result<Plan> TaskPlan(const zones::RawManifest& raw, const std::vector<std::string>& paths) {
  Plan all = detail::PlanInputs(raw);
  std::map<std::string, const InputFile*> by_path;
  for (const auto& folder : all.folders) {
    for (const auto& in : folder) by_path[in.manifest_path] = &in;
  }
  Plan plan;
  std::set<std::string> seen;
  for (const auto& p : paths) {
    if (!seen.insert(p).second) return Status::Invalid("raw file {} is given twice", p);
    auto it = by_path.find(p);
    if (it == by_path.end()) {
      bool listed = std::any_of(raw.files.begin(), raw.files.end(),
                                [&](const auto& f) { return f.path == p; });
      if (listed) {
        return Status::Invalid(
            "{}: listed in the manifest of raw version {} but not a raw "
            "sensor file",
            p, raw.version);
      }
      return Status::NotFound(
          "{}: not in the manifest of raw version {} (paths are as the manifest lists "
          "them, e.g. raw/phone/accel/data_1600_accel_phone.txt)",
          p, raw.version);
    }
    plan.folders[it->second->name.folder.index()].push_back(*it->second);
  }
  for (auto& files : plan.folders) {
    std::sort(files.begin(), files.end(),
              [](const auto& a, const auto& b) { return a.name.subject < b.name.subject; });
  }
  return plan;
}

}  // namespace

Result<nlohmann::json> ListRawSensorFiles(const storage::Lake& lake, std::string_view raw_version) {
  std::string version(raw_version);
  if (version.empty()) {
    SL_ASSIGN_OR_RETURN(version, zones::LatestRawVersion(lake));
  }
  SL_ASSIGN_OR_RETURN(zones::RawManifest raw, zones::ReadRawManifest(lake, version));
  Plan plan = detail::PlanInputs(raw);
  nlohmann::json files = nlohmann::json::array();
  for (const auto& folder : plan.folders) {
    for (const auto& in : folder) {
      files.push_back({{"path", in.manifest_path},
                       {"bytes", in.bytes},
                       {"lines", in.lines},
                       {"folder", in.name.folder.Name()},
                       {"device", wisdm::DeviceName(in.name.folder.device)},
                       {"sensor", wisdm::SensorName(in.name.folder.sensor)},
                       {"subject", in.name.subject}});
    }
  }
  return nlohmann::json{{"raw_version", version}, {"files", files}};
}

Result<nlohmann::json> RunTaskTransform(const storage::Lake& lake, const TaskOptions& options) {
  auto start = Clock::now();
  SL_RETURN_NOT_OK(CheckTaskId(options.task_id));
  std::string prefix = TrimSlashes(options.staging_prefix);
  SL_RETURN_NOT_OK(CheckStagingPrefix(lake, prefix));
  std::string version = options.raw_version;
  if (version.empty()) {
    SL_ASSIGN_OR_RETURN(version, zones::LatestRawVersion(lake));
  }
  SL_ASSIGN_OR_RETURN(zones::RawManifest raw, zones::ReadRawManifest(lake, version));
  SL_ASSIGN_OR_RETURN(Plan plan, TaskPlan(raw, options.paths));

  detail::RunOptions run;
  run.staging = prefix;
  run.part_prefix = fmt::format("part-{}-", options.task_id);
  run.threads = std::max(options.threads, 1);
  auto results = detail::RunFolders(lake, plan, options.config, run);
  Status failed = detail::FirstFailure(results);
  if (!failed.ok()) {
    (void)lake.DeleteDir(prefix);  // it was empty: nothing but this task's parts is lost
    return failed;
  }
  FileCounts totals;
  nlohmann::json files = nlohmann::json::array();
  nlohmann::json folders = nlohmann::json::array();
  for (const auto& r : results) {
    totals.Add(r.stats.counts);
    for (const auto& f : r.files) files.push_back(detail::FileRecordJson(f));
    if (r.stats.files > 0) {
      folders.push_back({{"folder", r.stats.folder.Name()},
                         {"files", r.stats.files},
                         {"seconds", r.stats.seconds}});
    }
  }
  nlohmann::json manifest = {{"format", kTaskManifestFormat},
                             {"task_id", options.task_id},
                             {"raw_version", version},
                             {"config_sha", detail::ConfigSha(options.config)},
                             {"config_origin", options.config_origin},
                             {"curated_format_version", kCuratedFormatVersion},
                             {"engine_version", SENSORLAKE_VERSION},
                             {"staging_prefix", prefix},
                             {"files", files},
                             {"folders", folders},
                             {"outputs", detail::OutputsJson(results, prefix)},
                             {"totals", detail::CountsJson(totals)},
                             {"seconds", detail::SecondsSince(start)}};
  SL_RETURN_NOT_OK(
      lake.WriteAtomic(storage::JoinPath(prefix, "_task_manifest.json"), manifest.dump(2)));
  return manifest;
}

}  // namespace sensorlake::transform
