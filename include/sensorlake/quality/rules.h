// The quality stage's rules: which checks run, how strict each is (its parameters), how
// much a failure matters (severity) and where it applies (scope). Loaded from one TOML
// file; config/quality.toml is the default rule set for WISDM and documents every key.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sensorlake/common/result.h"
#include "sensorlake/wisdm/schema.h"

namespace sensorlake::quality {

// The built-in checks. Each is documented in docs/quality.md.
enum class CheckKind : uint8_t {
  kPublishedCounts = 0,  // rows per folder and activity against the published table
  kActivityBlocks,       // missing, short, long or repeated activity blocks
  kSamplingRate,         // effective rate per block against a band
  kTimestampOrder,       // curated blocks strictly increasing (no duplicates, no disorder)
  kTimestampGaps,        // gaps between consecutive readings of a block
  kTimestampResolution,  // blocks whose clock ticks in whole microseconds
  kValueRange,           // values within the sensor's physical range
  kStuckValues,          // long runs of identical readings, or a flat block
  kClippedValues,        // many readings sitting exactly at the block's extreme
  kScaledValues,         // a block in the wrong unit (g instead of m/s^2, deg vs rad)
  kDuplicateStream,      // the same readings under two subjects, files or blocks
  kEmptyFile,            // a raw file with no lines, or a subject missing from a folder
  kQuarantineRate,       // share of raw lines set aside, overall and per reason
  kDrift,                // magnitude distribution against a baseline run (PSI)
};
inline constexpr int32_t kNumCheckKinds = 14;

std::string_view CheckKindName(CheckKind kind);  // "sampling_rate"
Result<CheckKind> ParseCheckKind(std::string_view name);

enum class Severity : uint8_t { kWarn = 0, kError = 1 };
std::string_view SeverityName(Severity s);

// Where a rule applies. Empty fields match everything.
struct RuleScope {
  std::optional<wisdm::Device> device;
  std::optional<wisdm::Sensor> sensor;
  std::vector<int32_t> subjects;  // sorted
  std::string activities;         // activity codes, e.g. "ABC"

  bool MatchesFolder(const wisdm::Folder& f) const;
  bool MatchesSubject(int32_t subject) const;
  bool MatchesActivity(int32_t activity_index) const;
  bool Matches(const wisdm::Folder& f, int32_t subject, int32_t activity_index) const;
  bool IsEverything() const;
  std::string ToString() const;  // "device=phone sensor=accel subjects=1600-1602"
};

struct Rule {
  std::string name;  // unique in a rule set
  CheckKind check = CheckKind::kSamplingRate;
  Severity severity = Severity::kWarn;
  RuleScope scope;
  std::map<std::string, double> params;  // every parameter of the check, defaults filled in

  double Param(std::string_view key) const;  // a key the check declares
};

// One parameter a check understands, with its default and meaning.
struct ParamSpec {
  std::string_view key;
  double default_value;
  std::string_view meaning;
};
const std::vector<ParamSpec>& ParamSpecsFor(CheckKind kind);

struct QualityRules {
  std::vector<Rule> rules;
  std::string origin = "built-in defaults";  // the file the rules came from
};

// Parses rules from TOML text; `origin` names the file in error messages (file:line).
Result<QualityRules> ParseQualityRules(std::string_view text, std::string_view origin);
Result<QualityRules> LoadQualityRules(const std::string& path);
// The default rule set for WISDM (the same rules as config/quality.toml).
const QualityRules& DefaultQualityRules();

}  // namespace sensorlake::quality
