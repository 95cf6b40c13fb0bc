#include "sensorlake/zones/curated_reader.h"

#include <algorithm>

#include <arrow/api.h>
#include <fmt/format.h>
#include <parquet/arrow/reader.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>
#include <parquet/properties.h>
#include <parquet/statistics.h>

#include "sensorlake/wisdm/schema.h"

namespace sensorlake::zones {

namespace {

// "device=phone/sensor=accel/part-00000.parquet" -> folder index.
Result<int32_t> FolderOfPart(std::string_view rel) {
  for (const auto& f : wisdm::kFolders) {
    std::string prefix = fmt::format("device={}/sensor={}/", wisdm::DeviceName(f.device),
                                     wisdm::SensorName(f.sensor));
    if (rel.substr(0, prefix.size()) == prefix) return f.index();
  }
  return Status::Corrupt("{}: not under device=<d>/sensor=<s>/", rel);
}

Result<int8_t> ActivityOf(std::string_view code, const std::string& file) {
  int32_t a = code.size() == 1 ? wisdm::ActivityIndex(code[0]) : -1;
  if (a < 0) return Status::Corrupt("{}: activity '{}' is not one of the 18 codes", file, code);
  return static_cast<int8_t>(a);
}

// The activity of every row as its index in wisdm::kActivityCodes (the column is
// dictionary-encoded utf8; plain utf8 is accepted too).
Result<std::vector<int8_t>> ActivityIndices(const arrow::Array& col, const std::string& file) {
  std::vector<int8_t> out(static_cast<size_t>(col.length()));
  if (const auto* dict = dynamic_cast<const arrow::DictionaryArray*>(&col)) {
    auto values = std::dynamic_pointer_cast<arrow::StringArray>(dict->dictionary());
    if (values == nullptr) return Status::Corrupt("{}: activity dictionary is not utf8", file);
    std::vector<int8_t> map(static_cast<size_t>(values->length()));
    for (int64_t i = 0; i < values->length(); ++i) {
      SL_ASSIGN_OR_RETURN(map[static_cast<size_t>(i)], ActivityOf(values->GetView(i), file));
    }
    auto fill = [&](auto index_of) -> Status {
      for (int64_t i = 0; i < col.length(); ++i) {
        int64_t v = index_of(i);
        if (v < 0 || v >= values->length()) {
          return Status::Corrupt("{}: activity index {} outside its dictionary", file, v);
        }
        out[static_cast<size_t>(i)] = map[static_cast<size_t>(v)];
      }
      return Status::OK();
    };
    // int8 indices (what the curated writer writes) are read directly: GetValueIndex
    // dispatches on the index type for every row.
    if (const auto* narrow = dynamic_cast<const arrow::Int8Array*>(dict->indices().get())) {
      const int8_t* raw = narrow->raw_values();
      SL_RETURN_NOT_OK(fill([raw](int64_t i) { return int64_t{raw[i]}; }));
    } else {
      SL_RETURN_NOT_OK(fill([dict](int64_t i) { return dict->GetValueIndex(i); }));
    }
  } else if (const auto* str = dynamic_cast<const arrow::StringArray*>(&col)) {
    for (int64_t i = 0; i < col.length(); ++i) {
      SL_ASSIGN_OR_RETURN(out[static_cast<size_t>(i)], ActivityOf(str->GetView(i), file));
    }
  } else {
    return Status::Corrupt("{}: column 'activity' has type {}", file, col.type()->ToString());
  }
  return out;
}

// Whether a file column of type `type` can be read as curated field `f`.
bool TypeFits(CuratedField f, const arrow::DataType& type, const arrow::DataType& curated) {
  // Activity codes are accepted as plain utf8 too, and with any dictionary index width.
  if (f == CuratedField::kActivity) {
    if (type.id() == arrow::Type::STRING) return true;
    const auto* dict = dynamic_cast<const arrow::DictionaryType*>(&type);
    return dict != nullptr && dict->value_type()->id() == arrow::Type::STRING;
  }
  return type.Equals(curated);
}

// The values of a fixed-width column as a span over the Arrow buffer.
template <typename ArrayType>
auto ValuesOf(const arrow::Array& col) {
  const auto& typed = static_cast<const ArrayType&>(col);
  using T = std::remove_cv_t<std::remove_pointer_t<decltype(typed.raw_values())>>;
  return std::span<const T>(typed.raw_values(), static_cast<size_t>(typed.length()));
}

}  // namespace

Result<std::vector<CuratedPart>> ListCuratedParts(const storage::Lake& lake,
                                                  const std::string& version_dir) {
  const std::string data_dir = storage::JoinPath(version_dir, kReadingsDir);
  SL_ASSIGN_OR_RETURN(auto entries, lake.ListFiles(data_dir, /*recursive=*/true));
  std::vector<CuratedPart> parts;
  for (const auto& e : entries) {
    if (!e.path.ends_with(".parquet")) continue;
    SL_ASSIGN_OR_RETURN(int32_t folder, FolderOfPart(e.path));
    parts.push_back({storage::JoinPath(data_dir, e.path), folder, e.size});
  }
  return parts;
}

CuratedReader::CuratedReader(CuratedPart part, std::unique_ptr<parquet::arrow::FileReader> reader)
    : part_(std::move(part)), reader_(std::move(reader)) {}
CuratedReader::CuratedReader(CuratedReader&&) noexcept = default;
CuratedReader& CuratedReader::operator=(CuratedReader&&) noexcept = default;
CuratedReader::~CuratedReader() = default;

Result<CuratedReader> CuratedReader::Open(const storage::Lake& lake, CuratedPart part) {
  SL_ASSIGN_OR_RETURN(auto input, lake.OpenInputFile(part.lake_path));
  parquet::arrow::FileReaderBuilder builder;
  SL_RETURN_NOT_OK_ARROW(builder.Open(input));
  parquet::ArrowReaderProperties props;
  // Pre-buffering hands every read to Arrow's I/O threads and makes the caller wait on a
  // future: on S3 that coalesces and overlaps the range requests, but a local file's reads
  // are page-cache copies, and with two cores the waits left the check's workers idle for
  // about 15 % of its run. Local lakes read directly.
  props.set_pre_buffer(!lake.is_local());
  std::unique_ptr<parquet::arrow::FileReader> file;
  SL_RETURN_NOT_OK_ARROW(
      builder.memory_pool(arrow::default_memory_pool())->properties(props)->Build(&file));
  // A row group is read as one batch: with the default of 64Ki rows the 65,752 rows of a
  // typical part came as two chunks, and joining them copied every column once more.
  int64_t most_rows = 1;
  auto meta = file->parquet_reader()->metadata();
  for (int32_t rg = 0; rg < meta->num_row_groups(); ++rg) {
    most_rows = std::max(most_rows, meta->RowGroup(rg)->num_rows());
  }
  file->set_batch_size(most_rows);
  CuratedReader reader(std::move(part), std::move(file));
  SL_RETURN_NOT_OK_ARROW(reader.reader_->GetSchema(&reader.schema_));
  return reader;
}

int32_t CuratedReader::num_row_groups() const { return reader_->num_row_groups(); }

int32_t CuratedReader::num_file_columns() const { return schema_->num_fields(); }

bool CuratedReader::MayHoldSubject(int32_t rg, int32_t subject) const {
  if (rg < 0 || rg >= num_row_groups()) return true;  // nothing to rule it out with
  auto meta = reader_->parquet_reader()->metadata();
  int32_t column = meta->schema()->ColumnIndex(std::string(FieldName(CuratedField::kSubject)));
  if (column < 0) return true;
  auto stats = meta->RowGroup(rg)->ColumnChunk(column)->statistics();
  auto typed = std::dynamic_pointer_cast<parquet::Int32Statistics>(stats);
  if (typed == nullptr || !typed->HasMinMax()) return true;
  return typed->min() <= subject && subject <= typed->max();
}

Result<CuratedRowGroup> CuratedReader::ReadRowGroup(int32_t rg, CuratedFields fields) const {
  const std::string& file = part_.lake_path;
  // Parquet's own bounds error does not name the file.
  if (rg < 0 || rg >= num_row_groups()) {
    return Status::Invalid("{}: row group {} out of range (the part has {})", file, rg,
                           num_row_groups());
  }
  const auto curated = CuratedSchema();
  std::vector<int> indices;
  std::vector<CuratedField> read;
  for (int32_t f = 0; f < kNumCuratedFields; ++f) {
    auto field = static_cast<CuratedField>(f);
    if (!fields.Has(field)) continue;
    int i = schema_->GetFieldIndex(std::string(FieldName(field)));
    if (i < 0) return Status::Corrupt("{}: no column '{}'", file, FieldName(field));
    const auto& type = *schema_->field(i)->type();
    if (!TypeFits(field, type, *curated->field(f)->type())) {
      return Status::Corrupt("{}: column '{}' has type {}, the curated schema says {}", file,
                             FieldName(field), type.ToString(),
                             curated->field(f)->type()->ToString());
    }
    indices.push_back(i);
    read.push_back(field);
  }
  SL_ASSIGN_OR_RETURN_ARROW(auto table, reader_->ReadRowGroup(rg, indices));
  SL_ASSIGN_OR_RETURN_ARROW(auto batch, table->CombineChunksToBatch());
  // The columns in CuratedField order, whatever order the file keeps them in.
  std::vector<std::shared_ptr<arrow::Field>> out_fields;
  std::vector<std::shared_ptr<arrow::Array>> columns;
  for (CuratedField field : read) {
    int i = batch->schema()->GetFieldIndex(std::string(FieldName(field)));
    out_fields.push_back(batch->schema()->field(i));
    columns.push_back(batch->column(i));
  }
  CuratedRowGroup out;
  out.index = rg;
  out.num_rows = batch->num_rows();
  out.batch = arrow::RecordBatch::Make(arrow::schema(out_fields, schema_->metadata()), out.num_rows,
                                       std::move(columns));
  for (size_t c = 0; c < read.size(); ++c) {
    const arrow::Array& col = *out.batch->column(static_cast<int>(c));
    if (col.null_count() > 0) {
      return Status::Corrupt("{}: column '{}' holds nulls", file, FieldName(read[c]));
    }
    switch (read[c]) {
      case CuratedField::kSubject:
        out.subject = ValuesOf<arrow::Int16Array>(col);
        break;
      case CuratedField::kActivity: {
        SL_ASSIGN_OR_RETURN(out.activity, ActivityIndices(col, file));
        break;
      }
      case CuratedField::kActivityName:
        break;  // for the curated table only, as stored
      case CuratedField::kTimestampNs:
        out.timestamp_ns = ValuesOf<arrow::Int64Array>(col);
        break;
      case CuratedField::kX:
        out.x = ValuesOf<arrow::FloatArray>(col);
        break;
      case CuratedField::kY:
        out.y = ValuesOf<arrow::FloatArray>(col);
        break;
      case CuratedField::kZ:
        out.z = ValuesOf<arrow::FloatArray>(col);
        break;
      case CuratedField::kBlock:
        out.block = ValuesOf<arrow::Int32Array>(col);
        break;
      case CuratedField::kSample:
        out.sample = ValuesOf<arrow::Int32Array>(col);
        break;
    }
  }
  return out;
}

Result<int32_t> CuratedReader::ForEachRowGroup(CuratedFields fields, const RowGroupFn& fn,
                                               std::optional<int32_t> only_subject) const {
  int32_t read = 0;
  for (int32_t rg = 0; rg < num_row_groups(); ++rg) {
    if (only_subject && !MayHoldSubject(rg, *only_subject)) continue;
    SL_ASSIGN_OR_RETURN(CuratedRowGroup group, ReadRowGroup(rg, fields));
    ++read;
    SL_RETURN_NOT_OK(fn(group));
  }
  return read;
}

Status ForEachCuratedRowGroup(const storage::Lake& lake, const CuratedPart& part,
                              CuratedFields fields, const RowGroupFn& fn) {
  SL_ASSIGN_OR_RETURN(CuratedReader reader, CuratedReader::Open(lake, part));
  return reader.ForEachRowGroup(fields, fn).status();
}

}  // namespace sensorlake::zones
