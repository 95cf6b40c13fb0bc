#include "sensorlake/quality/profile.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>
#include <thread>

#include <arrow/api.h>
#include <fmt/format.h>

#include "sensorlake/common/progress.h"
#include "sensorlake/storage/versioned_zone.h"
#include "sensorlake/zones/curated_reader.h"

namespace sensorlake::quality {

std::string BlockKey::ToString() const {
  return fmt::format("{} subject {} activity {} ({}) block {}",
                     wisdm::kFolders[static_cast<size_t>(folder)].Name(), subject,
                     wisdm::kActivityCodes[static_cast<size_t>(activity)],
                     wisdm::ActivityName(activity), block);
}

double BlockProfile::RateHz() const {
  return rows > 1 && last_ns > first_ns ? (rows - 1) * 1e9 / (last_ns - first_ns) : 0.0;
}

double BlockProfile::RmsMagnitude() const {
  return rows ? std::sqrt(magnitude_sq_sum / rows) : 0.0;
}

double BlockProfile::MagnitudeStd() const {
  if (rows < 2) return 0;
  double mean = MeanMagnitude();
  return std::sqrt(std::max(0.0, magnitude_sq_sum / rows - mean * mean));
}

double BlockProfile::MaxAbs() const {
  double m = 0;
  for (int32_t a = 0; a < 3; ++a) {
    m = std::max(
        {m, std::fabs(static_cast<double>(min[a])), std::fabs(static_cast<double>(max[a]))});
  }
  return m;
}

namespace {

// The bin of magnitude / bin width.
int32_t BinOfQuotient(double q) {
  if (std::isnan(q) || q < 0) return 0;
  if (q >= kMagnitudeBins - 1) return kMagnitudeBins - 1;
  return static_cast<int32_t>(q);  // truncation is floor for q >= 0, without a libm call
}

}  // namespace

int32_t MagnitudeBin(wisdm::Sensor sensor, double magnitude) {
  return BinOfQuotient(magnitude / kMagnitudeBinWidth[static_cast<size_t>(sensor)]);
}

// ---- BlockProfiler ----------------------------------------------------------------------

namespace {

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

uint64_t Mix(uint64_t h) {  // SplitMix64's finalizer: a fast, well-spread 64-bit mix
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

}  // namespace

BlockProfiler::BlockProfiler(BlockKey key) { p_.key = key; }

void BlockProfiler::Add(int64_t ts, float x, float y, float z) {
  AddReadings({&ts, 1}, {&x, 1}, {&y, 1}, {&z, 1});
}

void BlockProfiler::AddReadings(std::span<const int64_t> ts, std::span<const float> x,
                                std::span<const float> y, std::span<const float> z) {
  const size_t n = ts.size();
  if (n == 0) return;
  // words_: the bits of the 3 readings before the batch, then of each of its readings, so
  // that reading j's 4-reading window is words_[3j, 3j + 12).
  words_.resize(9 + 3 * n);
  std::copy(window_.begin() + 3, window_.end(), words_.begin());
  for (size_t j = 0; j < n; ++j) {
    words_[9 + 3 * j] = Bits(x[j]);
    words_[10 + 3 * j] = Bits(y[j]);
    words_[11 + 3 * j] = Bits(z[j]);
  }
  // Magnitudes and their bin quotients first, in a loop of independent square roots and
  // divisions the compiler vectorizes; the sums then add them in reading order.
  magnitude_.resize(n);
  quotient_.resize(n);
  const double width = kMagnitudeBinWidth[static_cast<size_t>(
      wisdm::kFolders[static_cast<size_t>(p_.key.folder)].sensor)];
  for (size_t j = 0; j < n; ++j) {
    const double dx = x[j], dy = y[j], dz = z[j];
    magnitude_[j] = std::sqrt(dx * dx + dy * dy + dz * dz);
    quotient_[j] = magnitude_[j] / width;
  }
  to_hash_.clear();
  for (size_t j = 0; j < n; ++j) {
    if (AddStatistics(ts[j], x[j], y[j], z[j], &words_[6 + 3 * j], magnitude_[j], quotient_[j])) {
      to_hash_.push_back(static_cast<uint32_t>(j));
    }
  }
  HashWindows();
  std::copy(words_.end() - 12, words_.end(), window_.begin());
}

bool BlockProfiler::AddStatistics(int64_t ts, float x, float y, float z,
                                  const uint32_t* previous_bits, double m, double bin_quotient) {
  const std::array<float, 3> v = {x, y, z};
  const int64_t i = p_.rows++;
  if (i == 0) {
    p_.first_ns = ts;
    p_.min = p_.max = v;
    p_.at_min = p_.at_max = {1, 1, 1};
    run_ = 1;
  } else {
    int64_t dt = ts - p_.last_ns;
    if (dt <= 0) ++p_.non_increasing;
    if (dt > kMinRecordedGapNs) p_.gaps_ns.push_back(dt);
    bool same =
        Bits(x) == previous_bits[0] && Bits(y) == previous_bits[1] && Bits(z) == previous_bits[2];
    run_ = same ? run_ + 1 : 1;
    for (size_t a = 0; a < 3; ++a) {
      if (v[a] < p_.min[a]) p_.min[a] = v[a], p_.at_min[a] = 0;
      if (v[a] > p_.max[a]) p_.max[a] = v[a], p_.at_max[a] = 0;
      p_.at_min[a] += v[a] == p_.min[a];
      p_.at_max[a] += v[a] == p_.max[a];
    }
  }
  if (run_ > p_.longest_run) {
    p_.longest_run = run_;
    p_.longest_run_start = i - run_ + 1;
    p_.longest_run_value = v;
  }
  p_.last_ns = ts;
  if (ts % 1000 != 0) ++p_.fine_timestamps;
  p_.magnitude_sum += m;
  p_.magnitude_sq_sum += m * m;
  ++p_.magnitude[static_cast<size_t>(BinOfQuotient(bin_quotient))];
  // A window is hashed unless it is one reading repeated (a stuck run would make unrelated
  // blocks look alike).
  return i >= 3 && run_ < 4;
}

// One hash is a chain of 12 dependent multiplications: four windows hashed side by side
// keep the multiplier busy instead of waiting on each chain in turn.
void BlockProfiler::HashWindows() {
  constexpr uint64_t kSeed = 0x5e9501a6e0c0ffeeULL;
  constexpr size_t kLanes = 4;
  size_t k = 0;
  for (; k + kLanes <= to_hash_.size(); k += kLanes) {
    std::array<const uint32_t*, kLanes> w;
    std::array<uint64_t, kLanes> h;
    for (size_t l = 0; l < kLanes; ++l) w[l] = &words_[3 * size_t{to_hash_[k + l]}], h[l] = kSeed;
    for (size_t i = 0; i < 12; ++i) {
      for (size_t l = 0; l < kLanes; ++l) h[l] = Mix(h[l] ^ w[l][i]);
    }
    for (uint64_t hash : h) AddToSketch(hash);
  }
  for (; k < to_hash_.size(); ++k) {
    const uint32_t* w = &words_[3 * size_t{to_hash_[k]}];
    uint64_t h = kSeed;
    for (size_t i = 0; i < 12; ++i) h = Mix(h ^ w[i]);
    AddToSketch(h);
  }
}

void BlockProfiler::AddToSketch(uint64_t hash) {
  auto& s = p_.sketch;  // kept sorted, at most kSketchSize entries
  if (s.size() == kSketchSize && hash >= s.back()) return;
  auto it = std::lower_bound(s.begin(), s.end(), hash);
  if (it != s.end() && *it == hash) return;
  s.insert(it, hash);
  if (s.size() > kSketchSize) s.pop_back();
}

BlockProfile BlockProfiler::Finish() { return std::move(p_); }

// ---- Baseline (de)serialization -----------------------------------------------------------

nlohmann::json DatasetProfile::BaselineJson() const {
  nlohmann::json folders = nlohmann::json::object();
  for (size_t f = 0; f < 4; ++f) {
    nlohmann::json acts = nlohmann::json::object();
    for (size_t a = 0; a < wisdm::kNumActivities; ++a) {
      acts[std::string(1, wisdm::kActivityCodes[a])] = magnitude[f][a];
    }
    folders[wisdm::kFolders[f].Name()] = acts;
  }
  return {{"format", "sensorlake.quality-baseline/1"},
          {"curated_version", curated_version},
          {"bin_width", {{"accel", kMagnitudeBinWidth[0]}, {"gyro", kMagnitudeBinWidth[1]}}},
          {"magnitude_histograms", folders}};
}

Result<std::array<std::array<MagnitudeHistogram, wisdm::kNumActivities>, 4>>
DatasetProfile::MagnitudeFromBaselineJson(const nlohmann::json& j, std::string_view origin) {
  std::array<std::array<MagnitudeHistogram, wisdm::kNumActivities>, 4> out{};
  if (j.value("format", "") != "sensorlake.quality-baseline/1") {
    return Status::Invalid("{}: not a sensorlake quality baseline", origin);
  }
  try {
    const auto& folders = j.at("magnitude_histograms");
    for (size_t f = 0; f < 4; ++f) {
      const auto& acts = folders.at(wisdm::kFolders[f].Name());
      for (size_t a = 0; a < wisdm::kNumActivities; ++a) {
        auto bins = acts.at(std::string(1, wisdm::kActivityCodes[a])).get<std::vector<int64_t>>();
        if (bins.size() != kMagnitudeBins) {
          return Status::Invalid("{}: histogram of {} has {} bins, expected {}", origin,
                                 wisdm::kFolders[f].Name(), bins.size(), kMagnitudeBins);
        }
        std::copy(bins.begin(), bins.end(), out[f][a].begin());
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Invalid("{}: malformed baseline: {}", origin, e.what());
  }
  return out;
}

// ---- Reading a curated version ---------------------------------------------------------

namespace {

Status ProfileRowGroup(const zones::CuratedRowGroup& g, int32_t folder,
                       std::map<BlockKey, BlockProfiler>* open) {
  const auto n = static_cast<size_t>(g.num_rows);
  for (size_t begin = 0, end = 0; begin < n; begin = end) {
    BlockKey key{folder, g.subject[begin], g.activity[begin], g.block[begin]};
    end = begin + 1;
    while (end < n && g.subject[end] == key.subject && g.activity[end] == key.activity &&
           g.block[end] == key.block) {
      ++end;
    }
    const size_t len = end - begin;
    open->try_emplace(key, key).first->second.AddReadings(
        g.timestamp_ns.subspan(begin, len), g.x.subspan(begin, len), g.y.subspan(begin, len),
        g.z.subspan(begin, len));
  }
  return Status::OK();
}

// Profiles one Parquet file. Rows are sorted by subject, activity, timestamp, so each
// block's readings arrive in timestamp order.
Status ProfilePart(const storage::Lake& lake, const zones::CuratedPart& part,
                   std::vector<BlockProfile>* out) {
  using F = zones::CuratedField;
  std::map<BlockKey, BlockProfiler> open;
  SL_RETURN_NOT_OK(zones::ForEachCuratedRowGroup(
      lake, part, {F::kSubject, F::kActivity, F::kTimestampNs, F::kX, F::kY, F::kZ, F::kBlock},
      [&](const zones::CuratedRowGroup& g) { return ProfileRowGroup(g, part.folder, &open); }));
  for (auto& [key, profiler] : open) out->push_back(profiler.Finish());
  return Status::OK();
}

Status ReadManifest(const storage::Lake& lake, const std::string& version_dir,
                    DatasetProfile* profile) {
  std::string path = storage::JoinPath(version_dir, "_manifest.json");
  SL_ASSIGN_OR_RETURN(std::string text, lake.ReadText(path));
  try {
    auto j = nlohmann::json::parse(text);
    profile->raw_version = j.at("raw_version").get<std::string>();
    const auto& totals = j.at("totals");
    profile->lines = totals.at("lines").get<int64_t>();
    profile->rows = totals.at("rows").get<int64_t>();
    profile->quarantined = totals.at("quarantined").get<int64_t>();
    profile->quarantined_by_reason =
        totals.at("quarantined_by_reason").get<std::map<std::string, int64_t>>();
    for (const auto& f : j.at("files")) {
      FileRecord r;
      r.path = f.at("path").get<std::string>();
      auto name = wisdm::ParseRawFileName(r.path.substr(r.path.rfind('/') + 1));
      if (!name.ok())
        return Status::Corrupt("{}: file {}: {}", path, r.path, name.status().message());
      r.folder = name->folder.index();
      r.subject = name->subject;
      r.lines = f.at("lines").get<int64_t>();
      r.rows = f.at("rows").get<int64_t>();
      r.quarantined = f.at("quarantined").get<int64_t>();
      r.duplicates_dropped = f.at("duplicates_dropped").get<int64_t>();
      r.reordered = f.at("reordered").get<int64_t>();
      r.quarantined_by_reason = f.at("quarantined_by_reason").get<std::map<std::string, int64_t>>();
      profile->files.push_back(std::move(r));
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Corrupt("{}: unexpected manifest content: {}", path, e.what());
  }
  return Status::OK();
}

// The generator records its scale in generate.json, which ingest lands with the data.
Status ReadGeneratedScale(const storage::Lake& lake, DatasetProfile* profile) {
  std::string path = fmt::format("raw/wisdm/{}/generate.json", profile->raw_version);
  SL_ASSIGN_OR_RETURN(bool exists, lake.Exists(path));
  if (!exists) return Status::OK();
  SL_ASSIGN_OR_RETURN(std::string text, lake.ReadText(path));
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("scale") && j["scale"].is_number()) {
    profile->generated_scale = j["scale"].get<double>();
  }
  return Status::OK();
}

}  // namespace

Result<DatasetProfile> ProfileCuratedVersion(const storage::Lake& lake,
                                             const ProfileOptions& options) {
  storage::VersionedZone zone(lake, "curated");
  DatasetProfile profile;
  profile.curated_version = options.curated_version;
  if (profile.curated_version.empty()) {
    SL_ASSIGN_OR_RETURN(auto current, zone.CurrentVersion());
    if (!current) {
      return Status::NotFound("{}: no curated version is published yet (run sensorlake transform)",
                              lake.uri());
    }
    profile.curated_version = *current;
  }
  SL_ASSIGN_OR_RETURN(bool complete, zone.HasVersion(profile.curated_version));
  if (!complete) {
    return Status::NotFound("{}: curated version {} does not exist or is incomplete", lake.uri(),
                            profile.curated_version);
  }
  const std::string version_dir = zone.VersionDir(profile.curated_version);
  SL_RETURN_NOT_OK(ReadManifest(lake, version_dir, &profile));
  SL_RETURN_NOT_OK(ReadGeneratedScale(lake, &profile));

  SL_ASSIGN_OR_RETURN(auto parts, zones::ListCuratedParts(lake, version_dir));
  int64_t total_bytes = 0;
  for (const auto& part : parts) total_bytes += part.bytes;

  Progress progress("profile", total_bytes, "bytes");
  std::mutex mu;
  Status first_error;
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < parts.size();) {
      std::vector<BlockProfile> blocks;
      Status st = ProfilePart(lake, parts[i], &blocks);
      std::lock_guard<std::mutex> lock(mu);
      if (!st.ok()) {
        if (first_error.ok()) first_error = st;
        continue;
      }
      for (auto& b : blocks) profile.blocks.push_back(std::move(b));
      progress.Add(parts[i].bytes);
    }
  };
  int32_t threads = options.threads > 0
                        ? options.threads
                        : static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::max(1, std::min<int32_t>(threads, static_cast<int32_t>(parts.size())));
  std::vector<std::thread> pool;
  for (int32_t t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  progress.Finish();
  SL_RETURN_NOT_OK(first_error);

  std::sort(profile.blocks.begin(), profile.blocks.end(),
            [](const BlockProfile& a, const BlockProfile& b) { return a.key < b.key; });
  for (const auto& b : profile.blocks) {
    auto& hist =
        profile.magnitude[static_cast<size_t>(b.key.folder)][static_cast<size_t>(b.key.activity)];
    for (size_t i = 0; i < hist.size(); ++i) hist[i] += b.magnitude[i];
  }
  return profile;
}

}  // namespace sensorlake::quality
