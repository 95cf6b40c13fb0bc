// Incremental runs: a new raw version that adds or changes a few files transforms only
// those; every other raw file keeps the outputs the current curated version made of it.
// This is sound because one raw file maps to exactly one curated and one quarantine file
// (parquet_writer.h), and the output of a file depends only on its bytes, the cleaning
// config and the curated format version: the three things checked before reusing.
#include <map>

#include "sensorlake/common/progress.h"
#include "transform/transform_internal.h"

namespace sensorlake::transform::detail {
namespace {

// The raw files of the base version's manifest, by path.
Result<std::map<std::string, zones::RawFileEntry>> RawFilesByPath(const storage::Lake& lake,
                                                                  const std::string& version) {
  SL_ASSIGN_OR_RETURN(zones::RawManifest raw, zones::ReadRawManifest(lake, version));
  std::map<std::string, zones::RawFileEntry> out;
  for (const auto& f : raw.files) out[f.path] = f;
  return out;
}

// Why the base version cannot be reused as a whole, or "" when it can.
std::string Mismatch(const nlohmann::json& base, const TransformConfig& config) {
  if (base.value("curated_format_version", 0) != kCuratedFormatVersion) {
    return fmt::format("it has curated format {}, this engine writes {}",
                       base.value("curated_format_version", 0), kCuratedFormatVersion);
  }
  if (base.value("config", nlohmann::json()) != nlohmann::json::parse(config.Canonical())) {
    return "it was made with other cleaning rules or Parquet settings";
  }
  return "";
}

}  // namespace

Result<Reuse> TakeReusable(const storage::Lake& lake, const TransformConfig& config, Plan* plan) {
  Reuse reuse;
  storage::VersionedZone zone(lake, kZone);
  SL_ASSIGN_OR_RETURN(auto current, zone.CurrentVersion());
  if (!current) {
    reuse.reason = "no current curated version";
    return reuse;
  }
  std::string manifest_path = zone.ManifestPath(*current);
  SL_ASSIGN_OR_RETURN(std::string text, lake.ReadText(manifest_path));
  auto base = nlohmann::json::parse(text, nullptr, false);
  if (base.is_discarded() || !base.contains("files") || !base.contains("outputs")) {
    return Status::Corrupt("{}: not a curated manifest", lake.DisplayPath(manifest_path));
  }
  if (std::string why = Mismatch(base, config); !why.empty()) {
    reuse.reason = fmt::format("current version {}: {}", *current, why);
    return reuse;
  }
  std::string base_raw = base.value("raw_version", "");
  SL_ASSIGN_OR_RETURN(auto base_files, RawFilesByPath(lake, base_raw));

  std::map<std::string, std::vector<nlohmann::json>> outputs_by_source;
  for (nlohmann::json o : base["outputs"]) {
    if (!o.contains("origin")) o["origin"] = *current;  // written by that version itself
    outputs_by_source[o.value("source", "")].push_back(std::move(o));
  }
  std::map<std::string, const nlohmann::json*> records;
  for (const auto& f : base["files"]) records[f.value("path", "")] = &f;

  for (auto& inputs : plan->folders) {
    std::vector<InputFile> remaining;
    for (auto& in : inputs) {
      auto raw = base_files.find(in.manifest_path);
      auto rec = records.find(in.manifest_path);
      bool same = raw != base_files.end() && rec != records.end() &&
                  raw->second.bytes == in.bytes && raw->second.sha256 == in.sha256 &&
                  rec->second->value("manifest_lines", int64_t{-1}) == in.lines;
      if (!same) {
        remaining.push_back(std::move(in));
        continue;
      }
      SL_ASSIGN_OR_RETURN(FileCounts counts, CountsFromJson(*rec->second, manifest_path));
      ReusedFile r{in, {in.manifest_path, in.lines, counts}, outputs_by_source[in.manifest_path]};
      reuse.files.push_back(std::move(r));
    }
    inputs = std::move(remaining);
  }
  reuse.base_version = *current;
  return reuse;
}

Status LinkReused(const storage::Lake& lake, const Reuse& reuse, const std::string& staging,
                  std::array<FolderResult, 4>* results, nlohmann::json* reused_outputs) {
  storage::VersionedZone zone(lake, kZone);
  std::string base_dir = zone.VersionDir(reuse.base_version);
  Progress progress("link", static_cast<int64_t>(reuse.files.size()), "files");
  for (const ReusedFile& f : reuse.files) {
    FolderResult& r = (*results)[f.input.name.folder.index()];
    for (const auto& o : f.outputs) {
      std::string rel = o.at("path").get<std::string>();
      SL_RETURN_NOT_OK(lake.Link(storage::JoinPath(base_dir, rel), storage::JoinPath(staging, rel))
                           .WithContext(f.input.manifest_path));
      r.stats.bytes_out += o.value("bytes", int64_t{0});
      reused_outputs->push_back(o);
    }
    r.stats.reused++;
    r.stats.counts.Add(f.record.counts);
    r.files.push_back(f.record);
    progress.Add(1);
  }
  progress.Finish();
  return Status::OK();
}

}  // namespace sensorlake::transform::detail
