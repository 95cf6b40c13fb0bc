// The shape of a generated dataset, decided before any byte is written: which subjects
// exist, how each device samples, when each activity block was recorded and how many
// lines every (subject, folder, activity) holds. Computing it is cheap (no signal), so
// tests and later stages can ask for exact line counts without generating files.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "sensorlake/common/result.h"
#include "sensorlake/wisdm/schema.h"

namespace sensorlake::generate {

using ActivityCounts = std::array<int64_t, wisdm::kNumActivities>;
using FolderActivityCounts = std::array<ActivityCounts, 4>;  // wisdm::kFolders order

// Subjects in a dataset of this scale: 51 up to scale 1 (blocks get shorter), then
// llround(51 * scale) so files keep a realistic size (ids continue 1651, 1652, ...).
int32_t NumSubjectsForScale(double scale);
// Lines a (folder, activity) holds over all subjects: llround(published * scale).
int64_t TargetLines(int32_t folder_index, int32_t activity, double scale);

// How one sensor stream (one file) is timed.
struct StreamTiming {
  // Grid streams put sample i at block_start + round((i + offset) * interval): real phones
  // at 20 Hz do this (intervals of 50354004 and 50354003 ns). Others add jitter per sample.
  bool grid = true;
  std::array<double, wisdm::kNumActivities> interval_ns{};  // nominal, per activity
  double jitter_fraction = 0;  // std of each interval, relative to it (non-grid only)
  int32_t offset_samples = 0;  // the stream starts this many intervals into the block
  double lsb = 0;              // > 0: values are multiples of this (an integer ADC)
};

// One device's recording session (shared by its accel and gyro).
struct SessionPlan {
  int64_t clock_base_ns = 0;  // device uptime clock when the session began
  std::array<int64_t, wisdm::kNumActivities> block_start_ns{};
  std::array<double, wisdm::kNumActivities> span_s{};
  // Recording order: activities were performed in this order; files list them in code
  // order, so timestamps jump back and forth between blocks, as in the real files.
  std::array<int8_t, wisdm::kNumActivities> recorded_order{};
};

class DatasetPlan {
 public:
  // scale in (0, 100]; fails with Invalid otherwise.
  static Result<DatasetPlan> Make(double scale, uint64_t seed);

  double scale() const { return scale_; }
  uint64_t seed() const { return seed_; }
  int32_t num_subjects() const { return num_subjects_; }
  int32_t SubjectId(int32_t index) const { return wisdm::kFirstSubject + index; }
  // Index of a subject id, or -1 when the dataset has no such subject.
  int32_t SubjectIndex(int32_t subject_id) const;

  int64_t Lines(int32_t subject_index, int32_t folder_index, int32_t activity) const {
    return lines_[Slot(subject_index, folder_index)][activity];
  }
  const ActivityCounts& FileCounts(int32_t subject_index, int32_t folder_index) const {
    return lines_[Slot(subject_index, folder_index)];
  }
  int64_t FileLines(int32_t subject_index, int32_t folder_index) const;
  // Sums over all subjects; equal to TargetLines by construction.
  FolderActivityCounts Totals() const;

  const StreamTiming& Timing(int32_t subject_index, int32_t folder_index) const {
    return timing_[Slot(subject_index, folder_index)];
  }
  const SessionPlan& Session(int32_t subject_index, wisdm::Device device) const {
    return sessions_[subject_index * 2 + static_cast<int32_t>(device)];
  }
  // True for the devices whose accelerometer samples faster than their gyroscope.
  bool FastAccel(int32_t subject_index, wisdm::Device device) const {
    return fast_accel_[subject_index * 2 + static_cast<int32_t>(device)];
  }
  // How vigorously this subject moves with this device, as a standard score for linear
  // (accel) and rotational (gyro) motion. Spread over subjects by stratified quantiles,
  // so the dataset's pooled statistics hardly depend on the seed.
  double AccelVigor(int32_t subject_index, wisdm::Device device) const {
    return vigor_[(subject_index * 2 + static_cast<int32_t>(device)) * 2];
  }
  double GyroVigor(int32_t subject_index, wisdm::Device device) const {
    return vigor_[(subject_index * 2 + static_cast<int32_t>(device)) * 2 + 1];
  }

 private:
  DatasetPlan() = default;
  size_t Slot(int32_t subject_index, int32_t folder_index) const {
    return static_cast<size_t>(subject_index) * 4 + folder_index;
  }
  void PlanDevices();
  void PlanDeviceActivity(wisdm::Device device, int32_t activity);
  void PlanSessions();

  double scale_ = 1;
  uint64_t seed_ = 0;
  int32_t num_subjects_ = 0;
  std::vector<ActivityCounts> lines_;  // [subject * 4 + folder]
  std::vector<StreamTiming> timing_;   // [subject * 4 + folder]
  std::vector<SessionPlan> sessions_;  // [subject * 2 + device]
  std::vector<uint8_t> fast_accel_;    // [subject * 2 + device]
  std::vector<double> vigor_;          // [(subject * 2 + device) * 2 + accel/gyro]
};

// Splits `total` into integer parts proportional to `weights` whose sum is exactly
// `total` (largest remainder; ties go to the lower index). All-zero weights split evenly.
std::vector<int64_t> LargestRemainder(int64_t total, const std::vector<double>& weights);

}  // namespace sensorlake::generate
