#include "sensorlake/transform/transform.h"

#include <algorithm>
#include <chrono>

#include <arrow/buffer.h>

#include "sensorlake/common/crash_point.h"
#include "sensorlake/common/parallel_for.h"
#include "sensorlake/common/progress.h"
#include "sensorlake/common/sha256.h"
#include "sensorlake/common/xxh3.h"
#include "sensorlake/storage/lake_lock.h"
#include "sensorlake/storage/versioned_zone.h"
#include "sensorlake/tables/iceberg_tables.h"
#include "sensorlake/zones/raw_manifest.h"
#include "transform/parquet_writer.h"
#include "transform/transform_internal.h"

namespace sensorlake::transform {
namespace detail {

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

Plan PlanInputs(const zones::RawManifest& manifest) {
  Plan plan;
  std::string root = zones::RawVersionDir(manifest.version);
  for (const auto& f : manifest.files) {
    if (!f.path.starts_with("raw/")) continue;  // arff_files/, README.txt, ...
    std::string_view base = std::string_view(f.path).substr(f.path.rfind('/') + 1);
    auto name = wisdm::ParseRawFileName(base);
    if (!name.ok() || f.path != name->RelativePath()) {
      plan.ignored.push_back(f.path);
      continue;
    }
    plan.folders[name->folder.index()].push_back(
        {*name, f.path, storage::JoinPath(root, f.path), f.bytes, f.lines, f.sha256, f.xxh3});
  }
  for (auto& files : plan.folders) {
    std::sort(files.begin(), files.end(),
              [](const auto& a, const auto& b) { return a.name.subject < b.name.subject; });
  }
  return plan;
}

namespace {

// One raw file's share of a run: what it wrote, or why it did not.
struct FileOutcome {
  Status status = Status(StatusCode::kCancelled, "stopped: another file failed");
  FileCounts counts;
  WrittenFile rows;
  WrittenFile quarantine;
  double seconds = 0;
};

// Transforms one raw file at a time: read, verify, clean, write its curated part and its
// quarantine part.
class FileTask {
 public:
  FileTask(const storage::Lake& lake, const RunOptions& options, const TransformConfig& config)
      : lake_(lake), options_(options), config_(config) {}

  FileOutcome Run(const InputFile& in) {
    FileOutcome out;
    auto start = Clock::now();
    out.status = Write(in, &out);
    out.seconds = SecondsSince(start);
    return out;
  }

 private:
  std::string PartitionDir(std::string_view dataset, wisdm::Folder folder) const {
    return fmt::format("{}/{}/device={}/sensor={}", options_.staging, dataset,
                       wisdm::DeviceName(folder.device), wisdm::SensorName(folder.sensor));
  }

  // <staging>/<dataset>/device=<d>/sensor=<s>/<prefix><subject>.parquet: subjects are
  // zero-padded, so the files' name order is the curated sort order.
  std::string PartPath(std::string_view dataset, const InputFile& in) const {
    return fmt::format("{}/{}{:05d}.parquet", PartitionDir(dataset, in.name.folder),
                       options_.part_prefix, in.name.subject);
  }

  Status Write(const InputFile& in, FileOutcome* out) {
    SL_ASSIGN_OR_RETURN(CleanedFile cleaned, ReadAndClean(in));
    auto rows = WriteCuratedFile(lake_, PartPath(kReadings, in), config_, cleaned);
    if (!rows.ok()) return rows.status().WithContext(in.manifest_path);
    auto quarantined = WriteQuarantineFile(lake_, PartPath(kQuarantine, in), config_, cleaned);
    if (!quarantined.ok()) return quarantined.status().WithContext(in.manifest_path);
    out->rows = *std::move(rows);
    out->quarantine = *std::move(quarantined);
    out->counts = cleaned.counts;
    CrashPoint("transform.file_done");
    return Status::OK();
  }

  // Reads a raw file, checks it is the one ingest landed, cleans it and checks that every
  // line is accounted for.
  Result<CleanedFile> ReadAndClean(const InputFile& in) {
    SL_ASSIGN_OR_RETURN(auto buffer, lake_.ReadAll(in.lake_path));
    std::string_view content(reinterpret_cast<const char*>(buffer->data()),
                             static_cast<size_t>(buffer->size()));
    // XXH3 when the manifest has it (ten times cheaper than SHA-256, and as sure to catch
    // changed bytes that nobody forged), SHA-256 otherwise.
    bool same =
        static_cast<int64_t>(content.size()) == in.bytes &&
        (in.xxh3.empty() ? Sha256::Hex(content) == in.sha256 : Xxh3::Hex(content) == in.xxh3);
    if (!same) {
      return Status::Corrupt(
          "{}: the raw file differs from the one ingest landed (size or "
          "checksum mismatch); the raw zone must not change",
          in.lake_path);
    }
    CleanedFile cleaned = CleanRawFile(content, in.name, in.manifest_path, config_);
    const FileCounts& c = cleaned.counts;
    if (!c.Conserved() || c.lines != in.lines) {
      return Status::Corrupt(
          "{}: row conservation failed: {} lines in the manifest, {} read = {} rows + {} "
          "quarantined + {} duplicates dropped",
          in.manifest_path, in.lines, c.lines, c.rows, c.quarantined, c.duplicates_dropped);
    }
    return cleaned;
  }

  const storage::Lake& lake_;
  const RunOptions& options_;
  const TransformConfig& config_;
};

// Gathers the files' outcomes into their folders, in subject order. A folder's status is
// its first real failure (a cancellation only when nothing else failed) and its seconds
// the sum of its files' (workers take files from every folder, so folders overlap).
std::array<FolderResult, 4> ByFolder(const Plan& plan,
                                     const std::array<std::vector<FileOutcome>, 4>& outcomes) {
  std::array<FolderResult, 4> results;
  for (int32_t f = 0; f < 4; ++f) {
    FolderResult& r = results[f];
    r.stats.folder = wisdm::kFolders[f];
    for (size_t i = 0; i < plan.folders[f].size(); ++i) {
      const InputFile& in = plan.folders[f][i];
      const FileOutcome& o = outcomes[f][i];
      r.stats.seconds += o.seconds;
      if (!o.status.ok()) {
        if (r.status.ok() || r.status.code() == StatusCode::kCancelled) r.status = o.status;
        continue;
      }
      if (o.rows.rows > 0) r.outputs.push_back(o.rows);
      r.quarantine.push_back(o.quarantine);
      r.stats.files++;
      r.stats.counts.Add(o.counts);
      r.stats.bytes_in += in.bytes;
      r.stats.bytes_out += o.rows.bytes + o.quarantine.bytes;
      r.files.push_back({in.manifest_path, in.lines, o.counts});
    }
  }
  return results;
}

void AppendOutputs(const std::vector<WrittenFile>& files, const char* dataset,
                   const std::string& base, nlohmann::json* out) {
  for (const auto& o : files) {
    nlohmann::json j = {{"dataset", dataset},
                        {"path", o.path.substr(base.size() + 1)},
                        {"rows", o.rows},
                        {"bytes", o.bytes}};
    if (std::string_view(dataset) == kReadings) j["row_groups"] = o.row_groups;
    j["source"] = o.source;
    out->push_back(j);
  }
}

// Sorted by "path", so that the manifest of an incremental run lists its files as a full
// rebuild does.
nlohmann::json SortedByPath(nlohmann::json entries) {
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.at("path") < b.at("path"); });
  return entries;
}

// The outputs this run wrote ("origin": this version) and those it linked from the base
// version ("origin": the version that wrote the bytes), which the Iceberg commit keeps as
// they are instead of registering them again.
nlohmann::json VersionOutputs(const std::array<FolderResult, 4>& results,
                              const std::string& staging, const std::string& version,
                              nlohmann::json reused) {
  nlohmann::json outputs = OutputsJson(results, staging);
  for (auto& o : outputs) o["origin"] = version;
  for (auto& o : reused) outputs.push_back(std::move(o));
  return SortedByPath(std::move(outputs));
}

int32_t Sum(const std::array<FolderStats, 4>& folders, int32_t FolderStats::*field) {
  int32_t n = 0;
  for (const auto& f : folders) n += f.*field;
  return n;
}

}  // namespace

std::string CuratedVersionId(const zones::RawManifest& raw, const TransformConfig& config) {
  Sha256 h;
  h.Update(fmt::format("format={}\nraw={}\nconfig={}\n", kCuratedFormatVersion, raw.content_sha256,
                       config.Canonical()));
  return "c-" + h.HexDigest().substr(0, 16);
}

std::string ConfigSha(const TransformConfig& config) { return Sha256::Hex(config.Canonical()); }

std::array<FolderResult, 4> RunFolders(const storage::Lake& lake, const Plan& plan,
                                       const TransformConfig& config, const RunOptions& options) {
  // The work items are files, not folders, biggest first: with folder-sized items two
  // workers ended 0.4 s apart in a 2.4 s scale-1 run (phone/accel is 30 % of the bytes).
  struct Item {
    int32_t folder;
    size_t index;
    int64_t bytes;
  };
  std::vector<Item> items;
  std::array<std::vector<FileOutcome>, 4> outcomes;
  int64_t total_bytes = 0;
  for (int32_t f = 0; f < 4; ++f) {
    outcomes[f].resize(plan.folders[f].size());
    for (size_t i = 0; i < plan.folders[f].size(); ++i) {
      items.push_back({f, i, plan.folders[f][i].bytes});
      total_bytes += plan.folders[f][i].bytes;
    }
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.bytes > b.bytes; });

  Progress progress("transform", total_bytes, "bytes");
  // A failed file's status makes ParallelFor hand out no new file; the statuses that count
  // are those kept in the outcomes, which ByFolder reads.
  (void)ParallelFor(static_cast<int64_t>(items.size()), options.threads, [&](int64_t k) {
    const Item& item = items[static_cast<size_t>(k)];
    FileOutcome& out = outcomes[item.folder][item.index];
    out = FileTask(lake, options, config).Run(plan.folders[item.folder][item.index]);
    if (out.status.ok()) progress.Add(item.bytes);
    return out.status;
  });
  progress.Finish();
  return ByFolder(plan, outcomes);
}

Status FirstFailure(const std::array<FolderResult, 4>& results) {
  Status failed;
  for (const auto& r : results) {
    if (!r.status.ok() && (failed.ok() || failed.code() == StatusCode::kCancelled))
      failed = r.status;
  }
  return failed;
}

nlohmann::json CountsJson(const FileCounts& c) {
  nlohmann::json by_reason = nlohmann::json::object();
  for (int32_t r = 0; r < kNumReasons; ++r) {
    if (c.by_reason[r] > 0)
      by_reason[std::string(ReasonName(static_cast<Reason>(r)))] = c.by_reason[r];
  }
  return {{"lines", c.lines},
          {"rows", c.rows},
          {"quarantined", c.quarantined},
          {"quarantined_by_reason", by_reason},
          {"duplicates_dropped", c.duplicates_dropped},
          {"reordered", c.reordered},
          {"blocks", c.blocks},
          {"conserved", c.Conserved()}};
}

Result<FileCounts> CountsFromJson(const nlohmann::json& j, std::string_view origin) {
  FileCounts c;
  try {
    c.lines = j.at("lines").get<int64_t>();
    c.rows = j.at("rows").get<int64_t>();
    c.quarantined = j.at("quarantined").get<int64_t>();
    c.duplicates_dropped = j.at("duplicates_dropped").get<int64_t>();
    c.reordered = j.at("reordered").get<int64_t>();
    c.blocks = j.at("blocks").get<int64_t>();
    for (const auto& [name, n] : j.at("quarantined_by_reason").items()) {
      int32_t r = 0;
      while (r < kNumReasons && ReasonName(static_cast<Reason>(r)) != name) ++r;
      if (r == kNumReasons)
        return Status::Invalid("{}: unknown quarantine reason '{}'", origin, name);
      c.by_reason[r] = n.get<int64_t>();
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Invalid("{}: counts are incomplete: {}", origin, e.what());
  }
  return c;
}

nlohmann::json FileRecordJson(const FileRecord& f) {
  nlohmann::json j = CountsJson(f.counts);
  j["path"] = f.path;
  j["manifest_lines"] = f.manifest_lines;
  return j;
}

nlohmann::json OutputsJson(const std::array<FolderResult, 4>& results, const std::string& base) {
  nlohmann::json outputs = nlohmann::json::array();
  for (const auto& r : results) {
    AppendOutputs(r.outputs, kReadings, base, &outputs);
    AppendOutputs(r.quarantine, kQuarantine, base, &outputs);
  }
  return outputs;
}

nlohmann::json BuildManifest(const TransformSummary& s, const TransformConfig& config,
                             const std::string& config_origin, nlohmann::json files,
                             nlohmann::json outputs, const std::vector<std::string>& ignored) {
  nlohmann::json j = s.ToJson();
  j["format"] = "sensorlake.curated-manifest/1";
  j["curated_format_version"] = kCuratedFormatVersion;
  j["engine_version"] = SENSORLAKE_VERSION;
  j["config"] = nlohmann::json::parse(config.Canonical());
  j["config_origin"] = config_origin;
  j["schema"] = {{"partitioning", "hive: device=<phone|watch>/sensor=<accel|gyro>"},
                 {"sort_order", {"subject", "activity", "timestamp_ns"}}};
  j["files"] = std::move(files);
  j["outputs"] = std::move(outputs);
  j["ignored_inputs"] = ignored;
  // Timings vary from run to run; the manifest keeps them, the Parquet files do not.
  return j;
}

Result<PreparedVersion> PrepareVersion(const storage::Lake& lake, const std::string& raw_version,
                                       const TransformConfig& config, Clock::time_point start) {
  PreparedVersion p;
  TransformSummary& summary = p.summary;
  summary.raw_version = raw_version;
  if (summary.raw_version.empty()) {
    SL_ASSIGN_OR_RETURN(summary.raw_version, zones::LatestRawVersion(lake));
  }
  SL_ASSIGN_OR_RETURN(p.raw, zones::ReadRawManifest(lake, summary.raw_version));

  storage::VersionedZone zone(lake, kZone);
  summary.curated_version = CuratedVersionId(p.raw, config);
  summary.manifest_path = zone.ManifestPath(summary.curated_version);
  summary.curated_path = storage::JoinPath(kZone, kReadings);
  summary.quarantine_path = storage::JoinPath(kZone, kQuarantine);
  for (int32_t f = 0; f < 4; ++f) summary.folders[f].folder = wisdm::kFolders[f];

  SL_RETURN_NOT_OK(zone.RemoveStaging());  // remains of a crashed run, if any
  SL_ASSIGN_OR_RETURN(bool exists, zone.HasVersion(summary.curated_version));
  if (!exists) return p;
  // Same raw input, same config, same engine format: the output would be identical.
  SL_ASSIGN_OR_RETURN(auto current, zone.CurrentVersion());
  if (current != summary.curated_version) {
    SL_RETURN_NOT_OK(zone.Publish(summary.curated_version, {kReadings, kQuarantine}));
  }
  SL_ASSIGN_OR_RETURN(std::string text, lake.ReadText(summary.manifest_path));
  auto previous = nlohmann::json::parse(text, nullptr, false);
  summary.unchanged = true;
  summary.seconds = SecondsSince(start);
  if (!previous.is_discarded() && previous.contains("totals")) {
    summary.totals.lines = previous["totals"].value("lines", int64_t{0});
    summary.totals.rows = previous["totals"].value("rows", int64_t{0});
    summary.totals.quarantined = previous["totals"].value("quarantined", int64_t{0});
    summary.totals.duplicates_dropped = previous["totals"].value("duplicates_dropped", int64_t{0});
  }
  return p;
}

Status CommitAndPublish(const storage::Lake& lake, const std::string& staging,
                        TransformSummary* summary, const nlohmann::json& manifest) {
  storage::VersionedZone zone(lake, kZone);
  const FileCounts& t = summary->totals;
  if (!t.Conserved()) {
    (void)lake.DeleteDir(staging);
    return Status::Corrupt(
        "row conservation failed for the run: {} lines != {} rows + {} "
        "quarantined + {} duplicates",
        t.lines, t.rows, t.quarantined, t.duplicates_dropped);
  }
  Status st = zone.Commit(staging, summary->curated_version, manifest.dump(2));
  if (!st.ok()) {
    (void)lake.DeleteDir(staging);
    return st;
  }
  SL_RETURN_NOT_OK(zone.Publish(summary->curated_version, {kReadings, kQuarantine}));
  // Iceberg snapshots reference version folders: with tables, `maintain` prunes them.
  SL_ASSIGN_OR_RETURN(bool owned_by_tables, tables::VersionsOwnedByTables(lake));
  return owned_by_tables ? Status::OK() : zone.PruneOldVersions(/*keep_previous=*/1);
}

}  // namespace detail

using namespace detail;  // NOLINT: this file implements them

nlohmann::json TransformSummary::ToJson() const {
  nlohmann::json folders_json = nlohmann::json::array();
  for (const auto& f : folders) {
    nlohmann::json j = CountsJson(f.counts);
    j["folder"] = f.folder.Name();
    j["files"] = f.files;
    j["reused"] = f.reused;
    j["bytes_in"] = f.bytes_in;
    j["bytes_out"] = f.bytes_out;
    j["seconds"] = f.seconds;
    folders_json.push_back(j);
  }
  return {{"raw_version", raw_version},
          {"curated_version", curated_version},
          {"unchanged", unchanged},
          {"base_version", base_version},
          {"full_reason", full_reason},
          {"files_transformed", Sum(folders, &FolderStats::files)},
          {"files_reused", Sum(folders, &FolderStats::reused)},
          {"folders", folders_json},
          {"totals", CountsJson(totals)},
          {"seconds", seconds},
          {"manifest", manifest_path},
          {"curated", curated_path},
          {"quarantine", quarantine_path}};
}

std::string TransformSummary::ToTable() const {
  std::string out =
      fmt::format("{:<12} {:>10} {:>10} {:>7} {:>11} {:>9} {:>9} {:>7}  {}\n", "folder", "lines",
                  "rows", "dups", "quarantined", "MB in", "MB out", "sec", "quarantined by reason");
  auto line = [&](std::string_view name, const FileCounts& c, int64_t in, int64_t outb,
                  double secs) {
    std::string reasons;
    for (int32_t r = 0; r < kNumReasons; ++r) {
      if (c.by_reason[r] == 0) continue;
      if (!reasons.empty()) reasons += ", ";
      reasons += fmt::format("{} {}", ReasonName(static_cast<Reason>(r)), c.by_reason[r]);
    }
    out += fmt::format("{:<12} {:>10} {:>10} {:>7} {:>11} {:>9.1f} {:>9.1f} {:>7.1f}  {}\n", name,
                       c.lines, c.rows, c.duplicates_dropped, c.quarantined, in / 1e6, outb / 1e6,
                       secs, reasons.empty() ? "-" : reasons);
  };
  int64_t in = 0, outb = 0;
  for (const auto& f : folders) {
    line(f.folder.Name(), f.counts, f.bytes_in, f.bytes_out, f.seconds);
    in += f.bytes_in;
    outb += f.bytes_out;
  }
  line("total", totals, in, outb, seconds);
  if (!unchanged) {
    out += base_version.empty() ? fmt::format("{} raw files transformed (full run: {})\n",
                                              Sum(folders, &FolderStats::files), full_reason)
                                : fmt::format(
                                      "{} raw files transformed, {} unchanged taken over from {} "
                                      "(incremental run; --full transforms every file)\n",
                                      Sum(folders, &FolderStats::files),
                                      Sum(folders, &FolderStats::reused), base_version);
  }
  return out;
}

Result<TransformSummary> RunTransform(const storage::Lake& lake, const TransformOptions& options) {
  auto start = Clock::now();
  SL_ASSIGN_OR_RETURN(auto lock, storage::LakeLock::Acquire(lake, "curated", "transform"));
  SL_ASSIGN_OR_RETURN(PreparedVersion prepared,
                      PrepareVersion(lake, options.dataset_version, options.config, start));
  TransformSummary& summary = prepared.summary;
  if (summary.unchanged) return summary;

  Plan plan = PlanInputs(prepared.raw);
  int64_t n_inputs = 0;
  for (const auto& files : plan.folders) n_inputs += static_cast<int64_t>(files.size());
  if (n_inputs == 0) {
    return Status::Invalid(
        "raw version {} holds no raw sensor files (raw/<device>/<sensor>/"
        "data_<subject>_<sensor>_<device>.txt)",
        summary.raw_version);
  }
  Reuse reuse;
  if (options.full) {
    reuse.reason = "--full";
  } else {
    SL_ASSIGN_OR_RETURN(reuse, TakeReusable(lake, options.config, &plan));
  }
  summary.base_version = reuse.base_version;
  summary.full_reason = reuse.reason;
  storage::VersionedZone zone(lake, kZone);
  RunOptions run;
  SL_ASSIGN_OR_RETURN(run.staging, zone.CreateStaging(summary.curated_version));
  run.part_prefix = "part-";
  run.threads = ThreadsOrCores(options.threads);
  auto results = RunFolders(lake, plan, options.config, run);
  Status failed = FirstFailure(results);
  nlohmann::json reused_outputs = nlohmann::json::array();
  if (failed.ok() && !reuse.base_version.empty()) {
    failed = LinkReused(lake, reuse, run.staging, &results, &reused_outputs);
  }
  if (!failed.ok()) {
    (void)lake.DeleteDir(run.staging);  // never leave a half-written version behind
    return failed;
  }
  nlohmann::json files = nlohmann::json::array();
  for (int32_t f = 0; f < 4; ++f) {
    summary.folders[f] = results[f].stats;
    summary.totals.Add(results[f].stats.counts);
    for (const auto& rec : results[f].files) files.push_back(FileRecordJson(rec));
  }
  summary.seconds = SecondsSince(start);
  nlohmann::json manifest = BuildManifest(
      summary, options.config, options.config_origin, SortedByPath(std::move(files)),
      VersionOutputs(results, run.staging, summary.curated_version, std::move(reused_outputs)),
      plan.ignored);
  SL_RETURN_NOT_OK(CommitAndPublish(lake, run.staging, &summary, manifest));
  summary.seconds = SecondsSince(start);
  return summary;
}

}  // namespace sensorlake::transform
