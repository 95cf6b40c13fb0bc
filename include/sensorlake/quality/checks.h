// The built-in checks: each rule of a rule set evaluated on a dataset profile, giving a
// result a person and a machine can read (status, observed, expected, failing keys).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/quality/profile.h"
#include "sensorlake/quality/rules.h"

namespace sensorlake::quality {

// At most this many failing keys are listed per check; `failing` counts them all.
inline constexpr size_t kMaxFailuresListed = 200;

enum class CheckStatus : uint8_t {
  kPass = 0,
  kFail,     // the rule's severity says whether this stops the gate
  kSkipped,  // the check does not apply (e.g. drift without a baseline); says why
};

struct CheckResult {
  std::string rule;
  CheckKind check = CheckKind::kSamplingRate;
  Severity severity = Severity::kWarn;
  std::string scope;
  std::map<std::string, double> params;  // the rule's thresholds
  CheckStatus status = CheckStatus::kPass;
  std::string observed;                  // for people: what was measured
  std::string expected;                  // for people: what the rule asks
  std::string note;                      // context worth knowing even when the check passes
  int64_t evaluated = 0;                 // items the check looked at (blocks, files, cells)
  int64_t failing = 0;                   // items that failed
  std::vector<nlohmann::json> failures;  // the first kMaxFailuresListed failing keys

  // "pass", "warn" (failed, severity warn), "error" (failed, severity error), "skipped".
  std::string_view Outcome() const;
  bool StopsTheGate() const { return status == CheckStatus::kFail && severity == Severity::kError; }
  nlohmann::json ToJson() const;
};

// Magnitude histograms of an earlier run, for the drift check.
struct Baseline {
  std::string run_id;
  std::string curated_version;
  std::array<std::array<MagnitudeHistogram, wisdm::kNumActivities>, 4> magnitude{};
};

// Evaluates every rule, in the rule set's order.
std::vector<CheckResult> RunChecks(const DatasetProfile& profile, const QualityRules& rules,
                                   const Baseline* baseline);
CheckResult RunCheck(const DatasetProfile& profile, const Rule& rule, const Baseline* baseline);

// Population stability index of two histograms (proportions floored at 1e-4).
double PopulationStabilityIndex(const MagnitudeHistogram& expected,
                                const MagnitudeHistogram& actual);

}  // namespace sensorlake::quality
