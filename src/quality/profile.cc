#include "sensorlake/quality/profile.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>
#include <thread>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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

constexpr uint64_t kHashSeed = 0x5e9501a6e0c0ffeeULL;
constexpr uint64_t kMix1 = 0xbf58476d1ce4e5b9ULL;
constexpr uint64_t kMix2 = 0x94d049bb133111ebULL;
// A batch's windows are hashed with AVX2 in runs of this many consecutive readings.
constexpr size_t kSimdWindows = 16;

std::atomic<bool> simd_allowed{true};

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

uint64_t Mix(uint64_t h) {  // SplitMix64's finalizer: a fast, well-spread 64-bit mix
  h ^= h >> 30;
  h *= kMix1;
  h ^= h >> 27;
  h *= kMix2;
  return h ^ (h >> 31);
}

#if defined(__x86_64__)
#define SENSORLAKE_AVX2 __attribute__((target("avx2")))

bool CpuHasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}

// v * c mod 2^64 in each lane. AVX2 multiplies only 32-bit halves, so the product is
// lo(v)lo(c) + ((hi(v)lo(c) + lo(v)hi(c)) << 32): the same bits as the scalar multiply.
SENSORLAKE_AVX2 inline __m256i MulLow64(__m256i v, __m256i c_lo, __m256i c_hi) {
  const __m256i low = _mm256_mul_epu32(v, c_lo);
  const __m256i cross =
      _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(v, 32), c_lo), _mm256_mul_epu32(v, c_hi));
  return _mm256_add_epi64(low, _mm256_slli_epi64(cross, 32));
}

SENSORLAKE_AVX2 inline __m256i XorShift(__m256i h, int shift) {
  return _mm256_xor_si256(h, _mm256_srli_epi64(h, shift));
}

// The windows ending at readings first .. first + 15 of the batch (first >= 3), four per
// vector, hashed exactly as Mix chains them: step 3r + a takes axis a of reading
// (window end - 3 + r), and for four consecutive windows that is four consecutive floats.
SENSORLAKE_AVX2 void HashSixteenWindows(const std::array<const float*, 3>& axes, size_t first,
                                        uint64_t* out) {
  const __m256i m1_lo = _mm256_set1_epi64x(static_cast<int64_t>(kMix1 & 0xffffffffU));
  const __m256i m1_hi = _mm256_set1_epi64x(static_cast<int64_t>(kMix1 >> 32));
  const __m256i m2_lo = _mm256_set1_epi64x(static_cast<int64_t>(kMix2 & 0xffffffffU));
  const __m256i m2_hi = _mm256_set1_epi64x(static_cast<int64_t>(kMix2 >> 32));
  std::array<__m256i, kSimdWindows / 4> h;
  h.fill(_mm256_set1_epi64x(static_cast<int64_t>(kHashSeed)));
  for (size_t r = 0; r < 4; ++r) {
    for (size_t a = 0; a < 3; ++a) {
      for (size_t v = 0; v < h.size(); ++v) {  // independent chains, interleaved
        const float* word = axes[a] + first + 4 * v + r - 3;
        __m256i x = _mm256_xor_si256(
            h[v], _mm256_cvtepu32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(word))));
        x = MulLow64(XorShift(x, 30), m1_lo, m1_hi);
        x = MulLow64(XorShift(x, 27), m2_lo, m2_hi);
        h[v] = XorShift(x, 31);
      }
    }
  }
  for (size_t v = 0; v < h.size(); ++v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 4 * v), h[v]);
  }
}
#endif

}  // namespace

namespace internal {
void SetWindowHashSimd(bool allowed) { simd_allowed = allowed; }
}  // namespace internal

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
  AddStatistics(ts, x, y, z);
  HashWindows(x, y, z);
  std::copy(words_.end() - 12, words_.end(), window_.begin());
}

// The running values live in locals for the batch: kept in p_, each store might alias the
// next load, and the compiler kept every one of them in memory.
void BlockProfiler::AddStatistics(std::span<const int64_t> ts, std::span<const float> x,
                                  std::span<const float> y, std::span<const float> z) {
  BlockProfile& p = p_;
  int64_t rows = p.rows, last_ns = p.last_ns, run = run_, longest = p.longest_run;
  int64_t non_increasing = p.non_increasing, fine = p.fine_timestamps;
  std::array<float, 3> lo = p.min, hi = p.max;
  std::array<int64_t, 3> at_lo = p.at_min, at_hi = p.at_max;
  double sum = p.magnitude_sum, sq_sum = p.magnitude_sq_sum;
  to_hash_.clear();
  to_hash_.reserve(ts.size());
  for (size_t j = 0; j < ts.size(); ++j) {
    const std::array<float, 3> v = {x[j], y[j], z[j]};
    const int64_t i = rows++;
    if (i == 0) {
      p.first_ns = ts[j];
      lo = hi = v;
      at_lo = at_hi = {1, 1, 1};
      run = 1;
    } else {
      const int64_t dt = ts[j] - last_ns;
      non_increasing += dt <= 0;
      if (dt > kMinRecordedGapNs) p.gaps_ns.push_back(dt);
      const uint32_t* previous = &words_[6 + 3 * j];
      const bool same =
          Bits(v[0]) == previous[0] && Bits(v[1]) == previous[1] && Bits(v[2]) == previous[2];
      run = same ? run + 1 : 1;
      for (size_t a = 0; a < 3; ++a) {
        if (v[a] < lo[a]) lo[a] = v[a], at_lo[a] = 0;
        if (v[a] > hi[a]) hi[a] = v[a], at_hi[a] = 0;
        at_lo[a] += v[a] == lo[a];
        at_hi[a] += v[a] == hi[a];
      }
    }
    if (run > longest) {
      longest = run;
      p.longest_run_start = i - run + 1;
      p.longest_run_value = v;
    }
    last_ns = ts[j];
    fine += ts[j] % 1000 != 0;
    sum += magnitude_[j];
    sq_sum += magnitude_[j] * magnitude_[j];
    ++p.magnitude[static_cast<size_t>(BinOfQuotient(quotient_[j]))];
    // A window is hashed unless it is one reading repeated (a stuck run would make
    // unrelated blocks look alike).
    if (i >= 3 && run < 4) to_hash_.push_back(static_cast<uint32_t>(j));
  }
  p.rows = rows, p.last_ns = last_ns, run_ = run, p.longest_run = longest;
  p.non_increasing = non_increasing, p.fine_timestamps = fine;
  p.min = lo, p.max = hi, p.at_min = at_lo, p.at_max = at_hi;
  p.magnitude_sum = sum, p.magnitude_sq_sum = sq_sum;
}

// One hash is a chain of 12 dependent steps of two multiplications each. Runs of 16
// consecutive windows inside the batch go through AVX2, four chains per vector and four
// vectors side by side; the rest (a batch's first 3 windows, around stuck runs, CPUs
// without AVX2) four at a time in scalar code. The sketch keeps the smallest hashes
// whatever the order they come in.
void BlockProfiler::HashWindows(std::span<const float> x, std::span<const float> y,
                                std::span<const float> z) {
  size_t scalar = 0;  // to_hash_[0, scalar): the windows left to the scalar code
#if defined(__x86_64__)
  if (simd_allowed && CpuHasAvx2()) {
    const std::array<const float*, 3> axes = {x.data(), y.data(), z.data()};
    std::array<uint64_t, kSimdWindows> hashes;
    for (size_t k = 0; k < to_hash_.size();) {
      const uint32_t first = to_hash_[k];
      if (first >= 3 && k + kSimdWindows <= to_hash_.size() &&
          to_hash_[k + kSimdWindows - 1] == first + kSimdWindows - 1) {
        HashSixteenWindows(axes, first, hashes.data());
        for (uint64_t hash : hashes) Offer(hash);
        k += kSimdWindows;
      } else {
        to_hash_[scalar++] = to_hash_[k++];
      }
    }
  } else {
    scalar = to_hash_.size();
  }
#else
  scalar = to_hash_.size();
  (void)x, (void)y, (void)z;
#endif
  constexpr size_t kLanes = 4;
  size_t k = 0;
  for (; k + kLanes <= scalar; k += kLanes) {
    std::array<const uint32_t*, kLanes> w;
    std::array<uint64_t, kLanes> h;
    for (size_t l = 0; l < kLanes; ++l) {
      w[l] = &words_[3 * size_t{to_hash_[k + l]}], h[l] = kHashSeed;
    }
    for (size_t i = 0; i < 12; ++i) {
      for (size_t l = 0; l < kLanes; ++l) h[l] = Mix(h[l] ^ w[l][i]);
    }
    for (uint64_t hash : h) Offer(hash);
  }
  for (; k < scalar; ++k) {
    const uint32_t* w = &words_[3 * size_t{to_hash_[k]}];
    uint64_t h = kHashSeed;
    for (size_t i = 0; i < 12; ++i) h = Mix(h ^ w[i]);
    Offer(h);
  }
}

void BlockProfiler::AddToSketch(uint64_t hash) {
  auto& s = p_.sketch;  // kept sorted, at most kSketchSize entries
  auto it = std::lower_bound(s.begin(), s.end(), hash);
  if (it != s.end() && *it == hash) return;
  s.insert(it, hash);
  if (s.size() > kSketchSize) s.pop_back();
  if (s.size() == kSketchSize) sketch_limit_ = s.back();
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
