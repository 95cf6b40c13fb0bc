#include "sensorlake/quality/checks.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

namespace sensorlake::quality {

std::string_view CheckResult::Outcome() const {
  switch (status) {
    case CheckStatus::kPass:
      return "pass";
    case CheckStatus::kSkipped:
      return "skipped";
    case CheckStatus::kFail:
      break;
  }
  return severity == Severity::kError ? "error" : "warn";
}

nlohmann::json CheckResult::ToJson() const {
  return {{"rule", rule},
          {"check", CheckKindName(check)},
          {"severity", SeverityName(severity)},
          {"scope", scope},
          {"params", params},
          {"status", Outcome()},
          {"observed", observed},
          {"expected", expected},
          {"note", note},
          {"evaluated", evaluated},
          {"failing", failing},
          {"failures", failures}};
}

double PopulationStabilityIndex(const MagnitudeHistogram& expected,
                                const MagnitudeHistogram& actual) {
  double ne = 0, na = 0;
  for (size_t i = 0; i < expected.size(); ++i) ne += expected[i], na += actual[i];
  if (ne == 0 || na == 0) return 0;
  double psi = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    double e = std::max(expected[i] / ne, 1e-4), a = std::max(actual[i] / na, 1e-4);
    psi += (a - e) * std::log(a / e);
  }
  return psi;
}

namespace {

const wisdm::Folder& FolderAt(int32_t i) { return wisdm::kFolders[static_cast<size_t>(i)]; }
std::string FolderName(int32_t i) { return FolderAt(i).Name(); }
std::string ActivityCode(int32_t a) {
  return std::string(1, wisdm::kActivityCodes[static_cast<size_t>(a)]);
}

// The JSON key of a failing block: where to look.
nlohmann::json BlockJson(const BlockKey& k) {
  return {{"folder", FolderName(k.folder)},
          {"subject", k.subject},
          {"activity", ActivityCode(k.activity)},
          {"block", k.block}};
}

// Collects failures, keeping the first kMaxFailuresListed.
class Failures {
 public:
  explicit Failures(CheckResult* r) : r_(r) {}
  void Add(nlohmann::json key) {
    ++r_->failing;
    if (r_->failures.size() < kMaxFailuresListed) r_->failures.push_back(std::move(key));
  }

 private:
  CheckResult* r_;
};

bool InScope(const Rule& rule, const BlockKey& k) {
  return rule.scope.Matches(FolderAt(k.folder), k.subject, k.activity);
}

// Calls fn(block) for every block in the rule's scope, counting them as evaluated.
template <typename Fn>
void ForBlocks(const DatasetProfile& p, const Rule& rule, CheckResult* r, Fn fn) {
  for (const auto& b : p.blocks) {
    if (!InScope(rule, b.key)) continue;
    ++r->evaluated;
    fn(b);
  }
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// "phone/accel: 1610, 1627; watch/accel: 1633" from (folder, subject) pairs.
std::string SubjectsByFolder(const std::set<std::pair<int32_t, int32_t>>& pairs) {
  std::map<int32_t, std::vector<int32_t>> by_folder;
  for (const auto& [f, s] : pairs) by_folder[f].push_back(s);
  std::vector<std::string> parts;
  for (const auto& [f, subjects] : by_folder) {
    parts.push_back(fmt::format("{}: {}", FolderName(f), fmt::join(subjects, ", ")));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

void Finish(CheckResult* r) {
  if (r->status != CheckStatus::kSkipped) {
    r->status = r->failing > 0 ? CheckStatus::kFail : CheckStatus::kPass;
  }
}

// ---- the checks ---------------------------------------------------------------------------

void PublishedCounts(const DatasetProfile& p, const Rule& rule, CheckResult* r) {
  double scale = rule.Param("scale") > 0 ? rule.Param("scale")
                 : p.generated_scale > 0 ? p.generated_scale
                                         : 1.0;
  int64_t want_subjects =
      scale <= 1 ? wisdm::kNumSubjects : std::llround(wisdm::kNumSubjects * scale);
  std::set<int32_t> subjects;
  for (const auto& f : p.files) subjects.insert(f.subject);
  r->expected =
      fmt::format("rows per folder and activity within {:.1f}% of the published table x {:g}",
                  100 * rule.Param("tolerance"), scale);
  if (!rule.scope.subjects.empty()) {
    r->status = CheckStatus::kSkipped;
    r->observed = "the published table counts all subjects: a subject scope does not apply";
    return;
  }
  if (static_cast<int64_t>(subjects.size()) != want_subjects) {
    r->status = CheckStatus::kSkipped;
    r->observed =
        fmt::format("the dataset holds {} subjects, the published table {}: it does not apply",
                    subjects.size(), want_subjects);
    return;
  }
  std::array<std::array<int64_t, wisdm::kNumActivities>, 4> rows{};
  for (const auto& b : p.blocks) {
    rows[static_cast<size_t>(b.key.folder)][static_cast<size_t>(b.key.activity)] += b.rows;
  }
  Failures fails(r);
  double worst = 0;
  for (int32_t f = 0; f < 4; ++f) {
    for (int32_t a = 0; a < wisdm::kNumActivities; ++a) {
      if (!rule.scope.MatchesFolder(FolderAt(f)) || !rule.scope.MatchesActivity(a)) continue;
      ++r->evaluated;
      int64_t want = std::llround(
          wisdm::kPublishedLinesPerActivity[static_cast<size_t>(f)][static_cast<size_t>(a)] *
          scale);
      int64_t got = rows[static_cast<size_t>(f)][static_cast<size_t>(a)];
      double rel = want > 0 ? std::fabs(static_cast<double>(got - want)) / want : (got ? 1 : 0);
      worst = std::max(worst, rel);
      if (rel > rule.Param("tolerance")) {
        fails.Add({{"folder", FolderName(f)},
                   {"activity", ActivityCode(a)},
                   {"rows", got},
                   {"expected", want},
                   {"what", fmt::format("{} rows, expected {} ({:+.2f}%)", got, want,
                                        100.0 * (got - want) / std::max<int64_t>(want, 1))}});
      }
    }
  }
  r->observed = fmt::format(
      "{} of {} folder-activity cells off by more than the tolerance; "
      "largest difference {:.2f}%",
      r->failing, r->evaluated, 100 * worst);
}

void ActivityBlocks(const DatasetProfile& p, const Rule& rule, CheckResult* r) {
  Failures fails(r);
  int64_t missing = 0, repeated = 0, short_blocks = 0, long_blocks = 0;
  std::vector<std::string> absent_notes;
  for (int32_t f = 0; f < 4; ++f) {
    if (!rule.scope.MatchesFolder(FolderAt(f))) continue;
    std::map<std::pair<int32_t, int32_t>, std::vector<const BlockProfile*>> by_cell;
    std::set<int32_t> subjects;
    std::vector<double> durations;
    for (const auto& b : p.blocks) {
      if (b.key.folder != f) continue;
      subjects.insert(b.key.subject);
      by_cell[{b.key.subject, b.key.activity}].push_back(&b);
      durations.push_back(b.Seconds());
    }
    const double median = Median(durations);
    std::string absent;
    for (int32_t a = 0; a < wisdm::kNumActivities; ++a) {
      if (!rule.scope.MatchesActivity(a)) continue;
      int64_t have = 0;
      for (int32_t s : subjects) have += by_cell.count({s, a}) ? 1 : 0;
      if (have == 0) {
        absent += ActivityCode(a);
        continue;
      }
      for (int32_t s : subjects) {
        if (!rule.scope.MatchesSubject(s)) continue;
        ++r->evaluated;
        auto it = by_cell.find({s, a});
        if (it == by_cell.end()) {
          double share = static_cast<double>(have) / std::max<size_t>(1, subjects.size() - 1);
          if (share >= rule.Param("missing_share")) {
            ++missing;
            fails.Add({{"folder", FolderName(f)},
                       {"subject", s},
                       {"activity", ActivityCode(a)},
                       {"problem", "missing"},
                       {"what", fmt::format("no block, while {} of {} subjects have one", have,
                                            subjects.size())}});
          }
          continue;
        }
        if (it->second.size() > 1) {
          ++repeated;
          std::vector<int32_t> ids;
          for (const auto* b : it->second) ids.push_back(b->key.block);
          fails.Add({{"folder", FolderName(f)},
                     {"subject", s},
                     {"activity", ActivityCode(a)},
                     {"problem", "repeated"},
                     {"what", fmt::format("{} separate blocks (ordinals {})", ids.size(),
                                          fmt::join(ids, ", "))}});
        }
        for (const auto* b : it->second) {
          double sec = b->Seconds();
          bool is_short = sec < rule.Param("short_fraction") * median;
          bool is_long = sec > rule.Param("long_fraction") * median;
          if (!is_short && !is_long) continue;
          (is_short ? short_blocks : long_blocks) += 1;
          auto key = BlockJson(b->key);
          key["problem"] = is_short ? "short" : "long";
          key["what"] =
              fmt::format("{:.0f} s and {} readings; the folder's median block is {:.0f} s", sec,
                          b->rows, median);
          fails.Add(std::move(key));
        }
      }
    }
    if (!absent.empty()) absent_notes.push_back(fmt::format("{}: {}", FolderAt(f).Name(), absent));
  }
  r->expected =
      fmt::format("one block per subject and activity, {:g}x to {:g}x the folder's median duration",
                  rule.Param("short_fraction"), rule.Param("long_fraction"));
  r->observed =
      fmt::format("{} missing, {} repeated, {} short, {} long (of {} subject-activity cells)",
                  missing, repeated, short_blocks, long_blocks, r->evaluated);
  if (!absent_notes.empty()) {
    r->note =
        fmt::format("activities not present for any subject: {}", fmt::join(absent_notes, "; "));
  }
}

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

void DuplicateStream(const DatasetProfile& p, const Rule& rule, CheckResult* r) {
  // Blocks that share most of their sketch hold the same readings. An inverted index of
  // the sketches finds the pairs without comparing every block with every other.
  std::vector<size_t> eligible;
  std::unordered_map<uint64_t, std::vector<uint32_t>> index;
  for (size_t i = 0; i < p.blocks.size(); ++i) {
    const auto& b = p.blocks[i];
    if (!InScope(rule, b.key) || b.rows < static_cast<int64_t>(rule.Param("min_rows")) ||
        b.sketch.empty()) {
      continue;
    }
    eligible.push_back(i);
    for (uint64_t h : b.sketch) index[h].push_back(static_cast<uint32_t>(i));
  }
  r->evaluated = static_cast<int64_t>(eligible.size());
  std::map<std::pair<uint32_t, uint32_t>, int32_t> shared;
  for (const auto& [h, blocks] : index) {
    for (size_t i = 0; i < blocks.size(); ++i) {
      for (size_t j = i + 1; j < blocks.size(); ++j) ++shared[{blocks[i], blocks[j]}];
    }
  }
  Failures fails(r);
  std::set<std::string> pairs;
  for (const auto& [pair, n] : shared) {
    const auto& a = p.blocks[pair.first];
    const auto& b = p.blocks[pair.second];
    double share = static_cast<double>(n) / std::min(a.sketch.size(), b.sketch.size());
    if (share < rule.Param("min_shared")) continue;
    auto key = BlockJson(a.key);
    key["other"] = BlockJson(b.key);
    key["shared"] = std::round(share * 1000) / 1000;
    key["what"] = fmt::format("same readings as {} ({:.0f}% of sampled sequences)",
                              b.key.ToString(), 100 * share);
    fails.Add(std::move(key));
    pairs.insert(fmt::format("{} {} = {} {}", FolderName(a.key.folder), a.key.subject,
                             FolderName(b.key.folder), b.key.subject));
  }
  r->expected = fmt::format("no two blocks sharing {:g}% of their sampled value sequences",
                            100 * rule.Param("min_shared"));
  r->observed = fmt::format("{} duplicated block pairs among {} blocks", r->failing, r->evaluated);
  if (!pairs.empty()) r->note = fmt::format("duplicated streams: {}", fmt::join(pairs, "; "));
}

void EmptyFile(const DatasetProfile& p, const Rule& rule, CheckResult* r) {
  Failures fails(r);
  std::set<int32_t> subjects;
  std::set<std::pair<int32_t, int32_t>> present;
  for (const auto& f : p.files) subjects.insert(f.subject), present.insert({f.folder, f.subject});
  for (const auto& f : p.files) {
    if (!rule.scope.MatchesFolder(FolderAt(f.folder)) || !rule.scope.MatchesSubject(f.subject)) {
      continue;
    }
    ++r->evaluated;
    if (f.lines > 0) continue;
    fails.Add({{"folder", FolderName(f.folder)},
               {"subject", f.subject},
               {"file", f.path},
               {"problem", "empty"},
               {"what", "the raw file has no lines"}});
  }
  std::set<int32_t> folders;  // a folder the dataset does not hold at all is not judged
  for (const auto& f : p.files) folders.insert(f.folder);
  for (int32_t folder : folders) {
    if (!rule.scope.MatchesFolder(FolderAt(folder))) continue;
    for (int32_t s : subjects) {
      if (!rule.scope.MatchesSubject(s) || present.count({folder, s})) continue;
      ++r->evaluated;
      fails.Add({{"folder", FolderName(folder)},
                 {"subject", s},
                 {"problem", "missing"},
                 {"what", "no raw file for this subject, which has files in other folders"}});
    }
  }
  r->expected = "every subject has a non-empty raw file in every folder";
  r->observed = fmt::format("{} of {} files empty or missing", r->failing, r->evaluated);
}

void QuarantineRate(const DatasetProfile& p, const Rule& rule, CheckResult* r) {
  int64_t lines = 0, quarantined = 0;
  std::map<std::string, int64_t> by_reason;
  for (const auto& f : p.files) {
    if (!rule.scope.MatchesFolder(FolderAt(f.folder)) || !rule.scope.MatchesSubject(f.subject)) {
      continue;
    }
    ++r->evaluated;
    lines += f.lines, quarantined += f.quarantined;
    for (const auto& [reason, n] : f.quarantined_by_reason) by_reason[reason] += n;
  }
  Failures fails(r);
  auto rate = [&](int64_t n) { return lines > 0 ? static_cast<double>(n) / lines : 0.0; };
  if (rate(quarantined) > rule.Param("max_rate")) {
    fails.Add(
        {{"reason", "all"},
         {"rows", quarantined},
         {"rate", rate(quarantined)},
         {"what", fmt::format("{:.3f}% of {} lines quarantined", 100 * rate(quarantined), lines)}});
  }
  std::vector<std::string> parts;
  for (const auto& [reason, n] : by_reason) {
    parts.push_back(fmt::format("{} {}", reason, n));
    if (rate(n) <= rule.Param("max_reason_rate")) continue;
    fails.Add({{"reason", reason},
               {"rows", n},
               {"rate", rate(n)},
               {"what", fmt::format("{:.3f}% of lines quarantined as {}", 100 * rate(n), reason)}});
  }
  r->expected = fmt::format("at most {:g}% of lines quarantined, {:g}% for any one reason",
                            100 * rule.Param("max_rate"), 100 * rule.Param("max_reason_rate"));
  r->observed = fmt::format("{} of {} lines quarantined ({:.4f}%)", quarantined, lines,
                            100 * rate(quarantined));
  if (!parts.empty()) r->note = fmt::format("by reason: {}", fmt::join(parts, ", "));
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

}  // namespace

CheckResult RunCheck(const DatasetProfile& p, const Rule& rule, const Baseline* baseline) {
  CheckResult r;
  r.rule = rule.name;
  r.check = rule.check;
  r.severity = rule.severity;
  r.scope = rule.scope.ToString();
  r.params = rule.params;
  switch (rule.check) {
    case CheckKind::kPublishedCounts:
      PublishedCounts(p, rule, &r);
      break;
    case CheckKind::kActivityBlocks:
      ActivityBlocks(p, rule, &r);
      break;
    case CheckKind::kSamplingRate:
      SamplingRate(p, rule, &r);
      break;
    case CheckKind::kTimestampOrder:
      TimestampOrder(p, rule, &r);
      break;
    case CheckKind::kTimestampGaps:
      TimestampGaps(p, rule, &r);
      break;
    case CheckKind::kTimestampResolution:
      TimestampResolution(p, rule, &r);
      break;
    case CheckKind::kValueRange:
      ValueRange(p, rule, &r);
      break;
    case CheckKind::kStuckValues:
      StuckValues(p, rule, &r);
      break;
    case CheckKind::kClippedValues:
      ClippedValues(p, rule, &r);
      break;
    case CheckKind::kScaledValues:
      ScaledValues(p, rule, &r);
      break;
    case CheckKind::kDuplicateStream:
      DuplicateStream(p, rule, &r);
      break;
    case CheckKind::kEmptyFile:
      EmptyFile(p, rule, &r);
      break;
    case CheckKind::kQuarantineRate:
      QuarantineRate(p, rule, &r);
      break;
    case CheckKind::kDrift:
      Drift(p, rule, baseline, &r);
      break;
  }
  Finish(&r);
  return r;
}

std::vector<CheckResult> RunChecks(const DatasetProfile& profile, const QualityRules& rules,
                                   const Baseline* baseline) {
  std::vector<CheckResult> out;
  for (const auto& rule : rules.rules) out.push_back(RunCheck(profile, rule, baseline));
  return out;
}

}  // namespace sensorlake::quality
