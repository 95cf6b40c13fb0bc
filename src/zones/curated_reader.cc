#include "sensorlake/zones/curated_reader.h"

#include <fmt/format.h>
#include <parquet/arrow/reader.h>

#include "sensorlake/wisdm/schema.h"
#include "sensorlake/zones/curated_schema.h"

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

Status ForEachCuratedRowGroup(const storage::Lake& lake, const CuratedPart& part,
                              const std::vector<std::string>& columns,
                              const std::function<Status(const arrow::RecordBatch&)>& fn) {
  SL_ASSIGN_OR_RETURN(auto input, lake.OpenInputFile(part.lake_path));
  SL_ASSIGN_OR_RETURN_ARROW(auto reader,
                            parquet::arrow::OpenFile(input, arrow::default_memory_pool()));
  std::shared_ptr<arrow::Schema> schema;
  SL_RETURN_NOT_OK_ARROW(reader->GetSchema(&schema));
  std::vector<int> indices;
  for (const auto& name : columns) {
    int i = schema->GetFieldIndex(name);
    if (i < 0) return Status::Corrupt("{}: no column '{}'", part.lake_path, name);
    indices.push_back(i);
  }
  for (int rg = 0; rg < reader->num_row_groups(); ++rg) {
    SL_ASSIGN_OR_RETURN_ARROW(auto table, reader->ReadRowGroup(rg, indices));
    SL_ASSIGN_OR_RETURN_ARROW(auto batch, table->CombineChunksToBatch());
    SL_RETURN_NOT_OK(fn(*batch));
  }
  return Status::OK();
}

Result<std::vector<int8_t>> CuratedActivityIndices(const arrow::RecordBatch& batch,
                                                   const std::string& file) {
  auto col = batch.GetColumnByName("activity");
  if (col == nullptr) return Status::Corrupt("{}: no column 'activity'", file);
  std::vector<int8_t> out(static_cast<size_t>(batch.num_rows()));
  if (auto dict = std::dynamic_pointer_cast<arrow::DictionaryArray>(col)) {
    auto values = std::dynamic_pointer_cast<arrow::StringArray>(dict->dictionary());
    if (values == nullptr) return Status::Corrupt("{}: activity dictionary is not utf8", file);
    std::vector<int8_t> map(static_cast<size_t>(values->length()));
    for (int64_t i = 0; i < values->length(); ++i) {
      SL_ASSIGN_OR_RETURN(map[static_cast<size_t>(i)], ActivityOf(values->GetView(i), file));
    }
    for (int64_t i = 0; i < batch.num_rows(); ++i) {
      out[static_cast<size_t>(i)] = map[static_cast<size_t>(dict->GetValueIndex(i))];
    }
  } else if (auto str = std::dynamic_pointer_cast<arrow::StringArray>(col)) {
    for (int64_t i = 0; i < batch.num_rows(); ++i) {
      SL_ASSIGN_OR_RETURN(out[static_cast<size_t>(i)], ActivityOf(str->GetView(i), file));
    }
  } else {
    return Status::Corrupt("{}: column 'activity' has type {}", file, col->type()->ToString());
  }
  return out;
}

}  // namespace sensorlake::zones
