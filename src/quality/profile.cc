#include "sensorlake/quality/profile.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <arrow/api.h>
#include <fmt/format.h>

#include "sensorlake/common/parallel_for.h"
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

// The bin of magnitude / bin width: NaN and negatives in the first, beyond the last in the
// last. Without branches, so the loop over a batch vectorizes; the truncation is the floor
// for q >= 0, without a libm call.
int32_t BinOfQuotient(double q) {
  return q >= 0 ? (q < kMagnitudeBins - 1 ? static_cast<int32_t>(q) : kMagnitudeBins - 1) : 0;
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

// The first n elements of v, grown if needed but never cleared: every element a batch
// reads, it has written first.
template <typename T>
T* Room(std::vector<T>* v, size_t n) {
  if (v->size() < n) v->resize(n);
  return v->data();
}

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
  constexpr size_t kVectors = kSimdWindows / 4;
  __m256i h[kVectors];  // a C array: GCC drops __m256i's alignment in a template argument
  for (__m256i& v : h) v = _mm256_set1_epi64x(static_cast<int64_t>(kHashSeed));
  for (size_t r = 0; r < 4; ++r) {
    for (size_t a = 0; a < 3; ++a) {
      for (size_t v = 0; v < kVectors; ++v) {  // independent chains, interleaved
        const float* word = axes[a] + first + 4 * v + r - 3;
        __m256i x = _mm256_xor_si256(
            h[v], _mm256_cvtepu32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(word))));
        x = MulLow64(XorShift(x, 30), m1_lo, m1_hi);
        x = MulLow64(XorShift(x, 27), m2_lo, m2_hi);
        h[v] = XorShift(x, 31);
      }
    }
  }
  for (size_t v = 0; v < kVectors; ++v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 4 * v), h[v]);
  }
}
#endif

}  // namespace

// One per thread, shared by the profilers of every block it reads: per profiler, the
// buffers were allocated and zeroed again for each of the 3,672 blocks of scale 1.
struct BlockProfiler::Scratch {
  std::vector<uint32_t> words;    // the bits of the 3 readings before a batch, then its own
  std::vector<uint32_t> to_hash;  // the batch's readings that end a window to hash
  std::vector<double> magnitude;  // the batch's magnitudes
  std::vector<uint8_t> bin;       // their histogram bins
};

BlockProfiler::Scratch& BlockProfiler::ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

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
  Scratch& s = ThreadScratch();
  // words: the bits of the 3 readings before the batch, then of each of its readings, so
  // that reading j's 4-reading window is words[3j, 3j + 12).
  uint32_t* words = Room(&s.words, 9 + 3 * n);
  std::copy(window_.begin() + 3, window_.end(), words);
  for (size_t j = 0; j < n; ++j) {
    words[9 + 3 * j] = Bits(x[j]);
    words[10 + 3 * j] = Bits(y[j]);
    words[11 + 3 * j] = Bits(z[j]);
  }
  // Magnitudes and their bins first, in a loop of independent square roots and divisions
  // the compiler vectorizes; the sums then add them in reading order.
  double* magnitude = Room(&s.magnitude, n);
  uint8_t* bin = Room(&s.bin, n);
  const double width = kMagnitudeBinWidth[static_cast<size_t>(
      wisdm::kFolders[static_cast<size_t>(p_.key.folder)].sensor)];
  for (size_t j = 0; j < n; ++j) {
    const double dx = x[j], dy = y[j], dz = z[j];
    magnitude[j] = std::sqrt(dx * dx + dy * dy + dz * dz);
    static_assert(kMagnitudeBins <= 256, "a bin fits a byte");
    bin[j] = static_cast<uint8_t>(BinOfQuotient(magnitude[j] / width));
  }
  AddStatistics(s, ts, x, y, z);
  HashWindows(s, x, y, z);
  std::copy(words + 3 * n - 3, words + 3 * n + 9, window_.begin());
}

// One short loop per kind of statistic: each keeps its few running values in registers
// (one loop over all of them spilled most to the stack), and each visits the readings in
// order, so every sum adds in the order it always did.
void BlockProfiler::AddStatistics(Scratch& s, std::span<const int64_t> ts, std::span<const float> x,
                                  std::span<const float> y, std::span<const float> z) {
  BlockProfile& p = p_;
  const size_t n = ts.size();
  const int64_t first_row = p.rows;
  size_t next = 0;  // the first reading that has a predecessor
  if (first_row == 0) {
    p.first_ns = ts[0];
    p.min = p.max = {x[0], y[0], z[0]};
    p.at_min = p.at_max = {1, 1, 1};
    run_ = 1;
    next = 1;
  }
  AddClock(ts, next);
  const std::array<std::span<const float>, 3> axes = {x, y, z};
  for (size_t a = 0; a < 3; ++a) AddExtremes(axes[a], next, a);
  AddRuns(s, x, y, z, first_row);
  double sum = p.magnitude_sum, sq_sum = p.magnitude_sq_sum;
  for (size_t j = 0; j < n; ++j) {
    sum += s.magnitude[j];
    sq_sum += s.magnitude[j] * s.magnitude[j];
  }
  p.magnitude_sum = sum, p.magnitude_sq_sum = sq_sum;
  // Four histograms for interleaved readings: consecutive readings mostly fall in one bin,
  // and one histogram would make each increment wait for the previous one's store.
  std::array<std::array<int64_t, kMagnitudeBins>, 4> counts{};
  for (size_t j = 0; j < n; ++j) ++counts[j % 4][s.bin[j]];
  for (size_t b = 0; b < static_cast<size_t>(kMagnitudeBins); ++b) {
    p.magnitude[b] += counts[0][b] + counts[1][b] + counts[2][b] + counts[3][b];
  }
  p.rows += static_cast<int64_t>(n);
}

void BlockProfiler::AddClock(std::span<const int64_t> ts, size_t next) {
  int64_t previous = next == 0 ? p_.last_ns : ts[0];
  int64_t non_increasing = 0, fine = 0;
  for (size_t j = next; j < ts.size(); ++j) {
    const int64_t dt = ts[j] - previous;
    non_increasing += dt <= 0;
    if (dt > kMinRecordedGapNs) p_.gaps_ns.push_back(dt);
    previous = ts[j];
  }
  for (int64_t t : ts) fine += t % 1000 != 0;
  p_.non_increasing += non_increasing;
  p_.fine_timestamps += fine;
  p_.last_ns = ts.back();
}

// A new extreme restarts its count; NaN is never below or above one.
void BlockProfiler::AddExtremes(std::span<const float> v, size_t next, size_t axis) {
  float lo = p_.min[axis], hi = p_.max[axis];
  int64_t at_lo = p_.at_min[axis], at_hi = p_.at_max[axis];
  for (size_t j = next; j < v.size(); ++j) {
    if (v[j] < lo) lo = v[j], at_lo = 0;
    if (v[j] > hi) hi = v[j], at_hi = 0;
    at_lo += v[j] == lo;
    at_hi += v[j] == hi;
  }
  p_.min[axis] = lo, p_.max[axis] = hi, p_.at_min[axis] = at_lo, p_.at_max[axis] = at_hi;
}

// Runs of identical readings, and which readings end a window that is hashed.
void BlockProfiler::AddRuns(Scratch& s, std::span<const float> x, std::span<const float> y,
                            std::span<const float> z, int64_t first_row) {
  int64_t run = run_, longest = p_.longest_run;
  const uint32_t* words = s.words.data();
  std::vector<uint32_t>& to_hash = s.to_hash;
  to_hash.clear();
  to_hash.reserve(x.size());
  for (size_t j = 0; j < x.size(); ++j) {
    const int64_t i = first_row + static_cast<int64_t>(j);
    if (i > 0) {
      const uint32_t* previous = &words[6 + 3 * j];
      const uint32_t* now = previous + 3;
      run = now[0] == previous[0] && now[1] == previous[1] && now[2] == previous[2] ? run + 1 : 1;
    }
    if (run > longest) {
      longest = run;
      p_.longest_run_start = i - run + 1;
      p_.longest_run_value = {x[j], y[j], z[j]};
    }
    // A window is hashed unless it is one reading repeated (a stuck run would make
    // unrelated blocks look alike).
    if (i >= 3 && run < 4) to_hash.push_back(static_cast<uint32_t>(j));
  }
  run_ = run, p_.longest_run = longest;
}

// One hash is a chain of 12 dependent steps of two multiplications each. Runs of 16
// consecutive windows inside the batch go through AVX2, four chains per vector and four
// vectors side by side; the rest (a batch's first 3 windows, around stuck runs, CPUs
// without AVX2) four at a time in scalar code. The sketch keeps the smallest hashes
// whatever the order they come in.
void BlockProfiler::HashWindows(Scratch& s, std::span<const float> x, std::span<const float> y,
                                std::span<const float> z) {
  std::vector<uint32_t>& to_hash = s.to_hash;
  const uint32_t* words = s.words.data();
  size_t scalar = 0;  // to_hash[0, scalar): the windows left to the scalar code
#if defined(__x86_64__)
  if (simd_allowed && CpuHasAvx2()) {
    const std::array<const float*, 3> axes = {x.data(), y.data(), z.data()};
    std::array<uint64_t, kSimdWindows> hashes;
    for (size_t k = 0; k < to_hash.size();) {
      const uint32_t first = to_hash[k];
      if (first >= 3 && k + kSimdWindows <= to_hash.size() &&
          to_hash[k + kSimdWindows - 1] == first + kSimdWindows - 1) {
        HashSixteenWindows(axes, first, hashes.data());
        for (uint64_t hash : hashes) Offer(hash);
        k += kSimdWindows;
      } else {
        to_hash[scalar++] = to_hash[k++];
      }
    }
  } else {
    scalar = to_hash.size();
  }
#else
  scalar = to_hash.size();
  (void)x, (void)y, (void)z;
#endif
  constexpr size_t kLanes = 4;
  size_t k = 0;
  for (; k + kLanes <= scalar; k += kLanes) {
    std::array<const uint32_t*, kLanes> w;
    std::array<uint64_t, kLanes> h;
    for (size_t l = 0; l < kLanes; ++l) {
      w[l] = &words[3 * size_t{to_hash[k + l]}], h[l] = kHashSeed;
    }
    for (size_t i = 0; i < 12; ++i) {
      for (size_t l = 0; l < kLanes; ++l) h[l] = Mix(h[l] ^ w[l][i]);
    }
    for (uint64_t hash : h) Offer(hash);
  }
  for (; k < scalar; ++k) {
    const uint32_t* w = &words[3 * size_t{to_hash[k]}];
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
  Status st = ParallelFor(static_cast<int64_t>(parts.size()), options.threads, [&](int64_t i) {
    const auto& part = parts[static_cast<size_t>(i)];
    std::vector<BlockProfile> blocks;
    SL_RETURN_NOT_OK(ProfilePart(lake, part, &blocks));
    std::lock_guard<std::mutex> lock(mu);
    for (auto& b : blocks) profile.blocks.push_back(std::move(b));
    progress.Add(part.bytes);
    return Status::OK();
  });
  progress.Finish();
  SL_RETURN_NOT_OK(st);

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
