#include "sensorlake/features/features.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <numeric>
#include <span>

#include <arrow/api.h>
#include <fmt/format.h>
#include <parquet/arrow/writer.h>

#include "features/arff.h"
#include "features/window_reuse.h"
#include "features/windowing.h"
#include "sensorlake/common/parallel_for.h"
#include "sensorlake/common/progress.h"
#include "sensorlake/common/sha256.h"
#include "sensorlake/storage/lake_lock.h"
#include "sensorlake/storage/versioned_zone.h"
#include "sensorlake/tables/iceberg_tables.h"
#include "sensorlake/wisdm/schema.h"
#include "sensorlake/zones/curated_reader.h"

namespace sensorlake::features {
namespace {

constexpr const char* kZone = "features";
constexpr const char* kWindows = "windows";
// Bump when the output of a mode changes. 2: one file per curated file (subject).
constexpr int32_t kFormatVersion = 2;

using Clock = std::chrono::steady_clock;

// One window and its attributes.
struct WindowRow {
  int8_t activity = 0;
  int32_t block = 0;      // block of the first reading
  int32_t end_block = 0;  // block of the last reading (differs only in arffmagic mode)
  int32_t window = 0;     // ordinal in the subject's stream
  int64_t first_ns = 0;
  int64_t last_ns = 0;
  int32_t readings = 0;
  Attributes values{};
};

struct SubjectWindows {
  int32_t folder = 0;
  int32_t subject = 0;
  int64_t readings = 0;
  std::vector<WindowRow> rows;
  std::string source;  // the curated file, as its version's manifest names it
};

// One subject's readings of one folder, in stream order (block, then sample): views of the
// row group's columns when it holds them in that order, else of reordered copies.
struct Stream {
  std::span<const int8_t> activity;
  std::span<const int32_t> block;
  std::span<const int64_t> ts;
  std::array<std::vector<double>, 3> xyz;
  // The copies the views point into when the rows had to be gathered.
  std::vector<int8_t> own_activity;
  std::vector<int32_t> own_block;
  std::vector<int64_t> own_ts;
};

// Curated rows are sorted by activity, then timestamp; the raw file held its blocks in
// block order, and arffmagic's windows follow that order.
Stream BuildStream(std::vector<size_t> rows, const zones::CuratedRowGroup& g, FeatureMode mode) {
  auto before = [&](size_t a, size_t b) {
    return std::pair(g.block[a], g.sample[a]) < std::pair(g.block[b], g.sample[b]);
  };
  // The curated file is written in this order already: checking is a pass, sorting is not.
  if (!std::is_sorted(rows.begin(), rows.end(), before)) {
    std::stable_sort(rows.begin(), rows.end(), before);
  }
  Stream s;
  // Distinct row numbers, as many as the group has, in ascending order: the group as it is.
  const bool whole_group =
      rows.size() == static_cast<size_t>(g.num_rows) && std::is_sorted(rows.begin(), rows.end());
  if (whole_group) {
    s.activity = g.activity, s.block = g.block, s.ts = g.timestamp_ns;
  } else {
    for (size_t r : rows) {
      s.own_activity.push_back(g.activity[r]);
      s.own_block.push_back(g.block[r]);
      s.own_ts.push_back(g.timestamp_ns[r]);
    }
    s.activity = s.own_activity, s.block = s.own_block, s.ts = s.own_ts;
  }
  const std::array<std::span<const float>, 3> xyz = {g.x, g.y, g.z};
  for (size_t a = 0; a < 3; ++a) {
    auto& axis = s.xyz[a];
    axis.resize(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      float v = xyz[a][rows[i]];
      axis[i] = mode == FeatureMode::kArffmagic ? ArffmagicValue(v) : static_cast<double>(v);
    }
  }
  return s;
}

SubjectWindows ComputeSubject(int32_t folder, int32_t subject, const Stream& s, FeatureMode mode) {
  SubjectWindows out{folder, subject, static_cast<int64_t>(s.ts.size()), {}, {}};
  auto spans = CutWindows(s.activity, s.block, mode);
  int32_t ordinal = 0;
  for (const WindowSpan& w : spans) {
    auto b = static_cast<size_t>(w.begin), len = static_cast<size_t>(w.end - w.begin);
    WindowValues v{std::span(s.xyz[0]).subspan(b, len), std::span(s.xyz[1]).subspan(b, len),
                   std::span(s.xyz[2]).subspan(b, len), s.ts.subspan(b, len)};
    out.rows.push_back({w.activity, s.block[b], s.block[b + len - 1], ordinal++, s.ts[b],
                        s.ts[b + len - 1], static_cast<int32_t>(len), ComputeAttributes(v, mode)});
  }
  return out;
}

// Reads one row group (one subject per row group in the curated layout, but any mix works
// as long as no subject spans row groups, which the caller verifies).
Status ProcessRowGroup(const zones::CuratedRowGroup& g, int32_t folder, FeatureMode mode,
                       std::vector<SubjectWindows>* out) {
  std::map<int32_t, std::vector<size_t>> by_subject;
  const auto n = static_cast<size_t>(g.num_rows);
  if (n > 0 && std::all_of(g.subject.begin(), g.subject.end(),
                           [&](int16_t s) { return s == g.subject[0]; })) {
    auto& rows = by_subject[g.subject[0]];  // the curated layout: one subject per row group
    rows.resize(n);
    std::iota(rows.begin(), rows.end(), size_t{0});
  } else {
    for (size_t i = 0; i < n; ++i) by_subject[g.subject[i]].push_back(i);
  }
  for (auto& [subj, rows] : by_subject) {
    Stream s = BuildStream(std::move(rows), g, mode);
    out->push_back(ComputeSubject(folder, subj, s, mode));
  }
  return Status::OK();
}

Status ProcessPart(const storage::Lake& lake, const zones::CuratedPart& part, FeatureMode mode,
                   std::vector<SubjectWindows>* out) {
  using F = zones::CuratedField;
  return zones::ForEachCuratedRowGroup(
      lake, part,
      {F::kSubject, F::kActivity, F::kTimestampNs, F::kX, F::kY, F::kZ, F::kBlock, F::kSample},
      [&](const zones::CuratedRowGroup& g) { return ProcessRowGroup(g, part.folder, mode, out); });
}

// ---- Parquet output ----------------------------------------------------------------------

std::shared_ptr<arrow::Schema> WindowsSchema(FeatureMode mode) {
  std::vector<std::shared_ptr<arrow::Field>> fields = {
      arrow::field("subject", arrow::int16(), false),
      arrow::field("activity", arrow::dictionary(arrow::int8(), arrow::utf8()), false),
      arrow::field("block", arrow::int32(), false),
      arrow::field("end_block", arrow::int32(), false),
      arrow::field("window", arrow::int32(), false),
      arrow::field("first_timestamp_ns", arrow::int64(), false),
      arrow::field("last_timestamp_ns", arrow::int64(), false),
      arrow::field("readings", arrow::int32(), false)};
  for (const auto& name : AttributeNames()) fields.push_back(arrow::field(name, arrow::float64()));
  auto meta = arrow::key_value_metadata({"sensorlake.feature_mode", "sensorlake.sort_order"},
                                        {std::string(FeatureModeName(mode)), "subject,window"});
  return arrow::schema(fields, meta);
}

template <typename Builder, typename Get>
Result<std::shared_ptr<arrow::Array>> BuildColumn(const std::vector<const WindowRow*>& rows,
                                                  Get get) {
  Builder b;
  SL_RETURN_NOT_OK_ARROW(b.Reserve(static_cast<int64_t>(rows.size())));
  for (const WindowRow* r : rows) SL_RETURN_NOT_OK_ARROW(b.Append(get(*r)));
  std::shared_ptr<arrow::Array> out;
  SL_RETURN_NOT_OK_ARROW(b.Finish(&out));
  return out;
}

Result<std::shared_ptr<arrow::Table>> WindowsTable(const std::vector<SubjectWindows>& subjects,
                                                   FeatureMode mode) {
  std::vector<const WindowRow*> rows;
  std::vector<int16_t> subject_of;
  for (const auto& s : subjects) {
    for (const auto& r : s.rows) {
      rows.push_back(&r);
      subject_of.push_back(static_cast<int16_t>(s.subject));
    }
  }
  std::vector<std::shared_ptr<arrow::Array>> cols;
  arrow::Int16Builder sb;
  SL_RETURN_NOT_OK_ARROW(sb.AppendValues(subject_of));
  cols.emplace_back();
  SL_RETURN_NOT_OK_ARROW(sb.Finish(&cols.back()));
  arrow::StringBuilder dict;
  for (char c : wisdm::kActivityCodes) SL_RETURN_NOT_OK_ARROW(dict.Append(std::string(1, c)));
  std::shared_ptr<arrow::Array> dict_values;
  SL_RETURN_NOT_OK_ARROW(dict.Finish(&dict_values));
  SL_ASSIGN_OR_RETURN(auto codes, BuildColumn<arrow::Int8Builder>(
                                      rows, [](const WindowRow& r) { return r.activity; }));
  cols.push_back(std::make_shared<arrow::DictionaryArray>(
      arrow::dictionary(arrow::int8(), arrow::utf8()), codes, dict_values));
  using I32 = arrow::Int32Builder;
  using I64 = arrow::Int64Builder;
  SL_ASSIGN_OR_RETURN(auto block, BuildColumn<I32>(rows, [](auto& r) { return r.block; }));
  SL_ASSIGN_OR_RETURN(auto end_block, BuildColumn<I32>(rows, [](auto& r) { return r.end_block; }));
  SL_ASSIGN_OR_RETURN(auto window, BuildColumn<I32>(rows, [](auto& r) { return r.window; }));
  SL_ASSIGN_OR_RETURN(auto first, BuildColumn<I64>(rows, [](auto& r) { return r.first_ns; }));
  SL_ASSIGN_OR_RETURN(auto last, BuildColumn<I64>(rows, [](auto& r) { return r.last_ns; }));
  SL_ASSIGN_OR_RETURN(auto readings, BuildColumn<I32>(rows, [](auto& r) { return r.readings; }));
  for (auto& c : {block, end_block, window, first, last, readings}) cols.push_back(c);
  for (size_t a = 0; a < kNumAttributes; ++a) {
    arrow::DoubleBuilder b;
    SL_RETURN_NOT_OK_ARROW(b.Reserve(static_cast<int64_t>(rows.size())));
    for (const WindowRow* r : rows) {
      double v = r->values[a];
      // Corrected mode says "undefined" the Parquet way; compat keeps the tool's NaN.
      if (std::isnan(v) && mode == FeatureMode::kCorrected) {
        SL_RETURN_NOT_OK_ARROW(b.AppendNull());
      } else {
        SL_RETURN_NOT_OK_ARROW(b.Append(v));
      }
    }
    cols.emplace_back();
    SL_RETURN_NOT_OK_ARROW(b.Finish(&cols.back()));
  }
  return arrow::Table::Make(WindowsSchema(mode), cols, static_cast<int64_t>(rows.size()));
}

Result<int64_t> WriteWindows(const storage::Lake& lake, const std::string& path,
                             const arrow::Table& table) {
  SL_ASSIGN_OR_RETURN(auto sink, lake.OpenOutputStream(path));
  parquet::WriterProperties::Builder props;
  props.compression(parquet::Compression::ZSTD)->max_row_group_length(int64_t{1} << 26);
  auto arrow_props = parquet::ArrowWriterProperties::Builder().store_schema()->build();
  SL_ASSIGN_OR_RETURN_ARROW(
      auto writer, parquet::arrow::FileWriter::Open(*table.schema(), arrow::default_memory_pool(),
                                                    sink, props.build(), arrow_props));
  if (table.num_rows() > 0) SL_RETURN_NOT_OK_ARROW(writer->WriteTable(table, table.num_rows()));
  SL_RETURN_NOT_OK_ARROW(writer->Close());
  SL_ASSIGN_OR_RETURN_ARROW(int64_t bytes, sink->Tell());
  SL_RETURN_NOT_OK_ARROW(sink->Close());
  return bytes;
}

// ---- The stage ---------------------------------------------------------------------------

// What is done with each subject's windows as soon as they are computed: written into the
// staging folder, returning what the manifest says of the file.
using SubjectWriter = std::function<Result<nlohmann::json>(const SubjectWindows&)>;

// Runs every part on `threads` workers; the result is sorted by folder and subject. With
// `write` set, each subject's windows are written as soon as they are computed and their
// manifest entries collected in `written`; unless `keep_rows` (an ARFF export needs every
// window), the rows are then dropped, so the stage's memory does not grow with the data.
Result<std::vector<SubjectWindows>> ComputeAll(const storage::Lake& lake,
                                               const std::string& version_dir,
                                               const std::vector<zones::CuratedPart>& parts,
                                               FeatureMode mode, int32_t threads,
                                               const SubjectWriter& write, bool keep_rows,
                                               std::vector<nlohmann::json>* written) {
  std::vector<SubjectWindows> all;
  std::mutex mu;
  Progress progress("features", static_cast<int64_t>(parts.size()), "files");
  Status st = ParallelFor(static_cast<int64_t>(parts.size()), threads, [&](int64_t n) -> Status {
    const zones::CuratedPart& part = parts[static_cast<size_t>(n)];
    std::vector<SubjectWindows> got;
    SL_RETURN_NOT_OK(ProcessPart(lake, part, mode, &got));
    std::vector<nlohmann::json> outputs;
    for (auto& s : got) {
      s.source = PathInVersion(version_dir, part);
      if (!write) continue;
      SL_ASSIGN_OR_RETURN(nlohmann::json entry, write(s));
      outputs.push_back(std::move(entry));
      if (!keep_rows) std::vector<WindowRow>().swap(s.rows);
    }
    std::lock_guard<std::mutex> lock(mu);
    for (auto& s : got) all.push_back(std::move(s));
    for (auto& o : outputs) written->push_back(std::move(o));
    progress.Add(1);
    return Status::OK();
  });
  progress.Finish();
  SL_RETURN_NOT_OK(st);
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return std::pair(a.folder, a.subject) < std::pair(b.folder, b.subject);
  });
  for (size_t i = 1; i < all.size(); ++i) {
    if (all[i].folder == all[i - 1].folder && all[i].subject == all[i - 1].subject) {
      return Status::Corrupt("{} subject {}: readings split across row groups or files",
                             wisdm::kFolders[static_cast<size_t>(all[i].folder)].Name(),
                             all[i].subject);
    }
  }
  return all;
}

std::string ManifestFormat() { return fmt::format("sensorlake.features/{}", kFormatVersion); }

std::string FeaturesVersionId(const std::string& curated_version, FeatureMode mode) {
  Sha256 h;
  h.Update(fmt::format("format={}\ncurated={}\nmode={}\n", kFormatVersion, curated_version,
                       FeatureModeName(mode)));
  return "f-" + h.HexDigest().substr(0, 16);
}

int64_t NanValues(const SubjectWindows& sw) {
  int64_t n = 0;
  for (const auto& r : sw.rows) {
    n += std::count_if(r.values.begin(), r.values.end(), [](double v) { return std::isnan(v); });
  }
  return n;
}

// Counts the windows of `all` (with their rows) and of `entries` (manifest entries).
void Tally(const std::vector<SubjectWindows>& all, const std::vector<nlohmann::json>& entries,
           FeaturesSummary* s) {
  auto add = [s](int32_t folder, int64_t readings, int64_t windows, int64_t nan_values) {
    auto& f = s->folders[static_cast<size_t>(folder)];
    ++f.subjects;
    f.readings += readings;
    f.windows += windows;
    f.nan_values += nan_values;
    s->windows += windows;
  };
  for (const auto& sw : all) {
    add(sw.folder, sw.readings, static_cast<int64_t>(sw.rows.size()), NanValues(sw));
  }
  for (const auto& o : entries) {
    add(o.at("folder").get<int32_t>(), o.at("readings").get<int64_t>(), o.at("rows").get<int64_t>(),
        o.at("nan_values").get<int64_t>());
  }
}

nlohmann::json FolderJson(const FolderFeatures& f) {
  return {{"subjects", f.subjects},
          {"readings", f.readings},
          {"windows", f.windows},
          {"nan_values", f.nan_values}};
}

// One subject's windows as windows/device=<d>/sensor=<s>/part-<subject>.parquet, with what
// the manifest says of it (its counts, the curated file it came from, this version).
Result<nlohmann::json> WriteSubject(const storage::Lake& lake, const std::string& staging,
                                    const SubjectWindows& sw, const FeaturesSummary& s) {
  const wisdm::Folder folder = wisdm::kFolders[static_cast<size_t>(sw.folder)];
  std::string rel =
      fmt::format("{}/device={}/sensor={}/part-{:05d}.parquet", kWindows,
                  wisdm::DeviceName(folder.device), wisdm::SensorName(folder.sensor), sw.subject);
  SL_ASSIGN_OR_RETURN(auto table, WindowsTable({sw}, s.mode));
  SL_ASSIGN_OR_RETURN(int64_t bytes, WriteWindows(lake, storage::JoinPath(staging, rel), *table));
  return nlohmann::json{{"path", rel},
                        {"rows", table->num_rows()},
                        {"bytes", bytes},
                        {"folder", sw.folder},
                        {"subject", sw.subject},
                        {"readings", sw.readings},
                        {"nan_values", NanValues(sw)},
                        {"source", sw.source},
                        {"origin", s.features_version}};
}

// Links the reused files from the base version into the staging folder, where the computed
// ones were written, then commits it with the manifest; the staging folder goes on failure.
Status CommitVersion(const storage::Lake& lake, const storage::VersionedZone& zone,
                     const std::string& staging, std::vector<nlohmann::json> outputs,
                     const ReusedWindows& reused, const FeaturesSummary& s) {
  Status st;
  for (const auto& o : reused.outputs) {
    std::string rel = o.at("path").get<std::string>();
    st = lake.Link(storage::JoinPath(zone.VersionDir(reused.base_version), rel),
                   storage::JoinPath(staging, rel));
    if (!st.ok()) break;
    outputs.push_back(o);
  }
  if (!st.ok()) {
    (void)lake.DeleteDir(staging);
    return st;
  }
  std::sort(outputs.begin(), outputs.end(),
            [](const auto& a, const auto& b) { return a.at("path") < b.at("path"); });
  nlohmann::json folders = nlohmann::json::object();
  for (const auto& f : wisdm::kFolders) folders[f.Name()] = FolderJson(s.folders[f.index()]);
  nlohmann::json manifest = {{"format", ManifestFormat()},
                             {"features_version", s.features_version},
                             {"curated_version", s.curated_version},
                             {"mode", FeatureModeName(s.mode)},
                             {"window_readings", kWindowReadings},
                             {"windows", s.windows},
                             {"folders", folders},
                             {"outputs", outputs}};
  st = zone.Commit(staging, s.features_version, manifest.dump(2));
  if (!st.ok()) (void)lake.DeleteDir(staging);
  return st;
}

Result<std::vector<std::string>> ExportArff(const std::string& dir,
                                            const std::vector<SubjectWindows>& all,
                                            FeatureMode mode) {
  std::vector<std::string> written;
  for (const auto& sw : all) {
    const wisdm::Folder folder = wisdm::kFolders[static_cast<size_t>(sw.folder)];
    std::filesystem::path out = std::filesystem::absolute(dir) /
                                std::string(wisdm::DeviceName(folder.device)) /
                                std::string(wisdm::SensorName(folder.sensor));
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    if (ec) return Status::IOError("{}: {}", out.string(), ec.message());
    out /= fmt::format("data_{}_{}_{}.arff", sw.subject, wisdm::SensorName(folder.sensor),
                       wisdm::DeviceName(folder.device));
    std::vector<ArffRow> rows;
    for (const auto& r : sw.rows) {
      rows.push_back({wisdm::kActivityCodes[static_cast<size_t>(r.activity)], r.values});
    }
    std::ofstream f(out, std::ios::binary);
    f << FormatArff(sw.subject, rows, mode);
    f.close();
    if (!f) return Status::IOError("{}: write failed", out.string());
    written.push_back(out.string());
  }
  return written;
}

Result<std::string> ResolveCurated(const storage::Lake& lake, const std::string& wanted) {
  storage::VersionedZone curated(lake, "curated");
  std::string id = wanted;
  if (id.empty()) {
    SL_ASSIGN_OR_RETURN(auto current, curated.CurrentVersion());
    if (!current) {
      return Status::NotFound("{}: no curated version is published yet (run sensorlake transform)",
                              lake.uri());
    }
    id = *current;
  }
  SL_ASSIGN_OR_RETURN(bool complete, curated.HasVersion(id));
  if (!complete) {
    return Status::NotFound("{}: curated version {} does not exist or is incomplete", lake.uri(),
                            id);
  }
  return id;
}

// The counts of a version that exists already, from its manifest.
Status ReadPublishedCounts(const storage::Lake& lake, const storage::VersionedZone& zone,
                           FeaturesSummary* s) {
  std::string path = zone.ManifestPath(s->features_version);
  SL_ASSIGN_OR_RETURN(std::string text, lake.ReadText(path));
  try {
    auto j = nlohmann::json::parse(text);
    s->windows = j.at("windows").get<int64_t>();
    for (const auto& f : wisdm::kFolders) {
      const auto& c = j.at("folders").at(f.Name());
      auto& out = s->folders[static_cast<size_t>(f.index())];
      out.subjects = c.at("subjects").get<int64_t>();
      out.readings = c.at("readings").get<int64_t>();
      out.windows = c.at("windows").get<int64_t>();
      out.nan_values = c.at("nan_values").get<int64_t>();
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Corrupt("{}: unexpected manifest content: {}", path, e.what());
  }
  return Status::OK();
}

}  // namespace

nlohmann::json FeaturesSummary::ToJson() const {
  nlohmann::json folders_json = nlohmann::json::object();
  for (const auto& f : wisdm::kFolders) folders_json[f.Name()] = FolderJson(folders[f.index()]);
  return {{"features_version", features_version},
          {"curated_version", curated_version},
          {"mode", FeatureModeName(mode)},
          {"unchanged", unchanged},
          {"windows", windows},
          {"base_version", base_version},
          {"full_reason", full_reason},
          {"files_computed", files_computed},
          {"files_reused", files_reused},
          {"folders", folders_json},
          {"windows_path", windows_path},
          {"arff_files", arff_files},
          {"seconds", seconds}};
}

std::string FeaturesSummary::ToText() const {
  std::string out = fmt::format("features {} ({} mode) from curated {}{}\n", features_version,
                                FeatureModeName(mode), curated_version,
                                unchanged ? ": already published, unchanged" : "");
  for (const auto& f : wisdm::kFolders) {
    const auto& c = folders[f.index()];
    out += fmt::format("  {:<12} {:>3} subjects {:>10} readings {:>8} windows {:>6} undefined\n",
                       f.Name(), c.subjects, c.readings, c.windows, c.nan_values);
  }
  out += fmt::format("  total {} windows in {:.2f} s -> {}\n", windows, seconds, windows_path);
  if (!arff_files.empty()) out += fmt::format("  {} ARFF files written\n", arff_files.size());
  return out;
}

Result<FeaturesSummary> RunFeatures(const storage::Lake& lake, const FeaturesOptions& options) {
  auto start = Clock::now();
  SL_ASSIGN_OR_RETURN(auto lock, storage::LakeLock::Acquire(lake, kZone, "features"));
  FeaturesSummary s;
  s.mode = options.mode;
  SL_ASSIGN_OR_RETURN(s.curated_version, ResolveCurated(lake, options.curated_version));
  s.features_version = FeaturesVersionId(s.curated_version, s.mode);
  s.windows_path = storage::JoinPath(kZone, kWindows);
  storage::VersionedZone zone(lake, kZone);
  SL_RETURN_NOT_OK(zone.RemoveStaging());  // remains of a crashed run, if any
  SL_ASSIGN_OR_RETURN(s.unchanged, zone.HasVersion(s.features_version));
  if (s.unchanged) SL_RETURN_NOT_OK(ReadPublishedCounts(lake, zone, &s));
  if (!s.unchanged || !options.export_arff_dir.empty()) {
    storage::VersionedZone curated(lake, "curated");
    std::string version_dir = curated.VersionDir(s.curated_version);
    SL_ASSIGN_OR_RETURN(auto parts, zones::ListCuratedParts(lake, version_dir));
    ReusedWindows reused;
    // An ARFF export writes every subject's windows, so they are all computed.
    if (options.full || !options.export_arff_dir.empty() || s.unchanged) {
      reused.reason = options.full ? "--full" : "every window is needed";
    } else {
      SL_ASSIGN_OR_RETURN(reused,
                          TakeReusableWindows(lake, s.curated_version, ManifestFormat(),
                                              std::string(FeatureModeName(s.mode)), &parts));
    }
    // A new version's files are written as they are computed, into its staging folder.
    std::string staging;
    SubjectWriter write;
    if (!s.unchanged) {
      SL_ASSIGN_OR_RETURN(staging, zone.CreateStaging(s.features_version));
      write = [&](const SubjectWindows& sw) { return WriteSubject(lake, staging, sw, s); };
    }
    const bool keep_rows = !options.export_arff_dir.empty();
    std::vector<nlohmann::json> written;
    auto all =
        ComputeAll(lake, version_dir, parts, s.mode, options.threads, write, keep_rows, &written);
    if (!all.ok()) {
      if (!staging.empty()) (void)lake.DeleteDir(staging);
      return all.status();
    }
    s.windows = 0;
    s.folders = {};
    if (keep_rows) {
      Tally(*all, reused.outputs, &s);
    } else {
      std::vector<nlohmann::json> entries = written;
      entries.insert(entries.end(), reused.outputs.begin(), reused.outputs.end());
      Tally({}, entries, &s);
    }
    s.base_version = reused.base_version;
    s.full_reason = reused.reason;
    s.files_computed = static_cast<int64_t>(parts.size());
    s.files_reused = static_cast<int64_t>(reused.outputs.size());
    if (!s.unchanged) {
      SL_RETURN_NOT_OK(CommitVersion(lake, zone, staging, std::move(written), reused, s));
    }
    if (!options.export_arff_dir.empty()) {
      SL_ASSIGN_OR_RETURN(s.arff_files, ExportArff(options.export_arff_dir, *all, s.mode));
    }
  }
  SL_ASSIGN_OR_RETURN(auto current, zone.CurrentVersion());
  if (current != s.features_version) SL_RETURN_NOT_OK(zone.Publish(s.features_version, {kWindows}));
  // Iceberg snapshots reference version folders: with tables, `maintain` prunes them.
  SL_ASSIGN_OR_RETURN(bool owned_by_tables, tables::VersionsOwnedByTables(lake));
  if (!owned_by_tables) SL_RETURN_NOT_OK(zone.PruneOldVersions(/*keep_previous=*/1));
  s.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return s;
}

}  // namespace sensorlake::features
