// The curated zone's data, as every stage agrees on it (docs/curated.md): the Arrow schema
// of sensor_readings and of quarantine, their column names and folder names. The transform
// writes them; quality, features, serve and the Python package read them.
//
//   curated/_versions/<id>/sensor_readings/device=<d>/sensor=<s>/part-00000.parquet
//   curated/_versions/<id>/quarantine/device=<d>/sensor=<s>/part-00000.parquet
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

namespace arrow {
class Array;
class DataType;
class Schema;
}  // namespace arrow

namespace sensorlake::zones {

inline constexpr const char* kReadingsDir = "sensor_readings";
inline constexpr const char* kQuarantineDir = "quarantine";

// The columns of sensor_readings, in schema order (device and sensor are hive partition
// columns, in the paths, not in the files).
enum class CuratedField : uint8_t {
  kSubject = 0,   // int16
  kActivity,      // dictionary<int8, utf8>: the code, "A"
  kActivityName,  // dictionary<int8, utf8>: "walking"
  kTimestampNs,   // int64, the device clock
  kX,             // float32: m/s^2 (accel) or rad/s (gyro)
  kY,
  kZ,
  kBlock,   // int32: ordinal of the contiguous activity run in the subject's raw file
  kSample,  // int32: position of the reading inside its block, in timestamp order
};
inline constexpr int32_t kNumCuratedFields = 9;
inline constexpr std::array<std::string_view, kNumCuratedFields> kCuratedFieldNames = {
    "subject", "activity", "activity_name", "timestamp_ns", "x", "y", "z", "block", "sample"};
inline constexpr std::string_view FieldName(CuratedField f) {
  return kCuratedFieldNames[static_cast<size_t>(f)];
}

// dictionary<int8, utf8>: how the activity columns are stored.
std::shared_ptr<arrow::DataType> ActivityDictType();
// The dictionary of the activity columns: the 18 codes ("A".."S" without N), or their names,
// in wisdm::kActivityCodes order, so an index is the same in both columns.
std::shared_ptr<arrow::Array> ActivityDictionary(bool names);

std::shared_ptr<arrow::Schema> CuratedSchema();
std::shared_ptr<arrow::Schema> QuarantineSchema();

}  // namespace sensorlake::zones
