// Checks of coverage: the published counts, activity blocks, duplicate streams, empty files
// and the quarantine rate (docs/quality.md).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "quality/check_support.h"

namespace sensorlake::quality::internal {

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

// The same order as std::sort of the pairs, in two passes instead of ~18: the entries are
// spread by their hash's top 16 bits (the hashes are uniform, so a bucket holds a handful
// of the 235,000 entries of scale 1), then each bucket is sorted on its own. The serial
// end of a check waited 20 ms on the full sort.
void SortByHashThenBlock(std::vector<std::pair<uint64_t, uint32_t>>* index) {
  constexpr int kBits = 16;
  std::vector<uint32_t> start((size_t{1} << kBits) + 1, 0);
  for (const auto& e : *index) ++start[(e.first >> (64 - kBits)) + 1];
  for (size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
  std::vector<std::pair<uint64_t, uint32_t>> sorted(index->size());
  std::vector<uint32_t> next(start.begin(), start.end() - 1);
  for (const auto& e : *index) sorted[next[e.first >> (64 - kBits)]++] = e;
  for (size_t b = 0; b + 1 < start.size(); ++b) {
    // A handful each: an insertion sort, without std::sort's set-up per call.
    for (uint32_t i = start[b] + 1; i < start[b + 1]; ++i) {
      const auto e = sorted[i];
      uint32_t j = i;
      for (; j > start[b] && e < sorted[j - 1]; --j) sorted[j] = sorted[j - 1];
      sorted[j] = e;
    }
  }
  *index = std::move(sorted);
}

void DuplicateStream(const DatasetProfile& p, const Rule& rule, CheckResult* r) {
  // Blocks that share most of their sketch hold the same readings. An inverted index of
  // the sketches (every (hash, block) sorted, so equal hashes lie together) finds the pairs
  // without comparing every block with every other.
  int64_t eligible = 0;
  std::vector<std::pair<uint64_t, uint32_t>> index;
  index.reserve(p.blocks.size() * kSketchSize);
  for (size_t i = 0; i < p.blocks.size(); ++i) {
    const auto& b = p.blocks[i];
    if (!InScope(rule, b.key) || b.rows < static_cast<int64_t>(rule.Param("min_rows")) ||
        b.sketch.empty()) {
      continue;
    }
    ++eligible;
    for (uint64_t h : b.sketch) index.emplace_back(h, static_cast<uint32_t>(i));
  }
  r->evaluated = eligible;
  SortByHashThenBlock(&index);
  std::map<std::pair<uint32_t, uint32_t>, int32_t> shared;
  for (size_t begin = 0, end = 0; begin < index.size(); begin = end) {
    for (end = begin + 1; end < index.size() && index[end].first == index[begin].first;) ++end;
    for (size_t i = begin; i < end; ++i) {
      for (size_t j = i + 1; j < end; ++j) ++shared[{index[i].second, index[j].second}];
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

}  // namespace sensorlake::quality::internal
