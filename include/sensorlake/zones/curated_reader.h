// Reading the curated dataset back, for the stages that consume it (quality, features):
// its part files, and typed columns of a row group checked against the curated schema
// (docs/curated.md), so a file that is not what the transform writes is a clear error.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <arrow/api.h>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::zones {

struct CuratedPart {
  std::string lake_path;  // .../sensor_readings/device=<d>/sensor=<s>/part-00000.parquet
  int32_t folder = 0;     // index into wisdm::kFolders
  int64_t bytes = 0;
};

// The Parquet parts of `<version_dir>/sensor_readings`, sorted by path.
Result<std::vector<CuratedPart>> ListCuratedParts(const storage::Lake& lake,
                                                  const std::string& version_dir);

// Reads the part row group by row group (one subject each in the curated layout) and calls
// `fn` with the named columns of each as one batch; stops at the first error.
Status ForEachCuratedRowGroup(const storage::Lake& lake, const CuratedPart& part,
                              const std::vector<std::string>& columns,
                              const std::function<Status(const arrow::RecordBatch&)>& fn);

// A column of `batch` as the array type the curated schema gives it.
template <typename T>
Result<const T*> CuratedColumn(const arrow::RecordBatch& batch, const std::string& name,
                               const std::string& file) {
  auto col = batch.GetColumnByName(name);
  if (col == nullptr) return Status::Corrupt("{}: no column '{}'", file, name);
  auto typed = dynamic_cast<const T*>(col.get());
  if (typed == nullptr) {
    return Status::Corrupt("{}: column '{}' has type {}", file, name, col->type()->ToString());
  }
  return typed;
}

// The activity of every row as its index in wisdm::kActivityCodes (the column is
// dictionary-encoded utf8; plain utf8 is accepted too).
Result<std::vector<int8_t>> CuratedActivityIndices(const arrow::RecordBatch& batch,
                                                   const std::string& file);

}  // namespace sensorlake::zones
