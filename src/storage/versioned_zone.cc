#include "sensorlake/storage/versioned_zone.h"

#include <filesystem>
#include <random>

#include <nlohmann/json.hpp>

#include "sensorlake/common/crash_point.h"

namespace sensorlake::storage {
namespace {

constexpr std::string_view kStagingPrefix = ".staging-";

}  // namespace

std::string VersionedZone::VersionDir(std::string_view id) const {
  return JoinPath(zone_, fmt::format("_versions/{}", id));
}

std::string VersionedZone::ManifestPath(std::string_view id) const {
  return JoinPath(VersionDir(id), "_manifest.json");
}

Result<std::string> VersionedZone::CreateStaging(std::string_view id) const {
  std::random_device rd;
  std::string dir = JoinPath(zone_, fmt::format("_versions/{}{}-{:08x}", kStagingPrefix, id, rd()));
  SL_RETURN_NOT_OK(lake_.CreateDir(dir));
  return dir;
}

Status VersionedZone::RemoveStaging() const {
  SL_ASSIGN_OR_RETURN(auto dirs, lake_.ListDirectories(JoinPath(zone_, "_versions")));
  for (const auto& d : dirs) {
    if (d.starts_with(kStagingPrefix)) {
      SL_RETURN_NOT_OK(lake_.DeleteDir(JoinPath(zone_, "_versions/" + d)));
    }
  }
  return Status::OK();
}

Result<bool> VersionedZone::HasVersion(std::string_view id) const {
  return lake_.Exists(ManifestPath(id));
}

Result<std::optional<std::string>> VersionedZone::CurrentVersion() const {
  std::string pointer = JoinPath(zone_, "_current.json");
  SL_ASSIGN_OR_RETURN(bool exists, lake_.Exists(pointer));
  if (!exists) return std::optional<std::string>();
  SL_ASSIGN_OR_RETURN(std::string text, lake_.ReadText(pointer));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.contains("version") || !j["version"].is_string()) {
    return Status::Corrupt("{} is not a valid version pointer", lake_.DisplayPath(pointer));
  }
  return std::optional<std::string>(j["version"].get<std::string>());
}

Status VersionedZone::Commit(const std::string& staging, std::string_view id,
                             std::string_view manifest_json) const {
  CrashPoint("zone.commit.before_manifest");
  SL_RETURN_NOT_OK(lake_.WriteAtomic(JoinPath(staging, "_manifest.json"), manifest_json));
  SL_ASSIGN_OR_RETURN(bool exists, lake_.Exists(VersionDir(id)));
  if (exists) {
    // An earlier run wrote this version but crashed before its manifest: replace it.
    SL_ASSIGN_OR_RETURN(bool complete, HasVersion(id));
    if (complete) return Status::AlreadyExists("version {} is already complete", id);
    SL_RETURN_NOT_OK(lake_.DeleteDir(VersionDir(id)));
  }
  CrashPoint("zone.commit.before_rename");
  return lake_.Move(staging, VersionDir(id));
}

Status VersionedZone::Publish(std::string_view id, const std::vector<std::string>& datasets) const {
  CrashPoint("zone.publish.begin");
  if (lake_.is_local()) {
    SL_RETURN_NOT_OK(
        lake_.ReplaceSymlink(JoinPath(zone_, "current"), fmt::format("_versions/{}", id)));
    for (const auto& name : datasets) {
      std::error_code ec;
      if (!std::filesystem::is_symlink(lake_.LocalPath(JoinPath(zone_, name)), ec)) {
        SL_RETURN_NOT_OK(lake_.ReplaceSymlink(JoinPath(zone_, name), "current/" + name));
      }
    }
  }
  // History first, pointer last: a reader that sees the pointer finds the history too.
  std::string history_path = JoinPath(zone_, "_history.json");
  nlohmann::json history = nlohmann::json::array();
  SL_ASSIGN_OR_RETURN(bool has_history, lake_.Exists(history_path));
  if (has_history) {
    SL_ASSIGN_OR_RETURN(std::string text, lake_.ReadText(history_path));
    auto parsed = nlohmann::json::parse(text, nullptr, false);
    if (parsed.is_array()) history = parsed;
  }
  if (history.empty() || history.back() != std::string(id)) history.push_back(std::string(id));
  CrashPoint("zone.publish.before_history");
  SL_RETURN_NOT_OK(lake_.WriteAtomic(history_path, history.dump()));
  CrashPoint("zone.publish.before_pointer");
  nlohmann::json pointer = {{"version", std::string(id)},
                            {"path", fmt::format("_versions/{}", id)}};
  return lake_.WriteAtomic(JoinPath(zone_, "_current.json"), pointer.dump());
}

Status VersionedZone::SetAlias(std::string_view alias, std::string_view id) const {
  SL_ASSIGN_OR_RETURN(bool complete, HasVersion(id));
  if (!complete) return Status::NotFound("{}: no complete version {} to call {}", zone_, id, alias);
  CrashPoint("zone.alias.begin");
  if (lake_.is_local()) {
    SL_RETURN_NOT_OK(lake_.ReplaceSymlink(JoinPath(zone_, alias), fmt::format("_versions/{}", id)));
  }
  nlohmann::json pointer = {{"version", std::string(id)},
                            {"path", fmt::format("_versions/{}", id)}};
  return lake_.WriteAtomic(JoinPath(zone_, fmt::format("_{}.json", alias)), pointer.dump());
}

Result<std::optional<std::string>> VersionedZone::AliasVersion(std::string_view alias) const {
  std::string path = JoinPath(zone_, fmt::format("_{}.json", alias));
  SL_ASSIGN_OR_RETURN(bool exists, lake_.Exists(path));
  if (!exists) return std::optional<std::string>();
  SL_ASSIGN_OR_RETURN(std::string text, lake_.ReadText(path));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("version") || !j["version"].is_string()) {
    return Status::Corrupt("{}: not a version pointer", path);
  }
  return std::optional<std::string>(j["version"].get<std::string>());
}

Status VersionedZone::PruneOldVersions(int32_t keep_previous) const {
  SL_ASSIGN_OR_RETURN(auto current, CurrentVersion());
  if (!current) return Status::OK();
  SL_ASSIGN_OR_RETURN(auto published, AliasVersion("published"));
  std::string history_path = JoinPath(zone_, "_history.json");
  SL_ASSIGN_OR_RETURN(std::string text, lake_.ReadText(history_path));
  auto history = nlohmann::json::parse(text, nullptr, false);
  if (!history.is_array()) return Status::OK();
  // Keep the current version, the `keep_previous` published right before it, and the one
  // that passed the quality gate (what consumers of "published" read).
  std::vector<std::string> keep = {*current};
  int32_t previous = 0;
  for (auto it = history.rbegin(); it != history.rend() && previous < keep_previous; ++it) {
    std::string v = it->get<std::string>();
    if (std::find(keep.begin(), keep.end(), v) != keep.end()) continue;
    keep.push_back(v);
    ++previous;
  }
  if (published) keep.push_back(*published);
  SL_ASSIGN_OR_RETURN(auto dirs, lake_.ListDirectories(JoinPath(zone_, "_versions")));
  for (const auto& d : dirs) {
    if (d.starts_with(kStagingPrefix)) continue;
    if (std::find(keep.begin(), keep.end(), d) == keep.end()) {
      SL_RETURN_NOT_OK(lake_.DeleteDir(VersionDir(d)));
    }
  }
  return Status::OK();
}

}  // namespace sensorlake::storage
