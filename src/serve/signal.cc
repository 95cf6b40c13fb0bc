#include "sensorlake/serve/signal.h"

#include <algorithm>
#include <limits>

#include <parquet/arrow/reader.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>
#include <parquet/statistics.h>

#include "sensorlake/zones/curated_reader.h"

namespace sensorlake::serve {

namespace {

// Whether row group `rg` can hold `subject`, by its statistics; without them it must be read.
bool MayHoldSubject(const parquet::FileMetaData& meta, int32_t rg, int32_t column,
                    int32_t subject) {
  auto stats = meta.RowGroup(rg)->ColumnChunk(column)->statistics();
  auto typed = std::dynamic_pointer_cast<parquet::Int32Statistics>(stats);
  if (typed == nullptr || !typed->HasMinMax()) return true;
  return typed->min() <= subject && subject <= typed->max();
}

// The readings of one row group that belong to the query, appended to the vectors.
struct Readings {
  std::vector<int64_t> t;
  std::array<std::vector<float>, 3> v;
};

Status CollectRows(const arrow::RecordBatch& batch, const std::string& file, const SignalQuery& q,
                   Readings* out) {
  SL_ASSIGN_OR_RETURN(auto subject,
                      zones::CuratedColumn<arrow::Int16Array>(batch, "subject", file));
  SL_ASSIGN_OR_RETURN(auto ts,
                      zones::CuratedColumn<arrow::Int64Array>(batch, "timestamp_ns", file));
  std::array<const arrow::FloatArray*, 3> axis{};
  const char* names[3] = {"x", "y", "z"};
  for (size_t a = 0; a < 3; ++a) {
    SL_ASSIGN_OR_RETURN(axis[a], zones::CuratedColumn<arrow::FloatArray>(batch, names[a], file));
  }
  SL_ASSIGN_OR_RETURN(auto activity, zones::CuratedActivityIndices(batch, file));
  for (int64_t i = 0; i < batch.num_rows(); ++i) {
    if (subject->Value(i) != q.subject || activity[static_cast<size_t>(i)] != q.activity) continue;
    out->t.push_back(ts->Value(i));
    for (size_t a = 0; a < 3; ++a) out->v[a].push_back(axis[a]->Value(i));
  }
  return Status::OK();
}

}  // namespace

AxisSeries DecimateMinMax(const std::vector<int64_t>& t, const std::vector<float>& v,
                          int64_t origin_ns, int64_t from_ns, int64_t to_ns, int32_t width) {
  AxisSeries out;
  auto begin = std::lower_bound(t.begin(), t.end(), from_ns);
  auto end = std::upper_bound(t.begin(), t.end(), to_ns);
  size_t lo = static_cast<size_t>(begin - t.begin()), hi = static_cast<size_t>(end - t.begin());
  auto emit = [&](size_t i) {
    out.t_ms.push_back(static_cast<double>(t[i] - origin_ns) / 1e6);
    out.v.push_back(v[i]);
  };
  if (hi - lo <= 2 * static_cast<size_t>(width) || to_ns <= from_ns) {
    for (size_t i = lo; i < hi; ++i) emit(i);
    return out;
  }
  const double span = static_cast<double>(to_ns - from_ns) + 1;
  size_t i = lo;
  while (i < hi) {
    // Bucket of reading i; the bucket ends where the next one starts.
    auto bucket = static_cast<int64_t>(static_cast<double>(t[i] - from_ns) / span * width);
    size_t imin = i, imax = i, j = i;
    for (; j < hi; ++j) {
      if (static_cast<int64_t>(static_cast<double>(t[j] - from_ns) / span * width) != bucket) break;
      if (v[j] < v[imin]) imin = j;
      if (v[j] > v[imax]) imax = j;
    }
    emit(std::min(imin, imax));
    if (imin != imax) emit(std::max(imin, imax));
    i = j;
  }
  return out;
}

Result<SignalResult> ReadSignal(const storage::Lake& lake, const std::string& part_path,
                                const SignalQuery& q) {
  SL_ASSIGN_OR_RETURN(auto input, lake.OpenInputFile(part_path));
  SL_ASSIGN_OR_RETURN_ARROW(auto reader,
                            parquet::arrow::OpenFile(input, arrow::default_memory_pool()));
  auto meta = reader->parquet_reader()->metadata();
  std::shared_ptr<arrow::Schema> schema;
  SL_RETURN_NOT_OK_ARROW(reader->GetSchema(&schema));
  const int32_t subject_col = meta->schema()->ColumnIndex("subject");
  if (subject_col < 0) return Status::Corrupt("{}: no column 'subject'", part_path);
  std::vector<int> columns;
  for (const char* name : {"subject", "activity", "timestamp_ns", "x", "y", "z"}) {
    int i = schema->GetFieldIndex(name);
    if (i < 0) return Status::Corrupt("{}: no column '{}'", part_path, name);
    columns.push_back(i);
  }
  SignalResult r;
  r.row_groups_total = meta->num_row_groups();
  Readings rows;
  for (int32_t rg = 0; rg < meta->num_row_groups(); ++rg) {
    if (!MayHoldSubject(*meta, rg, subject_col, q.subject)) continue;
    ++r.row_groups_read;
    SL_ASSIGN_OR_RETURN_ARROW(auto table, reader->ReadRowGroup(rg, columns));
    SL_ASSIGN_OR_RETURN_ARROW(auto batch, table->CombineChunksToBatch());
    SL_RETURN_NOT_OK(CollectRows(*batch, part_path, q, &rows));
  }
  if (rows.t.empty()) {
    return Status::NotFound("no readings for subject {} and this activity in {}", q.subject,
                            part_path);
  }
  r.first_ns = rows.t.front();
  r.last_ns = rows.t.back();
  r.from_ns = std::max(q.from_ns.value_or(r.first_ns), r.first_ns);
  r.to_ns = std::min(q.to_ns.value_or(r.last_ns), r.last_ns);
  if (r.to_ns < r.from_ns) return Status::Invalid("from_ns must not be after to_ns");
  auto lo = std::lower_bound(rows.t.begin(), rows.t.end(), r.from_ns);
  auto hi = std::upper_bound(rows.t.begin(), rows.t.end(), r.to_ns);
  r.rows_in_window = hi - lo;
  r.decimated = r.rows_in_window > 2 * static_cast<int64_t>(q.width);
  for (size_t a = 0; a < 3; ++a) {
    r.axes[a] = DecimateMinMax(rows.t, rows.v[a], r.first_ns, r.from_ns, r.to_ns, q.width);
  }
  return r;
}

nlohmann::json SignalResult::ToJson() const {
  nlohmann::json axes_json = nlohmann::json::object();
  const char* names[3] = {"x", "y", "z"};
  for (size_t a = 0; a < 3; ++a) {
    axes_json[names[a]] = {{"t_ms", axes[a].t_ms}, {"v", axes[a].v}};
  }
  return {{"first_ns", first_ns},
          {"last_ns", last_ns},
          {"from_ns", from_ns},
          {"to_ns", to_ns},
          {"rows_in_window", rows_in_window},
          {"decimated", decimated},
          {"row_groups_read", row_groups_read},
          {"row_groups_total", row_groups_total},
          {"axes", axes_json}};
}

}  // namespace sensorlake::serve
