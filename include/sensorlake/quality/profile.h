// The profile of a curated version: one streaming pass over its Parquet files that keeps,
// per activity block, the few numbers every quality check needs (counts, clock, value
// statistics, a sketch of its value sequences), plus the run manifest's per-file counts.
// Checks then work on the profile alone, so they are cheap and testable without data.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/wisdm/schema.h"

namespace sensorlake::quality {

// Gaps shorter than this are not recorded (rules may not ask for shorter ones).
inline constexpr int64_t kMinRecordedGapNs = 250'000'000;
// Size of the bottom-k sketch of a block's value sequences (duplicate detection).
inline constexpr size_t kSketchSize = 64;
// Magnitude histograms for drift: bins of kMagnitudeBinWidth[sensor], the last one open.
inline constexpr int32_t kMagnitudeBins = 81;
inline constexpr std::array<double, 2> kMagnitudeBinWidth = {0.5, 0.25};  // accel, gyro
using MagnitudeHistogram = std::array<int64_t, kMagnitudeBins>;

struct BlockKey {
  int32_t folder = 0;  // index into wisdm::kFolders
  int32_t subject = 0;
  int32_t activity = 0;  // index into wisdm::kActivityCodes
  int32_t block = 0;     // the block ordinal in the subject's raw file
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads defaulted <=>
  auto operator<=>(const BlockKey&) const = default;
  std::string ToString() const;  // "phone/accel subject 1600 activity A (walking) block 0"
};

struct BlockProfile {
  BlockKey key;
  int64_t rows = 0;
  int64_t first_ns = 0;
  int64_t last_ns = 0;
  int64_t non_increasing = 0;         // consecutive readings whose timestamp does not increase
  int64_t fine_timestamps = 0;        // timestamps that are not a multiple of 1000 ns
  std::vector<int64_t> gaps_ns;       // every interval above kMinRecordedGapNs
  std::array<float, 3> min{}, max{};  // per axis
  std::array<int64_t, 3> at_min{}, at_max{};  // readings exactly at the axis min / max
  int64_t longest_run = 0;                    // longest run of identical consecutive (x, y, z)
  int64_t longest_run_start = 0;              // its first sample
  std::array<float, 3> longest_run_value{};   // the reading the run repeats
  double magnitude_sum = 0;
  double magnitude_sq_sum = 0;
  std::vector<uint64_t> sketch;    // the kSketchSize smallest hashes of 4-reading windows
  MagnitudeHistogram magnitude{};  // sqrt(x^2 + y^2 + z^2), for drift

  double Seconds() const { return (last_ns - first_ns) / 1e9; }
  double RateHz() const;  // effective rate: intervals per second; 0 when undefined
  double MeanMagnitude() const { return rows ? magnitude_sum / rows : 0; }
  double RmsMagnitude() const;
  double MagnitudeStd() const;
  double MaxAbs() const;
};

// Per-file counts from the curated version's manifest (what the transform saw).
struct FileRecord {
  std::string path;  // raw/phone/accel/data_1600_accel_phone.txt
  int32_t folder = 0;
  int32_t subject = 0;
  int64_t lines = 0;
  int64_t rows = 0;
  int64_t quarantined = 0;
  int64_t duplicates_dropped = 0;
  int64_t reordered = 0;
  std::map<std::string, int64_t> quarantined_by_reason;
};

struct DatasetProfile {
  std::string curated_version;
  std::string raw_version;
  double generated_scale = 0;        // from the raw version's generate.json; 0 when not generated
  std::vector<BlockProfile> blocks;  // sorted by key
  std::vector<FileRecord> files;
  int64_t lines = 0;
  int64_t rows = 0;
  int64_t quarantined = 0;
  std::map<std::string, int64_t> quarantined_by_reason;
  // Per folder and activity: magnitude histogram (drift) over all subjects.
  std::array<std::array<MagnitudeHistogram, wisdm::kNumActivities>, 4> magnitude{};

  // The part of a profile that a later run compares against (--baseline).
  nlohmann::json BaselineJson() const;
  static Result<std::array<std::array<MagnitudeHistogram, wisdm::kNumActivities>, 4>>
  MagnitudeFromBaselineJson(const nlohmann::json& j, std::string_view origin);
};

// Accumulates one block from its readings in timestamp order. Separate from the Parquet
// reading so tests can feed readings directly.
class BlockProfiler {
 public:
  explicit BlockProfiler(BlockKey key);
  void Add(int64_t timestamp_ns, float x, float y, float z);
  // The next readings of the block, in timestamp order (spans of equal length): the same
  // profile as Add for each, with the window hashes of several readings computed at once.
  void AddReadings(std::span<const int64_t> timestamp_ns, std::span<const float> x,
                   std::span<const float> y, std::span<const float> z);
  BlockProfile Finish();

 private:
  BlockProfile p_;
  int64_t run_ = 0;
  // A hash at or above this cannot enter the sketch (its largest entry once it is full).
  uint64_t sketch_limit_ = UINT64_MAX;
  std::array<uint32_t, 12> window_{};  // bits of the last 4 readings
  struct Scratch;                      // a batch's intermediate values (profile.cc)
  static Scratch& ThreadScratch();
  // Every statistic of the batch's readings but the window hashes; collects in the
  // scratch the readings whose window is hashed.
  void AddStatistics(Scratch& s, std::span<const int64_t> ts, std::span<const float> x,
                     std::span<const float> y, std::span<const float> z);
  // Parts of AddStatistics; `next` is the first reading with a predecessor.
  void AddClock(std::span<const int64_t> ts, size_t next);
  void AddExtremes(std::span<const float> v, size_t next, size_t axis);
  void AddRuns(Scratch& s, std::span<const float> x, std::span<const float> y,
               std::span<const float> z, int64_t first_row);
  void HashWindows(Scratch& s, std::span<const float> x, std::span<const float> y,
                   std::span<const float> z);
  void Offer(uint64_t hash) {
    if (hash < sketch_limit_) AddToSketch(hash);
  }
  void AddToSketch(uint64_t hash);
};

namespace internal {
// Tests only: whether window hashes may use AVX2 where the CPU has it (the default), so
// that a test can compare the vector path with the scalar one on the same machine.
void SetWindowHashSimd(bool allowed);
}  // namespace internal

// Index of a magnitude in the histogram of `sensor`.
int32_t MagnitudeBin(wisdm::Sensor sensor, double magnitude);

struct ProfileOptions {
  std::string curated_version;  // empty: the published one
  int32_t threads = 0;          // 0: hardware concurrency
};

// Reads the curated version (its manifest and every sensor_readings file) into a profile.
Result<DatasetProfile> ProfileCuratedVersion(const storage::Lake& lake,
                                             const ProfileOptions& options);

}  // namespace sensorlake::quality
