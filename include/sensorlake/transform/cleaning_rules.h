// The transform's cleaning rules: every reason a raw line can be set aside, and the
// settings that tune them, loaded from one TOML file (config/transform.toml documents
// every key). Reason codes are stable strings: they are the quarantine's `reason` column.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "sensorlake/common/result.h"
#include "sensorlake/wisdm/line_parser.h"
#include "sensorlake/wisdm/schema.h"

namespace sensorlake::transform {

enum class Reason : uint8_t {
  kMalformedLine = 0,     // empty, no trailing ';', or garbled
  kWrongFieldCount,       // ends in ';' but does not hold 6 fields
  kTruncatedLastLine,     // the file's last line has no newline and does not parse
  kBadSubject,            // subject field is not an integer
  kBadTimestamp,          // timestamp field is not an integer
  kNonNumericValue,       // x, y or z is not a number
  kNonFiniteValue,        // x, y or z is NaN or infinite
  kUnknownActivity,       // not one of the 18 codes
  kSubjectMismatch,       // subject field differs from the file name's subject
  kValueOutOfBounds,      // |x|, |y| or |z| beyond the sensor's physical bound
  kConflictingDuplicate,  // same subject, activity, timestamp with different values
};
inline constexpr int32_t kNumReasons = 11;
std::string_view ReasonName(Reason r);  // "malformed_line", ...
// The quarantine reason for a parse error (`last_unterminated`: the file's tail line).
Reason ReasonForParseError(const wisdm::LineParseResult& r, bool last_unterminated);

struct TransformConfig {
  // Physical bounds: a reading with any |axis| above the bound is quarantined. Defaults
  // cover the widest ranges of phone and watch sensors (accel 16 g, gyro 2000 deg/s).
  float accel_abs_max = 156.9f;  // m/s^2
  float gyro_abs_max = 40.0f;    // rad/s: 2000 deg/s full range plus the bias seen in real phones
  bool check_subject_matches_file = true;
  bool check_value_bounds = true;
  bool drop_exact_duplicates = true;  // false keeps them as rows
  bool quarantine_conflicting_duplicates = true;

  // Parquet output.
  std::string compression = "zstd";
  int32_t compression_level = 3;
  bool byte_stream_split_floats = true;
  bool delta_timestamps = true;
  bool write_page_index = true;

  float AbsMax(wisdm::Sensor s) const {
    return s == wisdm::Sensor::kAccel ? accel_abs_max : gyro_abs_max;
  }
  // Canonical text of every setting, hashed into the curated version id.
  std::string Canonical() const;
};

// Reads a TOML config; keys left out keep their defaults; unknown keys are an error (a
// typo must not silently fall back to a default). The message names file, line and key.
Result<TransformConfig> LoadTransformConfig(const std::string& path);
Result<TransformConfig> ParseTransformConfig(std::string_view toml_text, std::string_view origin);

}  // namespace sensorlake::transform
