#include "sensorlake/transform/cleaning_rules.h"

#include <limits>
#include <set>

#include <toml++/toml.h>

#include <nlohmann/json.hpp>
#include "common/toml_file.h"

namespace sensorlake::transform {

std::string_view ReasonName(Reason r) {
  static constexpr std::array<std::string_view, kNumReasons> kNames = {
      "malformed_line",   "wrong_field_count",   "truncated_last_line",  "bad_subject",
      "bad_timestamp",    "non_numeric_value",   "non_finite_value",     "unknown_activity",
      "subject_mismatch", "value_out_of_bounds", "conflicting_duplicate"};
  return kNames[static_cast<size_t>(r)];
}

Reason ReasonForParseError(const wisdm::LineParseResult& r, bool last_unterminated) {
  if (last_unterminated) return Reason::kTruncatedLastLine;
  switch (r.error) {
    case wisdm::LineError::kMalformed:
      return r.field_count > 0 && r.field_count != 6 ? Reason::kWrongFieldCount
                                                     : Reason::kMalformedLine;
    case wisdm::LineError::kBadSubject:
      return Reason::kBadSubject;
    case wisdm::LineError::kBadTimestamp:
      return Reason::kBadTimestamp;
    case wisdm::LineError::kNonNumericValue:
      return Reason::kNonNumericValue;
    case wisdm::LineError::kNonFiniteValue:
      return Reason::kNonFiniteValue;
    case wisdm::LineError::kNone:
      break;
  }
  return Reason::kMalformedLine;
}

std::string TransformConfig::Canonical() const {
  nlohmann::json j = {{"accel_abs_max", accel_abs_max},
                      {"gyro_abs_max", gyro_abs_max},
                      {"check_subject_matches_file", check_subject_matches_file},
                      {"check_value_bounds", check_value_bounds},
                      {"drop_exact_duplicates", drop_exact_duplicates},
                      {"quarantine_conflicting_duplicates", quarantine_conflicting_duplicates},
                      {"compression", compression},
                      {"compression_level", compression_level},
                      {"byte_stream_split_floats", byte_stream_split_floats},
                      {"delta_timestamps", delta_timestamps},
                      {"write_page_index", write_page_index}};
  return j.dump();
}

namespace {

// Reads one typed key from a TOML table into `out`, recording that the key is known.
template <typename T>
Status ReadKey(const toml::table& table, std::string_view section, std::string_view key, T* out,
               std::set<std::string>* known, std::string_view origin) {
  known->insert(std::string(key));
  const toml::node* node = table.get(key);
  if (node == nullptr) return Status::OK();
  std::optional<T> v;
  if constexpr (std::is_same_v<T, float>) {
    auto d = node->value<double>();
    if (d) v = static_cast<float>(*d);
  } else if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
    auto i = TomlInteger(*node);
    if (i && (*i < std::numeric_limits<T>::min() || *i > std::numeric_limits<T>::max())) {
      return Status::Invalid("{}:{}: [{}] {} = {} is out of range", origin,
                             node->source().begin.line, section, key, *i);
    }
    if (i) v = static_cast<T>(*i);
  } else {
    v = node->value<T>();
  }
  if (!v) {
    return Status::Invalid("{}:{}: [{}] {} has the wrong type", origin, node->source().begin.line,
                           section, key);
  }
  *out = *v;
  return Status::OK();
}

Status CheckNoUnknownKeys(const toml::table& table, std::string_view section,
                          const std::set<std::string>& known, std::string_view origin) {
  for (const auto& [k, v] : table) {
    if (!known.count(std::string(k.str()))) {
      return Status::Invalid("{}:{}: unknown key '{}' in [{}]", origin, v.source().begin.line,
                             k.str(), section);
    }
  }
  return Status::OK();
}

Status ValidateConfig(const TransformConfig& c, std::string_view origin) {
  if (!(c.accel_abs_max > 0) || !(c.gyro_abs_max > 0)) {
    return Status::Invalid("{}: bounds must be positive", origin);
  }
  if (c.compression != "zstd" && c.compression != "snappy" && c.compression != "none") {
    return Status::Invalid("{}: [parquet] compression must be zstd, snappy or none, not '{}'",
                           origin, c.compression);
  }
  return Status::OK();
}

}  // namespace

Result<TransformConfig> ParseTransformConfig(std::string_view text, std::string_view origin) {
  SL_ASSIGN_OR_RETURN(toml::table root, ParseTomlText(text, origin));
  TransformConfig c;
  std::set<std::string> known_sections = {"bounds", "rules", "parquet"};
  for (const auto& [k, v] : root) {
    if (!known_sections.count(std::string(k.str())) || !v.is_table()) {
      return Status::Invalid(
          "{}:{}: unknown section '{}' (expected [bounds], [rules], "
          "[parquet])",
          origin, v.source().begin.line, k.str());
    }
  }
  if (const toml::table* t = root["bounds"].as_table()) {
    std::set<std::string> known;
    SL_RETURN_NOT_OK(ReadKey(*t, "bounds", "accel_abs_max", &c.accel_abs_max, &known, origin));
    SL_RETURN_NOT_OK(ReadKey(*t, "bounds", "gyro_abs_max", &c.gyro_abs_max, &known, origin));
    SL_RETURN_NOT_OK(CheckNoUnknownKeys(*t, "bounds", known, origin));
  }
  if (const toml::table* t = root["rules"].as_table()) {
    std::set<std::string> known;
    SL_RETURN_NOT_OK(ReadKey(*t, "rules", "check_subject_matches_file",
                             &c.check_subject_matches_file, &known, origin));
    SL_RETURN_NOT_OK(
        ReadKey(*t, "rules", "check_value_bounds", &c.check_value_bounds, &known, origin));
    SL_RETURN_NOT_OK(
        ReadKey(*t, "rules", "drop_exact_duplicates", &c.drop_exact_duplicates, &known, origin));
    SL_RETURN_NOT_OK(ReadKey(*t, "rules", "quarantine_conflicting_duplicates",
                             &c.quarantine_conflicting_duplicates, &known, origin));
    SL_RETURN_NOT_OK(CheckNoUnknownKeys(*t, "rules", known, origin));
  }
  if (const toml::table* t = root["parquet"].as_table()) {
    std::set<std::string> known;
    SL_RETURN_NOT_OK(ReadKey(*t, "parquet", "compression", &c.compression, &known, origin));
    SL_RETURN_NOT_OK(
        ReadKey(*t, "parquet", "compression_level", &c.compression_level, &known, origin));
    SL_RETURN_NOT_OK(ReadKey(*t, "parquet", "byte_stream_split_floats", &c.byte_stream_split_floats,
                             &known, origin));
    SL_RETURN_NOT_OK(
        ReadKey(*t, "parquet", "delta_timestamps", &c.delta_timestamps, &known, origin));
    SL_RETURN_NOT_OK(
        ReadKey(*t, "parquet", "write_page_index", &c.write_page_index, &known, origin));
    SL_RETURN_NOT_OK(CheckNoUnknownKeys(*t, "parquet", known, origin));
  }
  SL_RETURN_NOT_OK(ValidateConfig(c, origin));
  return c;
}

Result<TransformConfig> LoadTransformConfig(const std::string& path) {
  SL_ASSIGN_OR_RETURN(std::string text, ReadConfigFile(path));
  return ParseTransformConfig(text, path);
}

}  // namespace sensorlake::transform
