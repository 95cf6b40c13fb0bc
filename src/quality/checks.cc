#include "sensorlake/quality/checks.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "quality/check_support.h"

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

CheckResult RunCheck(const DatasetProfile& p, const Rule& rule, const Baseline* baseline) {
  CheckResult r;
  r.rule = rule.name;
  r.check = rule.check;
  r.severity = rule.severity;
  r.scope = rule.scope.ToString();
  r.params = rule.params;
  switch (rule.check) {
    case CheckKind::kPublishedCounts:
      internal::PublishedCounts(p, rule, &r);
      break;
    case CheckKind::kActivityBlocks:
      internal::ActivityBlocks(p, rule, &r);
      break;
    case CheckKind::kSamplingRate:
      internal::SamplingRate(p, rule, &r);
      break;
    case CheckKind::kTimestampOrder:
      internal::TimestampOrder(p, rule, &r);
      break;
    case CheckKind::kTimestampGaps:
      internal::TimestampGaps(p, rule, &r);
      break;
    case CheckKind::kTimestampResolution:
      internal::TimestampResolution(p, rule, &r);
      break;
    case CheckKind::kValueRange:
      internal::ValueRange(p, rule, &r);
      break;
    case CheckKind::kStuckValues:
      internal::StuckValues(p, rule, &r);
      break;
    case CheckKind::kClippedValues:
      internal::ClippedValues(p, rule, &r);
      break;
    case CheckKind::kScaledValues:
      internal::ScaledValues(p, rule, &r);
      break;
    case CheckKind::kDuplicateStream:
      internal::DuplicateStream(p, rule, &r);
      break;
    case CheckKind::kEmptyFile:
      internal::EmptyFile(p, rule, &r);
      break;
    case CheckKind::kQuarantineRate:
      internal::QuarantineRate(p, rule, &r);
      break;
    case CheckKind::kDrift:
      internal::Drift(p, rule, baseline, &r);
      break;
  }
  internal::Finish(&r);
  return r;
}

std::vector<CheckResult> RunChecks(const DatasetProfile& profile, const QualityRules& rules,
                                   const Baseline* baseline) {
  std::vector<CheckResult> out;
  for (const auto& rule : rules.rules) out.push_back(RunCheck(profile, rule, baseline));
  return out;
}

}  // namespace sensorlake::quality
