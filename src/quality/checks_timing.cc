// Checks of the timestamps: sampling rate, order, gaps, resolution (docs/quality.md).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "quality/check_support.h"

namespace sensorlake::quality::internal {

void SamplingRate(const DatasetProfile& p, const Rule& rule, CheckResult* r) {
  const double lo = rule.Param("min_hz"), hi = rule.Param("max_hz");
  Failures fails(r);
  std::set<std::pair<int32_t, int32_t>> fast, slow;
  ForBlocks(p, rule, r, [&](const BlockProfile& b) {
    double hz = b.RateHz();
    if (b.rows < 2 || (hz >= lo && hz <= hi)) return;
    bool is_fast = hz > hi;
    (is_fast ? fast : slow).insert({b.key.folder, b.key.subject});
    auto key = BlockJson(b.key);
    key["rate_hz"] = std::round(hz * 100) / 100;
    key["problem"] = is_fast ? "fast" : "slow";
    key["what"] = fmt::format("{:.1f} Hz over {:.0f} s", hz, b.Seconds());
    fails.Add(std::move(key));
  });
  r->expected = fmt::format("{:g} to {:g} Hz per block", lo, hi);
  r->observed = fmt::format("{} of {} blocks outside the band", r->failing, r->evaluated);
  if (!fast.empty()) r->note += fmt::format("faster streams: {}. ", SubjectsByFolder(fast));
  if (!slow.empty()) r->note += fmt::format("slower streams: {}.", SubjectsByFolder(slow));
}

void TimestampOrder(const DatasetProfile& p, const Rule& rule, CheckResult* r) {
  Failures fails(r);
  ForBlocks(p, rule, r, [&](const BlockProfile& b) {
    if (b.non_increasing == 0) return;
    auto key = BlockJson(b.key);
    key["what"] = fmt::format("{} readings not later than the one before", b.non_increasing);
    fails.Add(std::move(key));
  });
  int64_t reordered = 0, dropped = 0;
  for (const auto& f : p.files) {
    if (rule.scope.MatchesFolder(FolderAt(f.folder)) && rule.scope.MatchesSubject(f.subject)) {
      reordered += f.reordered, dropped += f.duplicates_dropped;
    }
  }
  r->expected = "timestamps strictly increase inside every curated block";
  r->observed = fmt::format("{} of {} blocks with repeated or decreasing timestamps", r->failing,
                            r->evaluated);
  r->note = fmt::format(
      "the raw files held {} readings out of order (re-ordered) and {} exact "
      "duplicates (dropped)",
      reordered, dropped);
}

void TimestampGaps(const DatasetProfile& p, const Rule& rule, CheckResult* r) {
  const auto gap_ns = static_cast<int64_t>(rule.Param("gap_seconds") * 1e9);
  Failures fails(r);
  int64_t total = 0, longest = 0;
  ForBlocks(p, rule, r, [&](const BlockProfile& b) {
    int64_t n = 0, worst = 0;
    for (int64_t g : b.gaps_ns) {
      if (g > gap_ns) ++n, worst = std::max(worst, g);
    }
    total += n;
    longest = std::max(longest, worst);
    if (n <= static_cast<int64_t>(rule.Param("max_gaps_per_block"))) return;
    auto key = BlockJson(b.key);
    key["gaps"] = n;
    key["what"] = fmt::format("{} gaps, the longest {:.1f} s", n, worst / 1e9);
    fails.Add(std::move(key));
  });
  r->expected = fmt::format("at most {:g} pauses longer than {:g} s per block",
                            rule.Param("max_gaps_per_block"), rule.Param("gap_seconds"));
  r->observed = fmt::format("{} gaps in {} of {} blocks; the longest {:.1f} s", total, r->failing,
                            r->evaluated, longest / 1e9);
}

void TimestampResolution(const DatasetProfile& p, const Rule& rule, CheckResult* r) {
  Failures fails(r);
  std::set<std::pair<int32_t, int32_t>> streams;
  ForBlocks(p, rule, r, [&](const BlockProfile& b) {
    if (b.rows < static_cast<int64_t>(rule.Param("min_rows")) || b.fine_timestamps > 0) return;
    streams.insert({b.key.folder, b.key.subject});
    auto key = BlockJson(b.key);
    key["what"] = fmt::format("all {} timestamps are whole microseconds", b.rows);
    fails.Add(std::move(key));
  });
  r->expected = "nanosecond clocks (some timestamp not a multiple of 1000 ns)";
  r->observed = fmt::format("{} of {} blocks tick in whole microseconds", r->failing, r->evaluated);
  if (!streams.empty()) r->note = fmt::format("microsecond clocks: {}", SubjectsByFolder(streams));
}

}  // namespace sensorlake::quality::internal
