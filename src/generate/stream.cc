#include "generate/stream.h"

#include <algorithm>
#include <cmath>

#include "generate/random.h"
#include "generate/signal_model.h"

namespace sensorlake::generate {
namespace {

// Timestamps of one block. Grid streams: sample i at start + round((i + offset) * P), with
// a rare sample displaced by microseconds (as in the real files); others: intervals of P
// with a relative jitter.
class Clock {
 public:
  Clock(const StreamTiming& timing, int32_t activity, int64_t start_ns)
      : grid_(timing.grid),
        interval_(timing.interval_ns[activity]),
        jitter_(timing.jitter_fraction),
        offset_(timing.offset_samples),
        start_(start_ns),
        next_(static_cast<double>(start_ns) + offset_ * interval_) {}

  int64_t Next(int64_t i, Rng* rng) {
    if (grid_) {
      int64_t ts = start_ + std::llround((static_cast<double>(i) + offset_) * interval_);
      if (rng->Uniform() < 0.002) ts += std::llround(8000.0 * rng->Normal());
      return ts;
    }
    int64_t ts = std::llround(next_);
    double step = interval_ * std::clamp(1.0 + jitter_ * rng->Normal(), 0.5, 1.5);
    next_ += step;
    return ts;
  }

 private:
  bool grid_;
  double interval_;
  double jitter_;
  int32_t offset_;
  int64_t start_;
  double next_;
};

// Sensor imperfections of one stream: a fixed bias per device, white noise, and a slow
// AR(1) component (hand and body motion that is not periodic).
class SensorNoise {
 public:
  SensorNoise(uint64_t key, const MotionProfile& p, bool accel, double interval_ns, double lsb,
              const Vec3& bias)
      : rng_(key),
        white_(accel ? p.noise : p.gyro_noise),
        smooth_(accel ? p.smooth : p.smooth * 0.5),
        rho_(std::exp(-interval_ns / 1e9 / 0.4)),
        lsb_(lsb),
        bias_(bias) {
    drive_ = smooth_ * std::sqrt(std::max(0.0, 1.0 - rho_ * rho_));
    for (double& s : state_) s = smooth_ * rng_.Normal();
  }

  Rng* rng() { return &rng_; }

  Reading Apply(int64_t ts, const Vec3& v) {
    double out[3] = {v.x + bias_.x, v.y + bias_.y, v.z + bias_.z};
    for (int k = 0; k < 3; ++k) {
      state_[k] = rho_ * state_[k] + drive_ * rng_.Normal();
      out[k] += state_[k] + white_ * rng_.Normal();
      if (lsb_ > 0) out[k] = std::round(out[k] / lsb_) * lsb_;
    }
    return {ts, static_cast<float>(out[0]), static_cast<float>(out[1]), static_cast<float>(out[2])};
  }

 private:
  Rng rng_;
  double white_, smooth_, rho_, drive_ = 0, lsb_;
  Vec3 bias_;
  double state_[3] = {0, 0, 0};
};

Vec3 DeviceBias(uint64_t seed, int32_t subject, int32_t folder_index, bool accel) {
  Rng rng(Key(
      seed, {kTagNoise, static_cast<uint64_t>(subject), static_cast<uint64_t>(folder_index), 999}));
  double s = accel ? 0.05 : 0.004;  // m/s^2 calibration offset, rad/s gyro drift
  return {s * rng.Normal(), s * rng.Normal(), s * rng.Normal()};
}

}  // namespace

void GenerateBlock(const DatasetPlan& plan, int32_t subject_index, int32_t folder_index,
                   int32_t activity, std::vector<Reading>* out) {
  out->clear();
  const int64_t n = plan.Lines(subject_index, folder_index, activity);
  if (n <= 0) return;
  const wisdm::Folder folder = wisdm::kFolders[folder_index];
  const bool accel = folder.sensor == wisdm::Sensor::kAccel;
  const int32_t subject = plan.SubjectId(subject_index);
  const StreamTiming& timing = plan.Timing(subject_index, folder_index);
  const int64_t start = plan.Session(subject_index, folder.device).block_start_ns[activity];

  BlockMotion motion(plan.seed(), subject, folder.device, activity,
                     plan.AccelVigor(subject_index, folder.device),
                     plan.GyroVigor(subject_index, folder.device));
  SensorNoise noise(
      Key(plan.seed(), {kTagNoise, static_cast<uint64_t>(subject),
                        static_cast<uint64_t>(folder_index), static_cast<uint64_t>(activity)}),
      motion.profile(), accel, timing.interval_ns[activity], timing.lsb,
      DeviceBias(plan.seed(), subject, folder_index, accel));
  Clock clock(timing, activity, start);
  out->reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t ts = clock.Next(i, noise.rng());
    // Time since the block began, so the accel and gyro of one device see the same motion.
    double t = static_cast<double>(ts - start) * 1e-9;
    out->push_back(noise.Apply(ts, accel ? motion.Accel(t) : motion.Gyro(t)));
  }
}

}  // namespace sensorlake::generate
