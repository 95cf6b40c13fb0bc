// Checks of the readings: range, stuck, clipped and rescaled values, drift against a
// baseline (docs/quality.md).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "quality/check_support.h"

namespace sensorlake::quality::internal {

void ValueRange(const DatasetProfile& p, const Rule& rule, CheckResult* r) {
  Failures fails(r);
  double worst = 0;
  ForBlocks(p, rule, r, [&](const BlockProfile& b) {
    bool accel = FolderAt(b.key.folder).sensor == wisdm::Sensor::kAccel;
    double bound = rule.Param(accel ? "accel_abs_max" : "gyro_abs_max");
    worst = std::max(worst, b.MaxAbs() / bound);
    if (b.MaxAbs() <= bound) return;
    auto key = BlockJson(b.key);
    key["what"] = fmt::format("|value| up to {:g}, bound {:g}", b.MaxAbs(), bound);
    fails.Add(std::move(key));
  });
  r->expected = fmt::format("|x|, |y|, |z| <= {:g} m/s^2 (accel), {:g} rad/s (gyro)",
                            rule.Param("accel_abs_max"), rule.Param("gyro_abs_max"));
  r->observed = fmt::format("{} of {} blocks beyond; the largest value is {:.0f}% of its bound",
                            r->failing, r->evaluated, 100 * worst);
}

void StuckValues(const DatasetProfile& p, const Rule& rule, CheckResult* r) {
  const auto min_run = static_cast<int64_t>(rule.Param("min_run"));
  Failures fails(r);
  ForBlocks(p, rule, r, [&](const BlockProfile& b) {
    if (b.longest_run >= min_run) {
      auto key = BlockJson(b.key);
      key["problem"] = "stuck_run";
      key["sample"] = b.longest_run_start;
      key["what"] = fmt::format("{} identical readings in a row from sample {}", b.longest_run,
                                b.longest_run_start);
      fails.Add(std::move(key));
    } else if (b.rows >= min_run && b.MagnitudeStd() < rule.Param("min_std")) {
      auto key = BlockJson(b.key);
      key["problem"] = "flat";
      key["what"] = fmt::format("magnitude std {:.2g} over {} readings", b.MagnitudeStd(), b.rows);
      fails.Add(std::move(key));
    }
  });
  r->expected = fmt::format("no run of {} identical readings; magnitude std >= {:g}", min_run,
                            rule.Param("min_std"));
  r->observed = fmt::format("{} of {} blocks stuck or flat", r->failing, r->evaluated);
}

void ClippedValues(const DatasetProfile& p, const Rule& rule, CheckResult* r) {
  Failures fails(r);
  std::map<std::pair<int32_t, double>, int32_t> levels;  // (folder, |level|) -> axes clipped
  ForBlocks(p, rule, r, [&](const BlockProfile& b) {
    bool accel = FolderAt(b.key.folder).sensor == wisdm::Sensor::kAccel;
    const double min_range = rule.Param(accel ? "accel_min_range" : "gyro_min_range");
    const double need = std::max(rule.Param("min_samples"), rule.Param("min_fraction") * b.rows);
    // Readings of the longest stuck run that sit at an extreme are the stuck check's
    // finding, not a clip: they do not count here.
    auto piled = [&](size_t a, float extreme, int64_t n) {
      return b.longest_run > 1 && b.longest_run_value[a] == extreme ? n - b.longest_run : n;
    };
    std::vector<std::string> found;
    for (size_t a = 0; a < 3; ++a) {
      if (static_cast<double>(b.max[a]) - b.min[a] < min_range) continue;
      for (auto [extreme, hits] :
           {std::pair{b.max[a], b.at_max[a]}, std::pair{b.min[a], b.at_min[a]}}) {
        int64_t n = piled(a, extreme, hits);
        if (n < need) continue;
        found.push_back(fmt::format("{} at {:g} x{}", "xyz"[a], extreme, n));
        levels[{b.key.folder, std::round(std::fabs(extreme) * 100) / 100}]++;
      }
    }
    if (found.empty()) return;
    auto key = BlockJson(b.key);
    key["what"] =
        fmt::format("readings pile up at the extreme: {} (of {})", fmt::join(found, ", "), b.rows);
    fails.Add(std::move(key));
  });
  r->expected =
      fmt::format("fewer than {:g}% (and {:g}) of a block's readings exactly at its extreme",
                  100 * rule.Param("min_fraction"), rule.Param("min_samples"));
  r->observed = fmt::format("{} of {} blocks look clipped", r->failing, r->evaluated);
  // The levels tell a sensor at the end of its range (real phones stop at 2 g = 19.61) from
  // a fault: worth a line even when every block is named below.
  std::vector<std::string> parts;
  for (const auto& [key, n] : levels) {
    bool accel = FolderAt(key.first).sensor == wisdm::Sensor::kAccel;
    parts.push_back(fmt::format("{} +-{:g} {}{} x{}", FolderName(key.first), key.second,
                                accel ? "m/s^2" : "rad/s",
                                accel ? fmt::format(" ({:.2f} g)", key.second / 9.80665) : "", n));
  }
  if (!parts.empty()) r->note = fmt::format("clip levels: {}", fmt::join(parts, "; "));
}

void ScaledValues(const DatasetProfile& p, const Rule& rule, CheckResult* r) {
  // The median RMS magnitude of each folder and activity: what a block should resemble.
  std::map<std::pair<int32_t, int32_t>, std::vector<double>> rms;
  for (const auto& b : p.blocks) {
    if (b.rows >= 20) rms[{b.key.folder, b.key.activity}].push_back(b.RmsMagnitude());
  }
  std::map<std::pair<int32_t, int32_t>, double> median;
  for (auto& [cell, v] : rms) {
    if (v.size() >= 3) median[cell] = Median(v);
  }
  const double ratio_limit = rule.Param("peer_ratio");
  Failures fails(r);
  ForBlocks(p, rule, r, [&](const BlockProfile& b) {
    if (b.rows < 20) return;
    std::string what;
    bool accel = FolderAt(b.key.folder).sensor == wisdm::Sensor::kAccel;
    double mean = b.MeanMagnitude();
    if (accel && (mean < rule.Param("accel_min_mean") || mean > rule.Param("accel_max_mean"))) {
      what = fmt::format("mean accel magnitude {:.3g} m/s^2 (gravity alone is 9.81)", mean);
    }
    auto it = median.find({b.key.folder, b.key.activity});
    if (what.empty() && it != median.end() && it->second > 0) {
      double ratio = b.RmsMagnitude() / it->second;
      if (ratio > ratio_limit || ratio < 1 / ratio_limit) {
        what = fmt::format(
            "RMS magnitude {:.3g} is {:.3g}x the median {:.3g} of its folder and "
            "activity",
            b.RmsMagnitude(), ratio, it->second);
      }
    }
    if (what.empty()) return;
    auto key = BlockJson(b.key);
    key["what"] = what;
    fails.Add(std::move(key));
  });
  r->expected = fmt::format(
      "accel mean magnitude {:g} to {:g} m/s^2; RMS within {:g}x of its folder-activity median",
      rule.Param("accel_min_mean"), rule.Param("accel_max_mean"), ratio_limit);
  r->observed = fmt::format("{} of {} blocks in another unit or scale", r->failing, r->evaluated);
}

void Drift(const DatasetProfile& p, const Rule& rule, const Baseline* baseline, CheckResult* r) {
  r->expected = fmt::format("PSI of magnitude per folder and activity <= {:g} against a baseline",
                            rule.Param("max_psi"));
  if (baseline == nullptr) {
    r->status = CheckStatus::kSkipped;
    r->observed = "no baseline run given (sensorlake check --baseline RUN_ID)";
    return;
  }
  if (!rule.scope.subjects.empty()) {
    r->status = CheckStatus::kSkipped;
    r->observed = "drift is measured over all subjects: a subject scope does not apply";
    return;
  }
  Failures fails(r);
  double worst = 0;
  std::string worst_cell = "none";
  const auto min_rows = static_cast<int64_t>(rule.Param("min_rows"));
  for (int32_t f = 0; f < 4; ++f) {
    for (int32_t a = 0; a < wisdm::kNumActivities; ++a) {
      if (!rule.scope.MatchesFolder(FolderAt(f)) || !rule.scope.MatchesActivity(a)) continue;
      const auto& now = p.magnitude[static_cast<size_t>(f)][static_cast<size_t>(a)];
      const auto& then = baseline->magnitude[static_cast<size_t>(f)][static_cast<size_t>(a)];
      int64_t n_now = 0, n_then = 0;
      for (size_t i = 0; i < now.size(); ++i) n_now += now[i], n_then += then[i];
      if (n_now < min_rows || n_then < min_rows) continue;
      ++r->evaluated;
      double psi = PopulationStabilityIndex(then, now);
      if (psi > worst)
        worst = psi, worst_cell = fmt::format("{} {}", FolderName(f), ActivityCode(a));
      if (psi <= rule.Param("max_psi")) continue;
      fails.Add({{"folder", FolderName(f)},
                 {"activity", ActivityCode(a)},
                 {"psi", std::round(psi * 1000) / 1000},
                 {"what", fmt::format("PSI {:.3f} against run {}", psi, baseline->run_id)}});
    }
  }
  r->observed = fmt::format("{} of {} cells drifted; the largest PSI {:.3f} ({}) against run {}",
                            r->failing, r->evaluated, worst, worst_cell, baseline->run_id);
}

}  // namespace sensorlake::quality::internal
