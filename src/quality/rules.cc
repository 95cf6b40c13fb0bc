#include "sensorlake/quality/rules.h"

#include <algorithm>
#include <array>
#include <limits>
#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "common/toml_file.h"

#include "quality/default_rules.h"  // generated from config/quality.toml

namespace sensorlake::quality {

namespace {

constexpr std::array<std::string_view, kNumCheckKinds> kCheckNames = {
    "published_counts", "activity_blocks",
    "sampling_rate",    "timestamp_order",
    "timestamp_gaps",   "timestamp_resolution",
    "value_range",      "stuck_values",
    "clipped_values",   "scaled_values",
    "duplicate_stream", "empty_file",
    "quarantine_rate",  "drift"};

}  // namespace

std::string_view CheckKindName(CheckKind kind) { return kCheckNames[static_cast<size_t>(kind)]; }

Result<CheckKind> ParseCheckKind(std::string_view name) {
  for (size_t i = 0; i < kCheckNames.size(); ++i) {
    if (kCheckNames[i] == name) return static_cast<CheckKind>(i);
  }
  return Status::Invalid("unknown check '{}' (known: {})", name, fmt::join(kCheckNames, ", "));
}

std::string_view SeverityName(Severity s) { return s == Severity::kError ? "error" : "warn"; }

const std::vector<ParamSpec>& ParamSpecsFor(CheckKind kind) {
  static const std::array<std::vector<ParamSpec>, kNumCheckKinds> kSpecs = {{
      {{"tolerance", 0.01, "relative difference allowed per folder and activity"},
       {"scale", 0, "expected scale; 0 = the generator's when known, else 1"}},
      {{"short_fraction", 0.5, "short: duration below this share of the folder median"},
       {"long_fraction", 2.0, "long: duration above this multiple of the folder median"},
       {"missing_share", 0.5, "missing: absent while this share of other subjects have it"}},
      {{"min_hz", 15.0, "lowest acceptable effective rate"},
       {"max_hz", 25.0, "highest acceptable effective rate"}},
      {},
      {{"gap_seconds", 1.0, "a pause longer than this is a gap (at least 0.25)"},
       {"max_gaps_per_block", 0, "gaps allowed per block"}},
      {{"min_rows", 20, "blocks with fewer readings are not judged"}},
      {{"accel_abs_max", 156.9, "m/s^2"}, {"gyro_abs_max", 40.0, "rad/s"}},
      {{"min_run", 20, "identical consecutive readings that make a stuck run"},
       {"min_std", 1e-4, "a block whose magnitude std is below this is flat"}},
      {{"min_fraction", 0.01, "share of readings at exactly the block's extreme"},
       {"min_samples", 5, "and at least this many"},
       {"accel_min_range", 2.0, "accel blocks whose axis spans less (m/s^2) are not judged"},
       {"gyro_min_range", 0.5, "gyro blocks whose axis spans less (rad/s) are not judged"}},
      {{"accel_min_mean", 5.0, "lowest mean accel magnitude (m/s^2)"},
       {"accel_max_mean", 40.0, "highest mean accel magnitude (m/s^2)"},
       {"peer_ratio", 10.0, "block RMS against its folder-activity median, either way"}},
      {{"min_shared", 0.5, "share of sampled value sequences in common"},
       {"min_rows", 100, "blocks with fewer readings are not compared"}},
      {},
      {{"max_rate", 0.01, "share of raw lines quarantined"},
       {"max_reason_rate", 0.005, "share of raw lines quarantined for one reason"}},
      {{"max_psi", 0.25, "population stability index allowed"},
       {"min_rows", 1000, "cells with fewer rows are not judged"}},
  }};
  return kSpecs[static_cast<size_t>(kind)];
}

double Rule::Param(std::string_view key) const {
  auto it = params.find(std::string(key));
  return it == params.end() ? 0.0 : it->second;
}

bool RuleScope::MatchesFolder(const wisdm::Folder& f) const {
  return (!device || *device == f.device) && (!sensor || *sensor == f.sensor);
}

bool RuleScope::MatchesSubject(int32_t subject) const {
  return subjects.empty() || std::binary_search(subjects.begin(), subjects.end(), subject);
}

bool RuleScope::MatchesActivity(int32_t activity_index) const {
  if (activities.empty()) return true;
  if (activity_index < 0 || activity_index >= wisdm::kNumActivities) return false;
  return activities.find(wisdm::kActivityCodes[static_cast<size_t>(activity_index)]) !=
         std::string::npos;
}

bool RuleScope::Matches(const wisdm::Folder& f, int32_t subject, int32_t activity_index) const {
  return MatchesFolder(f) && MatchesSubject(subject) && MatchesActivity(activity_index);
}

bool RuleScope::IsEverything() const {
  return !device && !sensor && subjects.empty() && activities.empty();
}

std::string RuleScope::ToString() const {
  if (IsEverything()) return "all";
  std::vector<std::string> parts;
  if (device) parts.push_back(fmt::format("device={}", wisdm::DeviceName(*device)));
  if (sensor) parts.push_back(fmt::format("sensor={}", wisdm::SensorName(*sensor)));
  if (!subjects.empty()) parts.push_back(fmt::format("subjects={}", fmt::join(subjects, ",")));
  if (!activities.empty()) parts.push_back(fmt::format("activities={}", activities));
  return fmt::format("{}", fmt::join(parts, " "));
}

namespace {

int64_t LineOf(const toml::node& node) { return node.source().begin.line; }

Result<std::string> StringField(const toml::table& t, std::string_view key, std::string_view origin,
                                int64_t line) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return Status::Invalid("{}:{}: rule needs '{}'", origin, line, key);
  auto v = n->value<std::string>();
  if (!v) return Status::Invalid("{}:{}: '{}' must be a string", origin, LineOf(*n), key);
  return *v;
}

Status ParseScope(const toml::node& node, std::string_view origin, RuleScope* scope) {
  const toml::table* t = node.as_table();
  if (t == nullptr) return Status::Invalid("{}:{}: scope must be a table", origin, LineOf(node));
  for (const auto& [k, v] : *t) {
    const std::string key(k.str());
    auto text = v.value<std::string>();
    if (key == "device" && text) {
      SL_ASSIGN_OR_RETURN(scope->device, wisdm::ParseDevice(*text));
    } else if (key == "sensor" && text) {
      SL_ASSIGN_OR_RETURN(scope->sensor, wisdm::ParseSensor(*text));
    } else if (key == "activities" && text) {
      for (char c : *text) {
        if (wisdm::ActivityIndex(c) < 0) {
          return Status::Invalid("{}:{}: scope activity '{}' is not one of {}", origin, LineOf(v),
                                 c, wisdm::kActivityCodes);
        }
      }
      scope->activities = *text;
    } else if (key == "subjects" && v.is_array()) {
      for (const auto& s : *v.as_array()) {
        auto id = TomlInteger(s);
        if (!id || *id < 0 || *id > std::numeric_limits<int32_t>::max()) {
          return Status::Invalid("{}:{}: subjects must be integers from 0 to {}", origin, LineOf(s),
                                 std::numeric_limits<int32_t>::max());
        }
        scope->subjects.push_back(static_cast<int32_t>(*id));
      }
      std::sort(scope->subjects.begin(), scope->subjects.end());
    } else {
      return Status::Invalid(
          "{}:{}: unknown or mistyped scope key '{}' (device, sensor: strings; subjects: "
          "integers; activities: a string of codes)",
          origin, LineOf(v), key);
    }
  }
  return Status::OK();
}

Status ParseParam(const Rule& rule, std::string_view key, const toml::node& v,
                  std::string_view origin, std::map<std::string, double>* params) {
  const auto& specs = ParamSpecsFor(rule.check);
  auto spec =
      std::find_if(specs.begin(), specs.end(), [&](const ParamSpec& s) { return s.key == key; });
  if (spec == specs.end()) {
    std::vector<std::string_view> known;
    for (const auto& s : specs) known.push_back(s.key);
    return Status::Invalid("{}:{}: unknown key '{}' for check {} (known: {})", origin, LineOf(v),
                           key, CheckKindName(rule.check),
                           known.empty() ? "none" : fmt::format("{}", fmt::join(known, ", ")));
  }
  auto number = v.value<double>();
  if (!number || !(*number >= 0)) {
    return Status::Invalid("{}:{}: '{}' must be a number >= 0", origin, LineOf(v), key);
  }
  (*params)[std::string(key)] = *number;
  return Status::OK();
}

Status ValidateRule(const Rule& r, std::string_view origin, int64_t line) {
  auto fail = [&](std::string_view why) {
    return Status::Invalid("{}:{}: rule '{}': {}", origin, line, r.name, why);
  };
  switch (r.check) {
    case CheckKind::kSamplingRate:
      if (!(r.Param("min_hz") < r.Param("max_hz"))) return fail("min_hz must be below max_hz");
      break;
    case CheckKind::kTimestampGaps:
      if (r.Param("gap_seconds") < 0.25) return fail("gap_seconds must be at least 0.25");
      break;
    case CheckKind::kActivityBlocks:
      if (!(r.Param("short_fraction") < 1 && r.Param("long_fraction") > 1)) {
        return fail("short_fraction must be below 1 and long_fraction above 1");
      }
      break;
    case CheckKind::kScaledValues:
      if (!(r.Param("accel_min_mean") < r.Param("accel_max_mean")) || r.Param("peer_ratio") <= 1) {
        return fail("accel_min_mean must be below accel_max_mean and peer_ratio above 1");
      }
      break;
    case CheckKind::kDuplicateStream:
      if (r.Param("min_shared") <= 0 || r.Param("min_shared") > 1) {
        return fail("min_shared must be in (0, 1]");
      }
      break;
    case CheckKind::kStuckValues:
      if (r.Param("min_run") < 2) return fail("min_run must be at least 2");
      break;
    default:
      break;
  }
  return Status::OK();
}

Result<Rule> ParseRule(const toml::table& t, std::string_view origin) {
  const int64_t line = LineOf(t);
  Rule r;
  SL_ASSIGN_OR_RETURN(r.name, StringField(t, "name", origin, line));
  SL_ASSIGN_OR_RETURN(std::string check, StringField(t, "check", origin, line));
  auto kind = ParseCheckKind(check);
  if (!kind.ok()) return Status::Invalid("{}:{}: {}", origin, line, kind.status().message());
  r.check = *kind;
  for (const auto& spec : ParamSpecsFor(r.check))
    r.params[std::string(spec.key)] = spec.default_value;
  if (t.contains("severity")) {
    SL_ASSIGN_OR_RETURN(std::string sev, StringField(t, "severity", origin, line));
    if (sev != "warn" && sev != "error") {
      return Status::Invalid("{}:{}: severity must be \"warn\" or \"error\", not '{}'", origin,
                             LineOf(*t.get("severity")), sev);
    }
    r.severity = sev == "error" ? Severity::kError : Severity::kWarn;
  }
  for (const auto& [k, v] : t) {
    const std::string_view key = k.str();
    if (key == "name" || key == "check" || key == "severity") continue;
    if (key == "scope") {
      SL_RETURN_NOT_OK(ParseScope(v, origin, &r.scope));
    } else {
      SL_RETURN_NOT_OK(ParseParam(r, key, v, origin, &r.params));
    }
  }
  SL_RETURN_NOT_OK(ValidateRule(r, origin, line));
  return r;
}

}  // namespace

Result<QualityRules> ParseQualityRules(std::string_view text, std::string_view origin) {
  SL_ASSIGN_OR_RETURN(toml::table root, ParseTomlText(text, origin));
  QualityRules rules;
  rules.origin = std::string(origin);
  for (const auto& [k, v] : root) {
    if (k.str() != "rule" || !v.is_array_of_tables()) {
      return Status::Invalid("{}:{}: unknown top-level key '{}' (rules are [[rule]] tables)",
                             origin, LineOf(v), k.str());
    }
  }
  std::set<std::string> names;
  if (const toml::array* list = root["rule"].as_array()) {
    for (const auto& node : *list) {
      SL_ASSIGN_OR_RETURN(Rule r, ParseRule(*node.as_table(), origin));
      if (!names.insert(r.name).second) {
        return Status::Invalid("{}:{}: a second rule named '{}'", origin, LineOf(node), r.name);
      }
      rules.rules.push_back(std::move(r));
    }
  }
  if (rules.rules.empty()) return Status::Invalid("{}: no [[rule]] in the file", origin);
  return rules;
}

Result<QualityRules> LoadQualityRules(const std::string& path) {
  SL_ASSIGN_OR_RETURN(std::string text, ReadConfigFile(path));
  return ParseQualityRules(text, path);
}

const QualityRules& DefaultQualityRules() {
  static const QualityRules kRules = [] {
    auto r = ParseQualityRules(kDefaultRulesToml, "config/quality.toml (built in)");
    // The text is compiled in from config/quality.toml and tested: a failure is a bug.
    if (!r.ok()) {
      fmt::print(stderr, "internal error: {}\n", r.status().ToString());
      std::abort();
    }
    QualityRules rules = std::move(r).ValueOrDie();
    rules.origin = "built-in defaults (config/quality.toml)";
    return rules;
  }();
  return kRules;
}

}  // namespace sensorlake::quality
