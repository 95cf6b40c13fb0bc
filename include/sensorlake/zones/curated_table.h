// The curated dataset as one stream of Arrow record batches, for in-process consumers (the
// Python package hands it to pyarrow through the Arrow C stream interface, without a copy).
// One batch per row group (one subject of one device+sensor), with the hive partition
// columns `device` and `sensor` added, read lazily part by part.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <arrow/record_batch.h>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::zones {

struct CuratedFilter {
  std::string version;             // curated version id; empty = the current one
  std::optional<int32_t> subject;  // all subjects when unset
  std::string device;              // "phone" | "watch" | "" (both)
  std::string sensor;              // "accel" | "gyro" | "" (both)
};

// The curated schema plus device and sensor (dictionary<int32, utf8>, as Arrow's hive
// partitioning reads them).
std::shared_ptr<arrow::Schema> CuratedTableSchema();

// `lake` is shared with the reader, which may outlive the caller's scope.
Result<std::shared_ptr<arrow::RecordBatchReader>> OpenCuratedReader(
    std::shared_ptr<const storage::Lake> lake, const CuratedFilter& filter);

}  // namespace sensorlake::zones
