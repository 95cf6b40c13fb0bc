// Reading the curated dataset back, for the stages that consume it (quality, features,
// serve) and the curated table: its part files, and one typed reader of their row groups,
// checked against the curated schema (zones/curated_schema.h, docs/curated.md), so a file
// that is not what the transform writes is a clear error. The only code that opens a
// curated Parquet file.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/zones/curated_schema.h"

namespace arrow {
class RecordBatch;
class Schema;
}  // namespace arrow
namespace parquet::arrow {
class FileReader;
}  // namespace parquet::arrow

namespace sensorlake::zones {

struct CuratedPart {
  std::string lake_path;  // .../sensor_readings/device=<d>/sensor=<s>/part-00000.parquet
  int32_t folder = 0;     // index into wisdm::kFolders
  int64_t bytes = 0;
};

// The Parquet parts of `<version_dir>/sensor_readings`, sorted by path.
Result<std::vector<CuratedPart>> ListCuratedParts(const storage::Lake& lake,
                                                  const std::string& version_dir);

// A set of curated columns: what a reader asks for, so it reads no other.
class CuratedFields {
 public:
  constexpr CuratedFields(std::initializer_list<CuratedField> fields) {
    for (CuratedField f : fields) bits_ |= Bit(f);
  }
  static constexpr CuratedFields All() {
    CuratedFields all({});
    all.bits_ = (1u << kNumCuratedFields) - 1;
    return all;
  }
  constexpr bool Has(CuratedField f) const { return (bits_ & Bit(f)) != 0; }

 private:
  static constexpr uint32_t Bit(CuratedField f) { return 1u << static_cast<uint32_t>(f); }
  uint32_t bits_ = 0;
};

// One row group of a part (one subject of one device and sensor in the curated layout),
// typed as the curated schema says. The spans point into `batch` and live as long as this
// object; a column that was not asked for is empty.
struct CuratedRowGroup {
  int32_t index = 0;  // in the part
  int64_t num_rows = 0;
  std::span<const int16_t> subject;
  std::vector<int8_t> activity;  // index in wisdm::kActivityCodes, whatever the dictionary order
  std::span<const int64_t> timestamp_ns;
  std::span<const float> x, y, z;
  std::span<const int32_t> block, sample;
  // The columns asked for, in CuratedField order, as stored (activity_name is only here).
  std::shared_ptr<arrow::RecordBatch> batch;
};

using RowGroupFn = std::function<Status(const CuratedRowGroup&)>;

// One curated part, open. Movable, not copyable; the lake must outlive it.
class CuratedReader {
 public:
  static Result<CuratedReader> Open(const storage::Lake& lake, CuratedPart part);
  CuratedReader(CuratedReader&&) noexcept;
  CuratedReader& operator=(CuratedReader&&) noexcept;
  ~CuratedReader();

  const CuratedPart& part() const { return part_; }
  int32_t num_row_groups() const;
  int32_t num_file_columns() const;
  // Whether row group `rg` can hold rows of `subject`, by its statistics; true without them.
  bool MayHoldSubject(int32_t rg, int32_t subject) const;

  // Reads the `fields` of row group `rg`; Corrupt when a column is missing, of another type
  // than the curated schema's, or holds nulls; Invalid when the part has no row group `rg`.
  Result<CuratedRowGroup> ReadRowGroup(int32_t rg, CuratedFields fields) const;

  // Calls `fn` with every row group in order, or, with `only_subject`, with those whose
  // statistics say they may hold it (the rows are not filtered); stops at the first error.
  // Returns the number of row groups read.
  Result<int32_t> ForEachRowGroup(CuratedFields fields, const RowGroupFn& fn,
                                  std::optional<int32_t> only_subject = std::nullopt) const;

 private:
  CuratedReader(CuratedPart part, std::unique_ptr<parquet::arrow::FileReader> reader);
  CuratedPart part_;
  std::unique_ptr<parquet::arrow::FileReader> reader_;
  std::shared_ptr<arrow::Schema> schema_;  // the file's
};

// Opens `part` and calls `fn` with each of its row groups: the loop of every stage that
// reads the curated zone whole.
Status ForEachCuratedRowGroup(const storage::Lake& lake, const CuratedPart& part,
                              CuratedFields fields, const RowGroupFn& fn);

}  // namespace sensorlake::zones
