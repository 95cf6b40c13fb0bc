#include "features/window_reuse.h"

#include <map>

#include "sensorlake/storage/versioned_zone.h"

namespace sensorlake::features {
namespace {

// A version's manifest, or kCorrupt naming it.
Result<nlohmann::json> Manifest(const storage::Lake& lake, const storage::VersionedZone& zone,
                                const std::string& version) {
  std::string path = zone.ManifestPath(version);
  SL_ASSIGN_OR_RETURN(std::string text, lake.ReadText(path));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.contains("outputs")) {
    return Status::Corrupt("{}: not a manifest with outputs", lake.DisplayPath(path));
  }
  return j;
}

// Curated file path -> the curated version that wrote its bytes.
std::map<std::string, std::string> Origins(const nlohmann::json& curated, const std::string& id) {
  std::map<std::string, std::string> out;
  for (const auto& o : curated["outputs"]) {
    out[o.value("path", "")] = o.value("origin", id);
  }
  return out;
}

}  // namespace

std::string PathInVersion(const std::string& version_dir, const zones::CuratedPart& part) {
  return part.lake_path.substr(version_dir.size() + 1);
}

Result<ReusedWindows> TakeReusableWindows(const storage::Lake& lake,
                                          const std::string& curated_version,
                                          const std::string& manifest_format,
                                          const std::string& mode,
                                          std::vector<zones::CuratedPart>* parts) {
  ReusedWindows reuse;
  storage::VersionedZone zone(lake, "features"), curated(lake, "curated");
  SL_ASSIGN_OR_RETURN(auto current, zone.CurrentVersion());
  if (!current) {
    reuse.reason = "no current features version";
    return reuse;
  }
  SL_ASSIGN_OR_RETURN(nlohmann::json base, Manifest(lake, zone, *current));
  if (base.value("format", "") != manifest_format || base.value("mode", "") != mode) {
    reuse.reason = fmt::format("current version {} has another format or mode", *current);
    return reuse;
  }
  std::string base_curated = base.value("curated_version", "");
  SL_ASSIGN_OR_RETURN(bool exists, curated.HasVersion(base_curated));
  if (!exists) {
    reuse.reason = fmt::format("its curated version {} is gone", base_curated);
    return reuse;
  }
  SL_ASSIGN_OR_RETURN(nlohmann::json then, Manifest(lake, curated, base_curated));
  SL_ASSIGN_OR_RETURN(nlohmann::json now, Manifest(lake, curated, curated_version));
  auto then_origin = Origins(then, base_curated), now_origin = Origins(now, curated_version);
  std::map<std::string, nlohmann::json> by_source;
  for (nlohmann::json o : base["outputs"]) {
    if (!o.contains("origin")) o["origin"] = *current;
    std::string source = o.value("source", "");
    by_source[source] = std::move(o);
  }
  std::string dir = curated.VersionDir(curated_version);
  std::vector<zones::CuratedPart> remaining;
  for (auto& part : *parts) {
    std::string rel = PathInVersion(dir, part);
    auto was = then_origin.find(rel);
    auto out = by_source.find(rel);
    if (was != then_origin.end() && out != by_source.end() && was->second == now_origin[rel]) {
      reuse.outputs.push_back(out->second);
    } else {
      remaining.push_back(std::move(part));
    }
  }
  *parts = std::move(remaining);
  reuse.base_version = *current;
  return reuse;
}

}  // namespace sensorlake::features
