// Internal to the quality layer: what every check shares (how a failing block is named,
// the rule's scope, the capped failure list) and the checks themselves, grouped by what they
// look at: coverage (checks_coverage.cc), timing (checks_timing.cc), values
// (checks_values.cc). checks.cc dispatches a rule to its check (RunCheck).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/quality/checks.h"

namespace sensorlake::quality::internal {

inline const wisdm::Folder& FolderAt(int32_t i) { return wisdm::kFolders[static_cast<size_t>(i)]; }
inline std::string FolderName(int32_t i) { return FolderAt(i).Name(); }
inline std::string ActivityCode(int32_t a) {
  return std::string(1, wisdm::kActivityCodes[static_cast<size_t>(a)]);
}

// The JSON key of a failing block: where to look.
inline nlohmann::json BlockJson(const BlockKey& k) {
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

inline bool InScope(const Rule& rule, const BlockKey& k) {
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

inline double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// "phone/accel: 1610, 1627; watch/accel: 1633" from (folder, subject) pairs.
inline std::string SubjectsByFolder(const std::set<std::pair<int32_t, int32_t>>& pairs) {
  std::map<int32_t, std::vector<int32_t>> by_folder;
  for (const auto& [f, s] : pairs) by_folder[f].push_back(s);
  std::vector<std::string> parts;
  for (const auto& [f, subjects] : by_folder) {
    parts.push_back(fmt::format("{}: {}", FolderName(f), fmt::join(subjects, ", ")));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

inline void Finish(CheckResult* r) {
  if (r->status != CheckStatus::kSkipped) {
    r->status = r->failing > 0 ? CheckStatus::kFail : CheckStatus::kPass;
  }
}

// Each check fills `r` (evaluated, failing, failures, observed, expected, note) from the
// profile; RunCheck sets the outcome.
// Coverage: counts per folder and activity, blocks, empty files, quarantine, duplicates.
void PublishedCounts(const DatasetProfile& p, const Rule& rule, CheckResult* r);
void ActivityBlocks(const DatasetProfile& p, const Rule& rule, CheckResult* r);
void DuplicateStream(const DatasetProfile& p, const Rule& rule, CheckResult* r);
// DuplicateStream's inverted index in std::sort's order of the pairs (hash, then block).
void SortByHashThenBlock(std::vector<std::pair<uint64_t, uint32_t>>* index);
void EmptyFile(const DatasetProfile& p, const Rule& rule, CheckResult* r);
void QuarantineRate(const DatasetProfile& p, const Rule& rule, CheckResult* r);
// Timing: sampling rate, order, gaps and resolution of the timestamps.
void SamplingRate(const DatasetProfile& p, const Rule& rule, CheckResult* r);
void TimestampOrder(const DatasetProfile& p, const Rule& rule, CheckResult* r);
void TimestampGaps(const DatasetProfile& p, const Rule& rule, CheckResult* r);
void TimestampResolution(const DatasetProfile& p, const Rule& rule, CheckResult* r);
// Values: range, stuck, clipped and rescaled readings, drift against a baseline.
void ValueRange(const DatasetProfile& p, const Rule& rule, CheckResult* r);
void StuckValues(const DatasetProfile& p, const Rule& rule, CheckResult* r);
void ClippedValues(const DatasetProfile& p, const Rule& rule, CheckResult* r);
void ScaledValues(const DatasetProfile& p, const Rule& rule, CheckResult* r);
void Drift(const DatasetProfile& p, const Rule& rule, const Baseline* baseline, CheckResult* r);

}  // namespace sensorlake::quality::internal
