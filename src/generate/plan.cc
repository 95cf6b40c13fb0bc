#include "sensorlake/generate/plan.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "generate/random.h"

namespace sensorlake::generate {
namespace {

using wisdm::Device;
using wisdm::kNumActivities;

// Real 20 Hz phones sample every 50354004 or 50354003 ns (FACTS.md, real-sample/).
constexpr double kPhoneGridInterval = 50354003.9;
// Phones that are not on that grid run near 25 Hz (39.9 ms, subjects 1601, 1603, ...).
constexpr double kPhoneJitterInterval = 39.9e6;
constexpr double kWatchInterval = 50.0e6;
// Share of subjects whose accelerometer runs faster than their gyroscope. The published
// totals need it: phone accel has 4.8M lines against 3.6M for phone gyro (fast phones run
// at 40-50 Hz), watch accel 3.78M against 3.44M.
constexpr double kFastPhoneShare = 0.30;
constexpr double kFastWatchShare = 0.15;
// ADC steps seen in real quantized streams (subject 1601): accel 2 g / 2^15, gyro.
constexpr double kAccelLsb = 0.0005985504;
constexpr double kGyroLsb = 0.00026631611;

int32_t FolderIndex(Device d, wisdm::Sensor s) {
  return static_cast<int32_t>(d) * 2 + static_cast<int32_t>(s);
}

// Streams off the grid spread their lines over the block's span, so the accel and gyro of
// one device cover the same stretch of time. Grid streams keep their exact period.
void FitInterval(StreamTiming* t, int32_t activity, int64_t lines, double span_s) {
  if (!t->grid && lines > 0 && span_s > 0) t->interval_ns[activity] = span_s * 1e9 / lines;
}

}  // namespace

int32_t NumSubjectsForScale(double scale) {
  if (scale <= 1.0) return wisdm::kNumSubjects;
  return static_cast<int32_t>(std::max<int64_t>(wisdm::kNumSubjects, std::llround(51.0 * scale)));
}

int64_t TargetLines(int32_t folder_index, int32_t activity, double scale) {
  return std::llround(
      static_cast<double>(wisdm::kPublishedLinesPerActivity[folder_index][activity]) * scale);
}

std::vector<int64_t> LargestRemainder(int64_t total, const std::vector<double>& weights) {
  size_t n = weights.size();
  std::vector<int64_t> out(n, 0);
  if (n == 0) return out;
  double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<double> quota(n);
  for (size_t i = 0; i < n; ++i) {
    quota[i] = sum > 0 ? static_cast<double>(total) * weights[i] / sum
                       : static_cast<double>(total) / static_cast<double>(n);
  }
  int64_t assigned = 0;
  std::vector<double> frac(n);
  for (size_t i = 0; i < n; ++i) {
    out[i] = static_cast<int64_t>(std::floor(quota[i]));
    frac[i] = quota[i] - static_cast<double>(out[i]);
    assigned += out[i];
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  // Largest fraction first; ties to the lower index, so the result is fully determined.
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return frac[a] != frac[b] ? frac[a] > frac[b] : a < b; });
  int64_t rest = total - assigned;
  for (size_t k = 0; rest > 0; k = (k + 1) % n, --rest) out[order[k]]++;
  // Rounding in the quotas can overshoot by a line: take it back from the smallest fractions.
  for (size_t k = n; rest < 0; k = (k == 0 ? n : k) - 1) {
    if (k == n) continue;
    if (out[order[k]] > 0) {
      out[order[k]]--;
      ++rest;
    }
  }
  return out;
}

Result<DatasetPlan> DatasetPlan::Make(double scale, uint64_t seed) {
  if (!(scale > 0.0) || !(scale <= 100.0)) {
    return Status::Invalid("scale must be in (0, 100], got {}", scale);
  }
  DatasetPlan plan;
  plan.scale_ = scale;
  plan.seed_ = seed;
  plan.num_subjects_ = NumSubjectsForScale(scale);
  size_t n = static_cast<size_t>(plan.num_subjects_);
  plan.lines_.assign(n * 4, ActivityCounts{});
  plan.timing_.assign(n * 4, StreamTiming{});
  plan.sessions_.assign(n * 2, SessionPlan{});
  plan.fast_accel_.assign(n * 2, 0);
  plan.vigor_.assign(n * 4, 0.0);
  plan.PlanDevices();
  for (Device d : {Device::kPhone, Device::kWatch}) {
    for (int32_t a = 0; a < kNumActivities; ++a) plan.PlanDeviceActivity(d, a);
  }
  plan.PlanSessions();
  return plan;
}

int32_t DatasetPlan::SubjectIndex(int32_t subject_id) const {
  int32_t i = subject_id - wisdm::kFirstSubject;
  return i >= 0 && i < num_subjects_ ? i : -1;
}

int64_t DatasetPlan::FileLines(int32_t subject_index, int32_t folder_index) const {
  const ActivityCounts& c = lines_[Slot(subject_index, folder_index)];
  return std::accumulate(c.begin(), c.end(), int64_t{0});
}

FolderActivityCounts DatasetPlan::Totals() const {
  FolderActivityCounts t{};
  for (int32_t s = 0; s < num_subjects_; ++s) {
    for (int32_t f = 0; f < 4; ++f) {
      for (int32_t a = 0; a < kNumActivities; ++a) t[f][a] += Lines(s, f, a);
    }
  }
  return t;
}

// Sampling class of every device: its period, whether it is on an exact grid, whether
// its values are quantized, and the subset whose accelerometer runs fast.
void DatasetPlan::PlanDevices() {
  for (int32_t s = 0; s < num_subjects_; ++s) {
    for (Device d : {Device::kPhone, Device::kWatch}) {
      Rng rng(
          Key(seed_, {kTagDevice, static_cast<uint64_t>(SubjectId(s)), static_cast<uint64_t>(d)}));
      StreamTiming base;
      bool quantized = false;
      if (d == Device::kPhone && rng.Uniform() < 0.78) {
        base.grid = true;
        base.interval_ns.fill(kPhoneGridInterval);
      } else if (d == Device::kPhone) {
        base.grid = false;
        base.interval_ns.fill(kPhoneJitterInterval * (1.0 + 0.004 * rng.Normal()));
        base.jitter_fraction = 0.02;
        quantized = true;  // these phones report integer ADC steps (subject 1601)
      } else {
        base.grid = false;
        base.interval_ns.fill(kWatchInterval * (1.0 + 0.002 * rng.Normal()));
        base.jitter_fraction = 0.006;
      }
      StreamTiming accel = base;
      StreamTiming gyro = base;
      accel.lsb = quantized ? kAccelLsb : 0;
      gyro.lsb = quantized ? kGyroLsb : 0;
      // The gyroscope starts a few samples after the accelerometer (3 in real-sample/).
      gyro.offset_samples = static_cast<int32_t>(rng.Below(d == Device::kPhone ? 5 : 3));
      timing_[Slot(s, FolderIndex(d, wisdm::Sensor::kAccel))] = accel;
      timing_[Slot(s, FolderIndex(d, wisdm::Sensor::kGyro))] = gyro;
    }
  }
  for (Device d : {Device::kPhone, Device::kWatch}) {
    std::vector<int32_t> order(num_subjects_);
    std::iota(order.begin(), order.end(), 0);
    Rng rng(Key(seed_, {kTagFastSet, static_cast<uint64_t>(d)}));
    for (int32_t i = num_subjects_ - 1; i > 0; --i) {
      std::swap(order[i], order[rng.Below(static_cast<uint64_t>(i) + 1)]);
    }
    double share = d == Device::kPhone ? kFastPhoneShare : kFastWatchShare;
    int64_t fast = std::llround(share * num_subjects_);
    for (int64_t i = 0; i < fast; ++i) fast_accel_[order[i] * 2 + static_cast<int32_t>(d)] = 1;
    for (int32_t kind = 0; kind < 2; ++kind) {
      for (int32_t i = num_subjects_ - 1; i > 0; --i) {
        std::swap(order[i], order[rng.Below(static_cast<uint64_t>(i) + 1)]);
      }
      for (int32_t rank = 0; rank < num_subjects_; ++rank) {
        // Logistic quantile scaled to unit variance: close to a normal score.
        double u = (rank + 0.5) / num_subjects_;
        vigor_[(order[rank] * 2 + static_cast<int32_t>(d)) * 2 + kind] =
            std::log(u / (1 - u)) * 0.5513;
      }
    }
  }
}

// Block spans, line counts and effective intervals of one (device, activity).
// Spans are scaled so that the gyroscopes, at their nominal rates, fill the published
// count exactly; the fast accelerometers then get the rate that fills theirs. Weights
// are rate x span, so the largest-remainder counts stay within a line of rate x span.
void DatasetPlan::PlanDeviceActivity(Device d, int32_t a) {
  const int32_t fa = FolderIndex(d, wisdm::Sensor::kAccel);
  const int32_t fg = FolderIndex(d, wisdm::Sensor::kGyro);
  const int64_t target_g = TargetLines(fg, a, scale_);
  const int64_t target_a = TargetLines(fa, a, scale_);
  const size_t n = static_cast<size_t>(num_subjects_);

  std::vector<double> jitter(n), rate_g(n), vary(n);
  double denom = 0;
  for (size_t s = 0; s < n; ++s) {
    Rng rng(Key(seed_, {kTagSession, static_cast<uint64_t>(SubjectId(s)), static_cast<uint64_t>(d),
                        static_cast<uint64_t>(a)}));
    jitter[s] = rng.Uniform(0.8, 1.2);  // people spent 2.4 to 3.6 minutes per activity
    vary[s] = rng.Uniform(0.94, 1.06);  // fast accelerometers differ from one another
    rate_g[s] = 1e9 / timing_[Slot(s, fg)].interval_ns[a];
    denom += rate_g[s] * jitter[s];
  }
  double lines_for_spans = static_cast<double>(target_g > 0 ? target_g : target_a);
  double base_s = denom > 0 ? lines_for_spans / denom : 0;

  std::vector<double> span(n), w_g(n), w_a(n), rate_a(n);
  double slow_lines = 0, fast_span = 0;
  for (size_t s = 0; s < n; ++s) {
    span[s] = base_s * jitter[s];
    sessions_[s * 2 + static_cast<size_t>(d)].span_s[a] = span[s];
    w_g[s] = rate_g[s] * span[s];
    if (fast_accel_[s * 2 + static_cast<size_t>(d)]) {
      fast_span += vary[s] * span[s];
    } else {
      slow_lines += rate_g[s] * span[s];
    }
  }
  double fast_rate = fast_span > 0 ? (static_cast<double>(target_a) - slow_lines) / fast_span : 0;
  bool use_fast = fast_rate > 5.0;  // otherwise (odd scales) every accel keeps its gyro rate
  for (size_t s = 0; s < n; ++s) {
    bool fast = use_fast && fast_accel_[s * 2 + static_cast<size_t>(d)];
    rate_a[s] = fast ? fast_rate * vary[s] : rate_g[s];
    w_a[s] = rate_a[s] * span[s];
  }
  std::vector<int64_t> lines_g = LargestRemainder(target_g, w_g);
  std::vector<int64_t> lines_a = LargestRemainder(target_a, w_a);
  for (size_t s = 0; s < n; ++s) {
    lines_[Slot(s, fg)][a] = lines_g[s];
    lines_[Slot(s, fa)][a] = lines_a[s];
    StreamTiming& ta = timing_[Slot(s, fa)];
    if (use_fast && fast_accel_[s * 2 + static_cast<size_t>(d)]) {
      ta.grid = false;
      ta.jitter_fraction = 0.015;
    }
    FitInterval(&ta, a, lines_a[s], span[s]);
    FitInterval(&timing_[Slot(s, fg)], a, lines_g[s], span[s]);
  }
}

// When each block was recorded: a device clock base of realistic uptime (1e13..3e14 ns,
// 3 hours to 3.5 days), activities performed in a shuffled order with pauses between.
void DatasetPlan::PlanSessions() {
  for (int32_t s = 0; s < num_subjects_; ++s) {
    for (Device d : {Device::kPhone, Device::kWatch}) {
      SessionPlan& session = sessions_[s * 2 + static_cast<int32_t>(d)];
      Rng rng(Key(seed_, {kTagSession, static_cast<uint64_t>(SubjectId(s)),
                          static_cast<uint64_t>(d), 1000}));
      session.clock_base_ns = static_cast<int64_t>(rng.Uniform(1e13, 3e14));
      std::array<int8_t, kNumActivities> order;
      std::iota(order.begin(), order.end(), int8_t{0});
      for (int32_t i = kNumActivities - 1; i > 0; --i) {
        std::swap(order[i], order[rng.Below(static_cast<uint64_t>(i) + 1)]);
      }
      session.recorded_order = order;
      double cursor_s = rng.Uniform(5, 60);
      for (int8_t a : order) {
        session.block_start_ns[a] = session.clock_base_ns + static_cast<int64_t>(cursor_s * 1e9);
        double pause = rng.Uniform() < 0.8 ? rng.Uniform(20, 600) : rng.Uniform(600, 7200);
        // A second of margin covers the gyro's start offset and timing jitter.
        cursor_s += session.span_s[a] + 1.0 + pause;
      }
    }
  }
}

}  // namespace sensorlake::generate
