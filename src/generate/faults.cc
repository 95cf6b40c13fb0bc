#include "generate/faults.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "generate/random.h"
#include "sensorlake/common/float_chars.h"

namespace sensorlake::generate {
namespace {

constexpr std::array<std::string_view, kNumFaultKinds> kKindNames = {"duplicate_stream",
                                                                     "microsecond_clock",
                                                                     "crlf",
                                                                     "truncated_last_line",
                                                                     "empty_file",
                                                                     "stuck",
                                                                     "clipped",
                                                                     "scaled",
                                                                     "malformed",
                                                                     "wrong_field_count",
                                                                     "non_numeric",
                                                                     "nan",
                                                                     "unknown_activity",
                                                                     "subject_mismatch",
                                                                     "bad_subject",
                                                                     "bad_timestamp",
                                                                     "out_of_bounds",
                                                                     "duplicate_row",
                                                                     "conflicting_duplicate",
                                                                     "out_of_order"};

constexpr double kMaxLineRate = 0.05;      // per kind
constexpr double kMaxTotalLineRate = 0.1;  // all kinds: leaves room for clean neighbours
constexpr double kMaxCount = 100000;

std::string KnownKinds() {
  std::string s;
  for (std::string_view k : kKindNames) s += s.empty() ? std::string(k) : ", " + std::string(k);
  return s;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Result<double> ParseAmount(FaultKind kind, std::string_view item, std::string_view text) {
  double v = 0;
  auto [p, ec] = FloatFromChars(text.data(), text.data() + text.size(), &v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v)) {
    return Status::Invalid("--faults item '{}': '{}' is not a number", item, text);
  }
  if (ScopeOf(kind) == FaultScope::kLine) {
    if (v < 0 || v > kMaxLineRate) {
      return Status::Invalid("--faults item '{}': {} is a rate per line, expected 0..{}", item,
                             FaultKindName(kind), kMaxLineRate);
    }
  } else if (v < 0 || v > kMaxCount || v != std::floor(v)) {
    return Status::Invalid(
        "--faults item '{}': {} is a count over the dataset, expected an "
        "integer 0..{}",
        item, FaultKindName(kind), kMaxCount);
  }
  return v;
}

// Picks an unused file index accepted by `ok`, or -1. Random probes first, then a scan
// from a random start, so the result is deterministic and always found when one exists.
template <typename Pred>
int32_t PickFile(Rng* rng, const std::vector<uint8_t>& used, Pred ok) {
  const int32_t n = static_cast<int32_t>(used.size());
  for (int32_t attempt = 0; attempt < 64; ++attempt) {
    int32_t f = static_cast<int32_t>(rng->Below(static_cast<uint64_t>(n)));
    if (!used[f] && ok(f)) return f;
  }
  int32_t start = static_cast<int32_t>(rng->Below(static_cast<uint64_t>(n)));
  for (int32_t k = 0; k < n; ++k) {
    int32_t f = (start + k) % n;
    if (!used[f] && ok(f)) return f;
  }
  return -1;
}

// The last activity with lines in a file: runs must stop before the file's last line.
int32_t LastActivity(const ActivityCounts& counts) {
  for (int32_t a = wisdm::kNumActivities - 1; a >= 0; --a) {
    if (counts[a] > 0) return a;
  }
  return -1;
}

Status PlaceFileFaults(const DatasetPlan& plan, const FaultSpec& spec, Rng* rng,
                       std::vector<FileFaults>* out) {
  const int32_t files = static_cast<int32_t>(out->size());
  std::vector<uint8_t> used(out->size(), 0);
  auto has_lines = [&](int32_t f) { return plan.FileLines(f / 4, f % 4) > 0; };
  auto fail = [&](FaultKind k) {
    return Status::Invalid(
        "--faults: cannot place {} {} fault(s): the dataset has {} files and "
        "each takes at most one file-level fault",
        spec.Amount(k), FaultKindName(k), files);
  };
  for (int64_t i = 0; i < static_cast<int64_t>(spec.Amount(FaultKind::kDuplicateStream)); ++i) {
    int32_t target = PickFile(rng, used, has_lines);
    if (target < 0) return fail(FaultKind::kDuplicateStream);
    used[target] = 1;
    int32_t source = PickFile(rng, used, [&](int32_t f) {
      return f % 4 == target % 4 && f / 4 != target / 4 && has_lines(f);
    });
    if (source < 0) return fail(FaultKind::kDuplicateStream);
    used[source] = 1;
    (*out)[target].source_subject_index = source / 4;
    (*out)[source].duplicate_source = true;
  }
  struct Flag {
    FaultKind kind;
    bool FileFaults::*field;
  };
  for (Flag flag :
       {Flag{FaultKind::kEmptyFile, &FileFaults::empty}, Flag{FaultKind::kCrlf, &FileFaults::crlf},
        Flag{FaultKind::kMicrosecondClock, &FileFaults::microsecond},
        Flag{FaultKind::kTruncatedLastLine, &FileFaults::truncated}}) {
    for (int64_t i = 0; i < static_cast<int64_t>(spec.Amount(flag.kind)); ++i) {
      int32_t f = PickFile(rng, used, has_lines);
      if (f < 0) return fail(flag.kind);
      used[f] = 1;
      (*out)[f].*flag.field = true;
    }
  }
  return Status::OK();
}

// Runs go into blocks of at least 3 lines, one run per block; clipping needs motion to
// clip, so it goes into the lively activities.
Status PlaceRunFaults(const DatasetPlan& plan, const FaultSpec& spec, Rng* rng,
                      std::vector<FileFaults>* out) {
  constexpr std::string_view kLively = "ABCMOPR";
  const uint64_t files = out->size();
  for (FaultKind kind : {FaultKind::kStuck, FaultKind::kClipped, FaultKind::kScaled}) {
    for (int64_t i = 0; i < static_cast<int64_t>(spec.Amount(kind)); ++i) {
      bool placed = false;
      for (int32_t attempt = 0; attempt < 4096 && !placed; ++attempt) {
        int32_t f = static_cast<int32_t>(rng->Below(files));
        FileFaults& ff = (*out)[f];
        int32_t a = kind == FaultKind::kClipped
                        ? wisdm::ActivityIndex(kLively[rng->Below(kLively.size())])
                        : static_cast<int32_t>(rng->Below(wisdm::kNumActivities));
        const ActivityCounts& counts = plan.FileCounts(f / 4, f % 4);
        // The file's last line stays out of runs (truncated_last_line may cut it).
        int64_t n = counts[a] - (a == LastActivity(counts) ? 1 : 0);
        bool taken = std::any_of(ff.runs.begin(), ff.runs.end(),
                                 [&](const RunFault& r) { return r.activity == a; });
        if (!ff.LineFaultsAllowed() || n < 3 || taken) continue;
        RunFault run{kind, a, 0, n};
        if (kind == FaultKind::kStuck) {
          run.length = std::min<int64_t>(n, 20 + static_cast<int64_t>(rng->Below(181)));
          run.first = static_cast<int64_t>(rng->Below(static_cast<uint64_t>(n - run.length + 1)));
        }
        ff.runs.push_back(run);
        placed = true;
      }
      if (!placed) {
        return Status::Invalid(
            "--faults: cannot place {} {} run(s): too few activity blocks of "
            "3 or more lines at this scale (lower the count or raise --scale)",
            spec.Amount(kind), FaultKindName(kind));
      }
    }
  }
  return Status::OK();
}

}  // namespace

std::string_view FaultKindName(FaultKind kind) { return kKindNames[static_cast<size_t>(kind)]; }

FaultScope ScopeOf(FaultKind kind) {
  if (kind <= FaultKind::kEmptyFile) return FaultScope::kFile;
  if (kind <= FaultKind::kScaled) return FaultScope::kRun;
  return FaultScope::kLine;
}

bool IsPairFault(FaultKind kind) {
  return kind == FaultKind::kConflictingDuplicate || kind == FaultKind::kOutOfOrder;
}

Result<FaultKind> ParseFaultKind(std::string_view name) {
  for (int32_t i = 0; i < kNumFaultKinds; ++i) {
    if (kKindNames[i] == name) return static_cast<FaultKind>(i);
  }
  return Status::Invalid("unknown fault kind '{}' (known: all, none, {})", name, KnownKinds());
}

double FaultSpec::DefaultAmount(FaultKind k) {
  switch (ScopeOf(k)) {
    case FaultScope::kFile:
      return 1;
    case FaultScope::kRun:
      return k == FaultKind::kScaled ? 1 : 2;
    case FaultScope::kLine:
      return 0.0001;
  }
  return 0;
}

bool FaultSpec::Any() const {
  return std::any_of(amount.begin(), amount.end(), [](double v) { return v > 0; });
}

std::string FaultSpec::ToString() const {
  std::string s;
  for (int32_t i = 0; i < kNumFaultKinds; ++i) {
    if (amount[i] <= 0) continue;
    if (!s.empty()) s += ',';
    s += fmt::format("{}={}", kKindNames[i], amount[i]);
  }
  return s.empty() ? "none" : s;
}

Result<FaultSpec> ParseFaultSpec(std::string_view spec) {
  FaultSpec out;
  if (Trim(spec).empty()) {
    return Status::Invalid("--faults is empty (use 'all', 'none' or kind=amount,...)");
  }
  while (!spec.empty()) {
    size_t comma = spec.find(',');
    std::string_view item = Trim(spec.substr(0, comma));
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    if (item.empty()) return Status::Invalid("--faults has an empty item (two commas?)");
    if (item == "all") {
      for (int32_t i = 0; i < kNumFaultKinds; ++i) {
        out.amount[i] = FaultSpec::DefaultAmount(static_cast<FaultKind>(i));
      }
      continue;
    }
    if (item == "none") {
      out.amount.fill(0);
      continue;
    }
    size_t eq = item.find('=');
    std::string_view name = Trim(item.substr(0, eq));
    SL_ASSIGN_OR_RETURN(FaultKind kind, ParseFaultKind(name));
    double amount = FaultSpec::DefaultAmount(kind);
    if (eq != std::string_view::npos) {
      SL_ASSIGN_OR_RETURN(amount, ParseAmount(kind, item, Trim(item.substr(eq + 1))));
    }
    out.amount[static_cast<size_t>(kind)] = amount;
  }
  double total = 0;
  for (int32_t i = 0; i < kNumFaultKinds; ++i) {
    if (ScopeOf(static_cast<FaultKind>(i)) == FaultScope::kLine) total += out.amount[i];
  }
  if (total > kMaxTotalLineRate) {
    return Status::Invalid("--faults: line fault rates add up to {}, more than {} of all lines",
                           total, kMaxTotalLineRate);
  }
  return out;
}

Result<std::vector<FileFaults>> PlanDatasetFaults(const DatasetPlan& plan, const FaultSpec& spec) {
  std::vector<FileFaults> out(static_cast<size_t>(plan.num_subjects()) * 4);
  if (!spec.Any()) return out;
  Rng rng(Key(plan.seed(), {kTagFileFaults}));
  SL_RETURN_NOT_OK(PlaceFileFaults(plan, spec, &rng, &out));
  SL_RETURN_NOT_OK(PlaceRunFaults(plan, spec, &rng, &out));
  return out;
}

std::vector<LineFault> PlanLineFaults(const DatasetPlan& plan, const FaultSpec& spec,
                                      int32_t subject_index, int32_t folder_index,
                                      const FileFaults& file) {
  std::vector<LineFault> faults;
  const int64_t n = plan.FileLines(subject_index, folder_index);
  if (!file.LineFaultsAllowed() || n < 3) return faults;
  const ActivityCounts& counts = plan.FileCounts(subject_index, folder_index);
  std::array<int64_t, wisdm::kNumActivities + 1> block_start{};
  for (int32_t a = 0; a < wisdm::kNumActivities; ++a)
    block_start[a + 1] = block_start[a] + counts[a];

  std::vector<uint8_t> used(static_cast<size_t>(n), 0);
  used[n - 1] = 1;  // the last line is truncated_last_line's
  for (const RunFault& r : file.runs) {
    int64_t first = block_start[r.activity] + r.first;
    std::fill(used.begin() + first, used.begin() + first + r.length, 1);
  }
  auto block_end = [&](int64_t i) {  // one past the last line of i's block
    return *std::upper_bound(block_start.begin(), block_start.end(), i);
  };
  auto free_around = [&](int64_t i, int64_t span) {
    for (int64_t k = std::max<int64_t>(0, i - 1); k <= std::min(n - 1, i + span); ++k) {
      if (used[k]) return false;
    }
    return true;
  };

  Rng rng(Key(plan.seed(), {kTagLineFaults, static_cast<uint64_t>(plan.SubjectId(subject_index)),
                            static_cast<uint64_t>(folder_index)}));
  for (int32_t k = 0; k < kNumFaultKinds; ++k) {
    FaultKind kind = static_cast<FaultKind>(k);
    if (ScopeOf(kind) != FaultScope::kLine || spec.Amount(kind) <= 0) continue;
    double expected = spec.Amount(kind) * static_cast<double>(n);
    int64_t count =
        static_cast<int64_t>(expected) + (rng.Uniform() < expected - std::floor(expected) ? 1 : 0);
    int64_t span = IsPairFault(kind) ? 2 : 1;
    for (int64_t c = 0; c < count; ++c) {
      for (int32_t attempt = 0; attempt < 64; ++attempt) {
        int64_t i = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(n)));
        if (i + span > block_end(i) || !free_around(i, span)) continue;
        std::fill(used.begin() + i, used.begin() + i + span, 1);
        faults.push_back({i, kind});
        break;
      }
    }
  }
  std::sort(faults.begin(), faults.end(),
            [](const LineFault& a, const LineFault& b) { return a.index < b.index; });
  return faults;
}

}  // namespace sensorlake::generate
