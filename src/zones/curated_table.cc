#include "sensorlake/zones/curated_table.h"

#include <arrow/api.h>

#include "sensorlake/storage/versioned_zone.h"
#include "sensorlake/wisdm/schema.h"
#include "sensorlake/zones/curated_reader.h"
#include "sensorlake/zones/curated_schema.h"

namespace sensorlake::zones {
namespace {

std::shared_ptr<arrow::DataType> PartitionType() {
  return arrow::dictionary(arrow::int32(), arrow::utf8());
}

// A column of `n` times `value`: int32 zeros pointing at a one-entry dictionary.
Result<std::shared_ptr<arrow::Array>> Constant(std::string_view value, int64_t n) {
  arrow::StringBuilder dict;
  SL_RETURN_NOT_OK_ARROW(dict.Append(std::string(value)));
  std::shared_ptr<arrow::Array> dict_array;
  SL_RETURN_NOT_OK_ARROW(dict.Finish(&dict_array));
  SL_ASSIGN_OR_RETURN_ARROW(auto zeros, arrow::MakeArrayFromScalar(arrow::Int32Scalar(0), n));
  return std::shared_ptr<arrow::Array>(
      std::make_shared<arrow::DictionaryArray>(PartitionType(), zeros, dict_array));
}

arrow::Status ToArrow(const Status& st) {
  if (st.ok()) return arrow::Status::OK();
  return arrow::Status::IOError(st.ToString());
}

class CuratedBatchReader : public arrow::RecordBatchReader {
 public:
  CuratedBatchReader(std::shared_ptr<const storage::Lake> lake, std::vector<CuratedPart> parts,
                     std::optional<int32_t> subject)
      : lake_(std::move(lake)), parts_(std::move(parts)), subject_(subject) {}

  std::shared_ptr<arrow::Schema> schema() const override { return CuratedTableSchema(); }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override {
    auto next = Next();
    if (!next.ok()) return ToArrow(next.status());
    *batch = std::move(*next);
    return arrow::Status::OK();
  }

 private:
  // The next row group that passes the subject filter; nullptr at the end.
  Result<std::shared_ptr<arrow::RecordBatch>> Next() {
    while (true) {
      if (!reader_ || row_group_ >= reader_->num_row_groups()) {
        if (next_part_ >= parts_.size()) return std::shared_ptr<arrow::RecordBatch>();
        SL_RETURN_NOT_OK(OpenPart(parts_[next_part_++]));
        continue;
      }
      const int32_t rg = row_group_++;
      if (subject_ && !reader_->MayHoldSubject(rg, *subject_)) continue;
      SL_ASSIGN_OR_RETURN(CuratedRowGroup group, reader_->ReadRowGroup(rg, CuratedFields::All()));
      if (group.num_rows == 0) continue;
      // One subject per row group is the curated layout (parquet_writer.h).
      if (subject_ && group.subject[0] != *subject_) continue;
      return WithPartitionColumns(*group.batch);
    }
  }

  Status OpenPart(const CuratedPart& part) {
    SL_ASSIGN_OR_RETURN(CuratedReader reader, CuratedReader::Open(*lake_, part));
    if (reader.num_file_columns() != kNumCuratedFields) {
      return Status::Corrupt("{}: {} columns, the curated schema has {}", part.lake_path,
                             reader.num_file_columns(), kNumCuratedFields);
    }
    reader_.emplace(std::move(reader));
    folder_ = wisdm::kFolders[part.folder];
    row_group_ = 0;
    return Status::OK();
  }

  Result<std::shared_ptr<arrow::RecordBatch>> WithPartitionColumns(
      const arrow::RecordBatch& batch) {
    std::vector<std::shared_ptr<arrow::Array>> columns = batch.columns();
    int64_t n = batch.num_rows();
    SL_ASSIGN_OR_RETURN(auto device, Constant(wisdm::DeviceName(folder_.device), n));
    SL_ASSIGN_OR_RETURN(auto sensor, Constant(wisdm::SensorName(folder_.sensor), n));
    columns.push_back(device);
    columns.push_back(sensor);
    auto schema = CuratedTableSchema();
    if (static_cast<int>(columns.size()) != schema->num_fields()) {
      return Status::Corrupt("{}: {} columns, the curated schema has {}",
                             parts_[next_part_ - 1].lake_path, batch.num_columns(),
                             schema->num_fields() - 2);
    }
    for (int i = 0; i < batch.num_columns(); ++i) {
      if (!columns[i]->type()->Equals(schema->field(i)->type())) {
        return Status::Corrupt("{}: column {} has type {}, the curated schema says {}",
                               parts_[next_part_ - 1].lake_path, schema->field(i)->name(),
                               columns[i]->type()->ToString(),
                               schema->field(i)->type()->ToString());
      }
    }
    return arrow::RecordBatch::Make(schema, n, std::move(columns));
  }

  std::shared_ptr<const storage::Lake> lake_;
  std::vector<CuratedPart> parts_;
  std::optional<int32_t> subject_;
  size_t next_part_ = 0;
  std::optional<CuratedReader> reader_;
  int32_t row_group_ = 0;
  wisdm::Folder folder_ = wisdm::kFolders[0];
};

}  // namespace

std::shared_ptr<arrow::Schema> CuratedTableSchema() {
  auto base = CuratedSchema();
  auto fields = base->fields();
  fields.push_back(arrow::field("device", PartitionType(), false));
  fields.push_back(arrow::field("sensor", PartitionType(), false));
  return arrow::schema(fields, base->metadata());
}

Result<std::shared_ptr<arrow::RecordBatchReader>> OpenCuratedReader(
    std::shared_ptr<const storage::Lake> lake, const CuratedFilter& filter) {
  if (!filter.device.empty() && filter.device != "phone" && filter.device != "watch") {
    return Status::Invalid("device '{}': phone or watch", filter.device);
  }
  if (!filter.sensor.empty() && filter.sensor != "accel" && filter.sensor != "gyro") {
    return Status::Invalid("sensor '{}': accel or gyro", filter.sensor);
  }
  storage::VersionedZone zone(*lake, "curated");
  std::string version = filter.version;
  if (version.empty()) {
    SL_ASSIGN_OR_RETURN(auto current, zone.CurrentVersion());
    if (!current)
      return Status::NotFound("{}: no curated version yet", lake->DisplayPath("curated"));
    version = *current;
  }
  SL_ASSIGN_OR_RETURN(bool complete, zone.HasVersion(version));
  if (!complete) return Status::NotFound("no complete curated version {}", version);
  SL_ASSIGN_OR_RETURN(auto all, ListCuratedParts(*lake, zone.VersionDir(version)));
  std::vector<CuratedPart> parts;
  for (const auto& p : all) {
    const wisdm::Folder& f = wisdm::kFolders[p.folder];
    if (!filter.device.empty() && wisdm::DeviceName(f.device) != filter.device) continue;
    if (!filter.sensor.empty() && wisdm::SensorName(f.sensor) != filter.sensor) continue;
    parts.push_back(p);
  }
  return std::shared_ptr<arrow::RecordBatchReader>(
      std::make_shared<CuratedBatchReader>(std::move(lake), std::move(parts), filter.subject));
}

}  // namespace sensorlake::zones
