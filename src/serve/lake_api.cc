#include "sensorlake/serve/lake_api.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <arrow/io/interfaces.h>
#include <arrow/result.h>
#include <fmt/format.h>

#include "sensorlake/zones/curated_reader.h"

namespace sensorlake::serve {

namespace {

using nlohmann::json;

Result<json> ReadJson(const storage::Lake& lake, const std::string& rel) {
  SL_ASSIGN_OR_RETURN(std::string text, lake.ReadText(rel));
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corrupt("{}: not valid JSON", lake.DisplayPath(rel));
  return j;
}

// Sums a number over the transform summary's folders ("rows", "quarantined", ...).
int64_t SumFolders(const json& transform_summary, const char* key) {
  int64_t total = 0;
  for (const auto& f : transform_summary.value("folders", json::array())) {
    if (f.is_object() && f.contains(key) && f[key].is_number()) total += f[key].get<int64_t>();
  }
  return total;
}

const json* StageSummary(const json& record, std::string_view stage) {
  // By reference into the record: the pointer returned must outlive this loop.
  if (!record.contains("stages") || !record["stages"].is_array()) return nullptr;
  for (const auto& s : record["stages"]) {
    if (s.is_object() && s.value("stage", "") == stage && s.contains("summary") &&
        s["summary"].is_object()) {
      return &s["summary"];
    }
  }
  return nullptr;
}

json RunSummary(const json& r) {
  json out = {{"run_id", r.value("run_id", "")},
              {"outcome", r.value("outcome", "")},
              {"started_at", r.value("started_at", "")},
              {"finished_at", r.value("finished_at", "")},
              {"seconds", r.value("seconds", 0.0)},
              {"failed_stage", r.value("failed_stage", "")},
              {"error", r.value("error", "")},
              {"gate_failed", r.value("gate_failed", false)},
              {"resumed_from", r.value("resumed_from", "")},
              {"orchestrator", r.value("orchestrator", json::object())},
              {"versions", r.value("versions", json::object())}};
  if (const json* t = StageSummary(r, "transform")) {
    out["rows"] = SumFolders(*t, "rows");
    out["lines"] = SumFolders(*t, "lines");
    out["quarantined"] = SumFolders(*t, "quarantined");
  }
  if (const json* c = StageSummary(r, "check")) {
    out["quality"] = {{"success", c->value("success", false)},
                      {"counts", c->value("counts", json::object())},
                      {"run_id", c->value("run_id", "")}};
  }
  return out;
}

// What each run produced from what: source -> raw -> curated -> quality / features -> published.
json Lineage(const json& r) {
  const json v = r.value("versions", json::object());
  const json in = r.value("input", json::object());
  std::string source = in.value("source", "");
  if (source.empty() && in.value("generate_scale", 0.0) > 0) {
    source = fmt::format("generated, scale {} seed {}", in.value("generate_scale", 0.0),
                         in.value("generate_seed", 0));
  }
  json nodes = json::array(), edges = json::array();
  auto node = [&](const std::string& id, const std::string& kind, const std::string& label) {
    if (!label.empty()) nodes.push_back({{"id", id}, {"kind", kind}, {"label", label}});
  };
  node("source", "source", source);
  node("raw", "raw", v.value("raw", ""));
  node("curated", "curated", v.value("curated", ""));
  node("quality", "quality run", v.value("quality_run", ""));
  node("features", "features", v.value("features", ""));
  const json* pub = StageSummary(r, "publish");
  if (pub != nullptr) node("published", "published", pub->value("published_at", ""));
  node("snapshot", "Iceberg snapshot", v.value("snapshot", ""));
  auto has = [&](const char* id) {
    return std::any_of(nodes.begin(), nodes.end(), [&](const json& n) { return n["id"] == id; });
  };
  for (auto [from, to, how] : std::initializer_list<std::array<const char*, 3>>{
           {"source", "raw", "ingest"},
           {"raw", "curated", "transform"},
           {"curated", "quality", "check"},
           {"curated", "features", "features"},
           {"quality", "published", "publish (gate passed)"},
           {"published", "snapshot", "main of sensorlake.sensor_readings"}}) {
    if (has(from) && has(to)) edges.push_back({{"from", from}, {"to", to}, {"stage", how}});
  }
  return {{"nodes", nodes}, {"edges", edges}};
}

bool DataPathChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '=' || c == '-';
}

// Adds one row group's readings, seconds and blocks per subject and activity to `index`.
Status IndexRowGroup(const zones::CuratedRowGroup& g, const zones::CuratedPart& part,
                     DatasetIndex* index) {
  auto& rows = index->rows[static_cast<size_t>(part.folder)];
  auto& secs = index->seconds[static_cast<size_t>(part.folder)];
  auto& blk = index->blocks[static_cast<size_t>(part.folder)];
  auto& part_of = index->part_of_subject[static_cast<size_t>(part.folder)];
  const auto n = static_cast<size_t>(g.num_rows);
  size_t run_start = 0;
  for (size_t i = 0; i < n; ++i) {
    int32_t s = g.subject[i] - wisdm::kFirstSubject;
    if (s < 0 || s >= wisdm::kNumSubjects) {
      return Status::Corrupt("{}: subject {} out of range", part.lake_path, g.subject[i]);
    }
    auto su = static_cast<size_t>(s), a = static_cast<size_t>(static_cast<uint8_t>(g.activity[i]));
    ++rows[su][a];
    if (part_of[su].empty()) part_of[su] = part.lake_path;  // the first part wins for signals
    // A block is a run of one (subject, activity, block); its duration adds up.
    bool last = i + 1 == n || g.subject[i + 1] != g.subject[i] ||
                g.activity[i + 1] != g.activity[i] || g.block[i + 1] != g.block[i];
    if (last) {
      secs[su][a] += static_cast<double>(g.timestamp_ns[i] - g.timestamp_ns[run_start]) / 1e9;
      ++blk[su][a];
      run_start = i + 1;
    }
  }
  return Status::OK();
}

}  // namespace

Status CheckDataPath(std::string_view rel) {
  if (rel.empty() || rel.front() == '/') return Status::Refused("path '{}' must be relative", rel);
  size_t start = 0;
  while (start <= rel.size()) {
    size_t end = rel.find('/', start);
    if (end == std::string_view::npos) end = rel.size();
    std::string_view seg = rel.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") {
      return Status::Refused("path '{}' has an empty, '.' or '..' segment", rel);
    }
    if (!std::all_of(seg.begin(), seg.end(), DataPathChar)) {
      return Status::Refused("path '{}' has a character outside [A-Za-z0-9._=-]", rel);
    }
    start = end + 1;
  }
  return Status::OK();
}

Status CheckId(std::string_view id, std::string_view what) {
  bool ok = !id.empty() && id.size() < 64 && id.find("..") == std::string_view::npos &&
            std::all_of(id.begin(), id.end(), [](char c) { return DataPathChar(c) && c != '='; });
  if (!ok) return Status::Invalid("'{}' is not a {} id", id, what);
  return Status::OK();
}

LakeApi::LakeApi(std::unique_ptr<storage::Lake> lake) : lake_(std::move(lake)) {}

Result<json> LakeApi::Runs() const {
  SL_ASSIGN_OR_RETURN(auto files, lake_->ListFiles("_runs", /*recursive=*/false));
  json runs = json::array(), unreadable = json::array();
  for (const auto& f : files) {
    if (!f.path.ends_with(".json")) continue;
    // One damaged record must not hide the others: it is listed apart, with the reason.
    auto r = ReadJson(*lake_, storage::JoinPath("_runs", f.path));
    if (r.ok() && r->is_object()) {
      try {
        runs.push_back(RunSummary(*r));
        continue;
      } catch (const json::exception& e) {
        r = Status::Corrupt("{}: {}", lake_->DisplayPath(storage::JoinPath("_runs", f.path)),
                            e.what());
      }
    }
    if (r.ok())
      r = Status::Corrupt("{}: not a JSON object",
                          lake_->DisplayPath(storage::JoinPath("_runs", f.path)));
    unreadable.push_back({{"file", f.path}, {"error", r.status().message()}});
  }
  // Run ids are UTC times: newest first is reverse order.
  std::sort(runs.begin(), runs.end(),
            [](const json& a, const json& b) { return a["run_id"] > b["run_id"]; });
  return json{{"runs", runs}, {"unreadable", unreadable}};
}

Result<json> LakeApi::Run(std::string_view run_id) const {
  SL_RETURN_NOT_OK(CheckId(run_id, "run"));
  std::string rel = fmt::format("_runs/{}.json", run_id);
  SL_ASSIGN_OR_RETURN(bool exists, lake_->Exists(rel));
  if (!exists) return Status::NotFound("no run '{}' in this lake", run_id);
  SL_ASSIGN_OR_RETURN(json r, ReadJson(*lake_, rel));
  json out = {{"summary", RunSummary(r)}, {"record", r}, {"lineage", Lineage(r)}};
  std::string q = r.value("versions", json::object()).value("quality_run", "");
  if (!q.empty()) {
    auto quality = QualityResult(q);
    if (quality.ok()) out["quality"] = *quality;
  }
  return out;
}

Result<std::string> LakeApi::QualityReportPath(std::string_view quality_run) const {
  SL_RETURN_NOT_OK(CheckId(quality_run, "quality run"));
  return fmt::format("quality/runs/{}/report.html", quality_run);
}

Result<json> LakeApi::QualityResult(std::string_view quality_run) const {
  SL_RETURN_NOT_OK(CheckId(quality_run, "quality run"));
  std::string rel = fmt::format("quality/runs/{}/result.json", quality_run);
  SL_ASSIGN_OR_RETURN(bool exists, lake_->Exists(rel));
  if (!exists) return Status::NotFound("no quality run '{}' in this lake", quality_run);
  return ReadJson(*lake_, rel);
}

Result<std::string> LakeApi::PublishedVersionDir() const {
  // The published version when there is one, else the newest (checked or not).
  for (const char* pointer : {"curated/_published.json", "curated/_current.json"}) {
    SL_ASSIGN_OR_RETURN(bool exists, lake_->Exists(pointer));
    if (!exists) continue;
    SL_ASSIGN_OR_RETURN(json p, ReadJson(*lake_, pointer));
    std::string path = p.value("path", "");
    SL_RETURN_NOT_OK(CheckDataPath(path));
    return storage::JoinPath("curated", path);
  }
  return Status::NotFound("{} has no curated dataset yet (run sensorlake run or transform)",
                          lake_->uri());
}

Result<json> LakeApi::LatestQualityFor(const std::string& curated_version) const {
  SL_ASSIGN_OR_RETURN(auto runs, lake_->ListDirectories("quality/runs"));
  // Quality run ids are UTC times: the newest that checked this version.
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    auto r = QualityResult(*it);
    if (r.ok() && r->value("curated_version", "") == curated_version) return *r;
  }
  return json();
}

Result<const DatasetIndex*> LakeApi::Index() {
  SL_ASSIGN_OR_RETURN(std::string dir, PublishedVersionDir());
  if (index_ != nullptr && index_->version_dir == dir) return index_.get();
  auto index = std::make_unique<DatasetIndex>();
  index->version_dir = dir;
  index->curated_version = std::filesystem::path(dir).filename().string();
  SL_ASSIGN_OR_RETURN(auto parts, zones::ListCuratedParts(*lake_, dir));
  for (const auto& part : parts) {
    index->parts.push_back(part.lake_path);
    using F = zones::CuratedField;
    SL_RETURN_NOT_OK(zones::ForEachCuratedRowGroup(
        *lake_, part, {F::kSubject, F::kActivity, F::kTimestampNs, F::kBlock},
        [&](const zones::CuratedRowGroup& g) { return IndexRowGroup(g, part, index.get()); }));
  }
  index_ = std::move(index);
  return index_.get();
}

Status LakeApi::Warm() {
  std::lock_guard lock(mu_);
  return Index().status();
}

Result<json> LakeApi::Dataset() {
  std::lock_guard lock(mu_);
  SL_ASSIGN_OR_RETURN(const DatasetIndex* index, Index());
  SL_ASSIGN_OR_RETURN(json quality, LatestQualityFor(index->curated_version));
  json folders = json::array();
  for (const auto& f : wisdm::kFolders) {
    auto fi = static_cast<size_t>(f.index());
    json rows = json::array(), rate = json::array();
    for (size_t s = 0; s < wisdm::kNumSubjects; ++s) {
      json r = json::array(), h = json::array();
      for (size_t a = 0; a < wisdm::kNumActivities; ++a) {
        int64_t n = index->rows[fi][s][a];
        double sec = index->seconds[fi][s][a];
        r.push_back(n);
        // Intervals per second of block time: rows minus one per block.
        double hz = sec > 0 ? static_cast<double>(n - index->blocks[fi][s][a]) / sec : 0.0;
        h.push_back(std::round(hz * 100) / 100);
      }
      rows.push_back(r);
      rate.push_back(h);
    }
    folders.push_back({{"folder", f.Name()},
                       {"device", wisdm::DeviceName(f.device)},
                       {"sensor", wisdm::SensorName(f.sensor)},
                       {"rows", rows},
                       {"rate_hz", rate}});
  }
  // Every failure of the latest quality run that names a cell, as a flag on it.
  json flags = json::array(), truncated = json::array();
  for (const auto& c : quality.value("checks", json::array())) {
    const json failures = c.value("failures", json::array());
    // result.json lists a bounded number of failures per check: say when cells are missing.
    if (c.value("failing", 0ll) > static_cast<int64_t>(failures.size())) {
      truncated.push_back({{"check", c.value("check", "")},
                           {"failing", c.value("failing", 0ll)},
                           {"listed", failures.size()}});
    }
    for (const auto& f : failures) {
      if (!f.contains("subject") || !f.contains("activity") || !f.contains("folder")) continue;
      flags.push_back({{"folder", f["folder"]},
                       {"subject", f["subject"]},
                       {"activity", f["activity"]},
                       {"check", c.value("check", "")},
                       {"severity", c.value("severity", "")},
                       {"what", f.value("what", f.value("problem", ""))}});
    }
  }
  json activities = json::array();
  for (int32_t a = 0; a < wisdm::kNumActivities; ++a) {
    activities.push_back({{"code", std::string(1, wisdm::kActivityCodes[static_cast<size_t>(a)])},
                          {"name", wisdm::ActivityName(a)}});
  }
  json subjects = json::array();
  for (int32_t s = 0; s < wisdm::kNumSubjects; ++s) subjects.push_back(wisdm::kFirstSubject + s);
  return json{{"curated_version", index->curated_version},
              {"quality_run", quality.value("run_id", "")},
              {"quality_success", quality.value("success", false)},
              {"subjects", subjects},
              {"activities", activities},
              {"folders", folders},
              {"flags", flags},
              {"flags_truncated", truncated}};
}

Result<json> LakeApi::Files() {
  std::lock_guard lock(mu_);
  SL_ASSIGN_OR_RETURN(const DatasetIndex* index, Index());
  const std::string prefix = storage::JoinPath(index->version_dir, "sensor_readings") + "/";
  json files = json::array();
  for (const auto& p : index->parts) {
    SL_ASSIGN_OR_RETURN(auto input, lake_->OpenInputFile(p));
    SL_ASSIGN_OR_RETURN_ARROW(int64_t size, input->GetSize());
    files.push_back({{"path", p.substr(prefix.size())}, {"bytes", size}});
  }
  return json{{"curated_version", index->curated_version}, {"files", files}};
}

Result<SignalResult> LakeApi::Signal(const SignalQuery& q) {
  std::string part;
  {
    std::lock_guard lock(mu_);
    SL_ASSIGN_OR_RETURN(const DatasetIndex* index, Index());
    int32_t s = q.subject - wisdm::kFirstSubject;
    if (s >= 0 && s < wisdm::kNumSubjects) {
      part = index->part_of_subject[static_cast<size_t>(q.folder)][static_cast<size_t>(s)];
    }
  }
  if (part.empty()) {
    return Status::NotFound(
        "the curated dataset has no data for subject {} on this device and sensor", q.subject);
  }
  return ReadSignal(*lake_, part, q);
}

Result<std::string> LakeApi::DataFile(std::string_view rel) {
  SL_RETURN_NOT_OK(CheckDataPath(rel));
  std::string path;
  {
    std::lock_guard lock(mu_);
    SL_ASSIGN_OR_RETURN(const DatasetIndex* index, Index());
    std::string want = storage::JoinPath(storage::JoinPath(index->version_dir, "sensor_readings"),
                                         std::string(rel));
    // Only the parts of the published dataset are served: an allow-list, not a filter.
    if (std::find(index->parts.begin(), index->parts.end(), want) == index->parts.end()) {
      return Status::NotFound("'{}' is not a file of the published curated dataset", rel);
    }
    path = want;
  }
  if (lake_->is_local()) {
    // A symlink inside the lake must not lead outside it.
    std::error_code ec;
    auto root = std::filesystem::canonical(lake_->LocalPath(""), ec);
    auto real = std::filesystem::canonical(lake_->LocalPath(path), ec);
    if (ec) return Status::NotFound("'{}': {}", rel, ec.message());
    auto [r, _] = std::mismatch(root.begin(), root.end(), real.begin(), real.end());
    if (r != root.end()) return Status::Refused("'{}' resolves outside the lake", rel);
  }
  return path;
}

}  // namespace sensorlake::serve
