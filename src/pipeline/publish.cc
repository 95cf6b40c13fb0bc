#include "sensorlake/pipeline/publish.h"

#include <fmt/format.h>

#include "sensorlake/common/clock.h"
#include "sensorlake/storage/versioned_zone.h"
#include "sensorlake/tables/iceberg_tables.h"

namespace sensorlake::pipeline {

namespace {

Result<nlohmann::json> ReadJson(const storage::Lake& lake, const std::string& path) {
  SL_ASSIGN_OR_RETURN(bool exists, lake.Exists(path));
  if (!exists) return Status::NotFound("{} does not exist in {}", path, lake.uri());
  SL_ASSIGN_OR_RETURN(std::string text, lake.ReadText(path));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return Status::Corrupt("{}: not a JSON object", path);
  return j;
}

// The gate's verdict on `curated`: the quality run must have checked it and passed. Returns
// the run's result.json.
Result<nlohmann::json> PassingQualityRun(const storage::Lake& lake, const std::string& curated,
                                         std::string run) {
  if (run.empty()) {
    auto latest = ReadJson(lake, "quality/_latest.json");
    if (!latest.ok()) {
      return Status::Refused("curated version {} has no quality run: run sensorlake check first",
                             curated);
    }
    run = latest->value("run_id", "");
  }
  SL_ASSIGN_OR_RETURN(auto result, ReadJson(lake, fmt::format("quality/runs/{}/result.json", run)));
  if (result.value("curated_version", "") != curated) {
    return Status::Refused(
        "quality run {} checked curated version {}, not {}: run sensorlake "
        "check on it first",
        run, result.value("curated_version", "?"), curated);
  }
  if (!result.value("success", false)) {
    return Status::Refused("quality run {} failed the gate for curated version {}: not published",
                           run, curated);
  }
  result["run_id"] = run;
  return result;
}

// The current features version when it was computed from `curated`; empty otherwise.
Result<std::string> FeaturesOf(const storage::Lake& lake, const std::string& curated) {
  storage::VersionedZone zone(lake, "features");
  SL_ASSIGN_OR_RETURN(auto current, zone.CurrentVersion());
  if (!current) return std::string();
  SL_ASSIGN_OR_RETURN(auto manifest, ReadJson(lake, zone.ManifestPath(*current)));
  return manifest.value("curated_version", "") == curated ? *current : std::string();
}

}  // namespace

Result<nlohmann::json> Publish(const storage::Lake& lake, const PublishRequest& request) {
  storage::VersionedZone curated_zone(lake, "curated");
  std::string curated = request.curated_version;
  if (curated.empty()) {
    SL_ASSIGN_OR_RETURN(auto current, curated_zone.CurrentVersion());
    if (!current) return Status::NotFound("{}: no curated version to publish", lake.uri());
    curated = *current;
  }
  SL_ASSIGN_OR_RETURN(nlohmann::json quality,
                      PassingQualityRun(lake, curated, request.quality_run));
  const std::string quality_run = quality.value("run_id", "");
  std::string features = request.features_version;
  if (features.empty()) {
    SL_ASSIGN_OR_RETURN(features, FeaturesOf(lake, curated));
  }
  nlohmann::json tables;  // null without a catalog
  if (tables::CatalogEnabled(request.catalog)) {
    SL_ASSIGN_OR_RETURN(tables,
                        tables::PublishVersions(lake, request.catalog, curated, features,
                                                {{"curated-version", curated},
                                                 {"raw-version", quality.value("raw_version", "")},
                                                 {"quality-run", quality_run},
                                                 {"run-id", request.run_id},
                                                 {"version", SENSORLAKE_VERSION}}));
  }

  SL_RETURN_NOT_OK(curated_zone.SetAlias("published", curated));
  if (!features.empty()) {
    SL_RETURN_NOT_OK(storage::VersionedZone(lake, "features").SetAlias("published", features));
  }
  nlohmann::json published = {
      {"run_id", request.run_id},
      {"curated_version", curated},
      {"quality_run", quality_run},
      {"features_version", features},
      {"curated_path", "curated/published/sensor_readings"},
      {"features_path", features.empty() ? "" : "features/published/windows"},
      {"tables", tables},
      {"published_at", UtcTimestamp()}};
  SL_RETURN_NOT_OK(lake.WriteAtomic("_published.json", published.dump(2) + "\n"));
  return published;
}

}  // namespace sensorlake::pipeline
