#include "transform/parquet_writer.h"

#include <arrow/api.h>
#include <arrow/io/interfaces.h>
#include <arrow/util/utf8.h>
#include <parquet/arrow/writer.h>
#include <parquet/properties.h>

#include "sensorlake/common/crash_point.h"
#include "sensorlake/zones/curated_schema.h"

namespace sensorlake::transform {
namespace {

parquet::Compression::type Codec(const TransformConfig& c) {
  if (c.compression == "zstd") return parquet::Compression::ZSTD;
  if (c.compression == "snappy") return parquet::Compression::SNAPPY;
  return parquet::Compression::UNCOMPRESSED;
}

std::shared_ptr<parquet::WriterProperties> CuratedProperties(const TransformConfig& c) {
  parquet::WriterProperties::Builder b;
  b.compression(Codec(c));
  if (c.compression == "zstd") b.compression_level(c.compression_level);
  b.max_row_group_length(int64_t{1} << 26);  // row groups are cut per subject, not by size
  // Arrow checks the page size and updates the statistics once per batch; its default of
  // 1,024 rows made the statistics of the two dictionary columns (a Unique and a Take per
  // batch) 5 % of the transform's CPU. Pages are still cut near the 1 MiB default.
  b.write_batch_size(int64_t{1} << 16);
  if (c.delta_timestamps) {
    for (const char* col : {"timestamp_ns", "sample"}) {
      b.disable_dictionary(col)->encoding(col, parquet::Encoding::DELTA_BINARY_PACKED);
    }
  }
  if (c.byte_stream_split_floats) {
    for (const char* col : {"x", "y", "z"}) {
      b.disable_dictionary(col)->encoding(col, parquet::Encoding::BYTE_STREAM_SPLIT);
    }
  }
  if (c.write_page_index) b.enable_write_page_index();
  // Recorded so that engines (and people) know the order without scanning.
  b.set_sorting_columns({parquet::SortingColumn{0, false, false},
                         parquet::SortingColumn{1, false, false},
                         parquet::SortingColumn{3, false, false}});
  return b.build();
}

std::shared_ptr<parquet::ArrowWriterProperties> ArrowProperties() {
  // store_schema keeps the dictionary types for Arrow readers.
  return parquet::ArrowWriterProperties::Builder().store_schema()->build();
}

// An array over the vector's memory, without a copy: the vector must outlive the array
// (the writers below finish the file before they return).
template <typename ArrowType, typename T>
std::shared_ptr<arrow::Array> MakeArray(const std::vector<T>& v) {
  using ArrayType = typename arrow::TypeTraits<ArrowType>::ArrayType;
  auto data = std::make_shared<arrow::Buffer>(reinterpret_cast<const uint8_t*>(v.data()),
                                              static_cast<int64_t>(v.size() * sizeof(T)));
  return std::make_shared<ArrayType>(static_cast<int64_t>(v.size()), std::move(data));
}

std::shared_ptr<arrow::Array> MakeDictArray(const std::vector<int8_t>& codes, bool names) {
  auto indices = MakeArray<arrow::Int8Type>(codes);
  return std::make_shared<arrow::DictionaryArray>(zones::ActivityDictType(), indices,
                                                  zones::ActivityDictionary(names));
}

}  // namespace

// ---- curated -------------------------------------------------------------------------

Result<WrittenFile> WriteCuratedFile(const storage::Lake& lake, const std::string& path,
                                     const TransformConfig& config, const CleanedFile& file) {
  const CleanedRows& r = file.rows;
  WrittenFile out;
  out.path = path;
  out.source = file.path;
  if (r.size() == 0) return out;
  int64_t n = static_cast<int64_t>(r.size());
  std::vector<int16_t> subjects(r.size(), static_cast<int16_t>(file.name.subject));
  auto subject = MakeArray<arrow::Int16Type>(subjects);
  auto table = arrow::Table::Make(
      zones::CuratedSchema(),
      {subject, MakeDictArray(r.activity, false), MakeDictArray(r.activity, true),
       MakeArray<arrow::Int64Type>(r.timestamp_ns), MakeArray<arrow::FloatType>(r.x),
       MakeArray<arrow::FloatType>(r.y), MakeArray<arrow::FloatType>(r.z),
       MakeArray<arrow::Int32Type>(r.block), MakeArray<arrow::Int32Type>(r.sample)},
      n);
  SL_ASSIGN_OR_RETURN(auto sink, lake.OpenOutputStream(path));
  auto writer =
      parquet::arrow::FileWriter::Open(*zones::CuratedSchema(), arrow::default_memory_pool(), sink,
                                       CuratedProperties(config), ArrowProperties());
  if (!writer.ok()) return Status::FromArrow(writer.status()).WithContext(path);
  SL_RETURN_NOT_OK_ARROW((*writer)->WriteTable(*table, n));
  CrashPoint("parquet.curated.row_group_written");
  CrashPoint("parquet.curated.before_close");
  SL_RETURN_NOT_OK_ARROW((*writer)->Close());
  SL_ASSIGN_OR_RETURN_ARROW(out.bytes, sink->Tell());
  SL_RETURN_NOT_OK_ARROW(sink->Close());
  out.rows = n;
  out.row_groups = 1;
  return out;
}

// ---- quarantine ----------------------------------------------------------------------

namespace {

// Parquet strings must be UTF-8, raw lines need not be. A line that is not valid UTF-8
// keeps its exact bytes in raw_bytes, and raw_text shows it readably with every byte
// outside printable ASCII as \xNN; valid lines have raw_bytes null.
std::string EscapeBytes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f)
      out += static_cast<char>(c);
    else
      out += fmt::format("\\x{:02X}", c);
  }
  return out;
}

bool IsUtf8(std::string_view text) {
  static const bool initialized = [] {
    arrow::util::InitializeUTF8();  // Arrow's lookup tables, once
    return true;
  }();
  (void)initialized;
  return arrow::util::ValidateUTF8(reinterpret_cast<const uint8_t*>(text.data()),
                                   static_cast<int64_t>(text.size()));
}

// Buffers at most kQuarantineRowGroup rows, so a file that is all garbage streams to
// disk instead of growing in memory.
constexpr int64_t kQuarantineRowGroup = 65536;

class QuarantineWriter {
 public:
  QuarantineWriter(const storage::Lake& lake, std::string path, const TransformConfig& config);
  Status Append(const CleanedFile& file);
  Status Close();  // writes the file, with zero rows if nothing was set aside
  const WrittenFile& file() const { return file_; }

 private:
  Status Flush();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  WrittenFile file_;
};

struct QuarantineWriter::Impl {
  Impl(const storage::Lake& l, const TransformConfig& c) : lake(l), config(c) {}
  const storage::Lake& lake;
  TransformConfig config;  // a copy: callers may pass a temporary
  std::shared_ptr<arrow::io::OutputStream> sink;
  std::unique_ptr<parquet::arrow::FileWriter> writer;
  arrow::Int16Builder subject;
  arrow::StringBuilder file, detail, raw_text;
  arrow::BinaryBuilder raw_bytes;
  arrow::Int64Builder line;
  std::vector<int8_t> reason;
};

QuarantineWriter::QuarantineWriter(const storage::Lake& lake, std::string path,
                                   const TransformConfig& config)
    : impl_(std::make_unique<Impl>(lake, config)) {
  file_.path = std::move(path);
}

Status QuarantineWriter::Append(const CleanedFile& f) {
  for (const QuarantinedLine& q : f.quarantine) {
    SL_RETURN_NOT_OK_ARROW(impl_->subject.Append(static_cast<int16_t>(f.name.subject)));
    SL_RETURN_NOT_OK_ARROW(impl_->file.Append(f.path));
    SL_RETURN_NOT_OK_ARROW(impl_->line.Append(q.line));
    SL_RETURN_NOT_OK_ARROW(
        impl_->detail.Append(IsUtf8(q.detail) ? q.detail : EscapeBytes(q.detail)));
    if (IsUtf8(q.raw_text)) {
      SL_RETURN_NOT_OK_ARROW(impl_->raw_text.Append(q.raw_text));
      SL_RETURN_NOT_OK_ARROW(impl_->raw_bytes.AppendNull());
    } else {
      SL_RETURN_NOT_OK_ARROW(impl_->raw_text.Append(EscapeBytes(q.raw_text)));
      SL_RETURN_NOT_OK_ARROW(impl_->raw_bytes.Append(q.raw_text));
    }
    impl_->reason.push_back(static_cast<int8_t>(q.reason));
    if (impl_->subject.length() >= kQuarantineRowGroup) SL_RETURN_NOT_OK(Flush());
  }
  return Status::OK();
}

Status QuarantineWriter::Flush() {
  if (!impl_->writer) {
    parquet::WriterProperties::Builder b;
    b.compression(Codec(impl_->config));
    SL_ASSIGN_OR_RETURN(impl_->sink, impl_->lake.OpenOutputStream(file_.path));
    SL_ASSIGN_OR_RETURN_ARROW(
        impl_->writer,
        parquet::arrow::FileWriter::Open(*zones::QuarantineSchema(), arrow::default_memory_pool(),
                                         impl_->sink, b.build(), ArrowProperties()));
  }
  int64_t n = impl_->subject.length();
  if (n == 0) return Status::OK();
  arrow::StringBuilder names;
  for (int32_t i = 0; i < kNumReasons; ++i) {
    SL_RETURN_NOT_OK_ARROW(names.Append(std::string(ReasonName(static_cast<Reason>(i)))));
  }
  std::shared_ptr<arrow::Array> subject, file, line, detail, raw, raw_bytes, dict;
  SL_RETURN_NOT_OK_ARROW(impl_->subject.Finish(&subject));
  SL_RETURN_NOT_OK_ARROW(impl_->file.Finish(&file));
  SL_RETURN_NOT_OK_ARROW(impl_->line.Finish(&line));
  SL_RETURN_NOT_OK_ARROW(impl_->detail.Finish(&detail));
  SL_RETURN_NOT_OK_ARROW(impl_->raw_text.Finish(&raw));
  SL_RETURN_NOT_OK_ARROW(impl_->raw_bytes.Finish(&raw_bytes));
  SL_RETURN_NOT_OK_ARROW(names.Finish(&dict));
  auto reason =
      std::make_shared<arrow::DictionaryArray>(arrow::dictionary(arrow::int8(), arrow::utf8()),
                                               MakeArray<arrow::Int8Type>(impl_->reason), dict);
  auto table = arrow::Table::Make(zones::QuarantineSchema(),
                                  {subject, file, line, reason, detail, raw, raw_bytes}, n);
  SL_RETURN_NOT_OK_ARROW(impl_->writer->WriteTable(*table, n));
  impl_->reason.clear();  // only now: `reason` reads the vector's memory
  file_.rows += n;
  file_.row_groups += 1;
  return Status::OK();
}

Status QuarantineWriter::Close() {
  SL_RETURN_NOT_OK(Flush());  // opens the file even when nothing was set aside
  SL_RETURN_NOT_OK_ARROW(impl_->writer->Close());
  SL_ASSIGN_OR_RETURN_ARROW(file_.bytes, impl_->sink->Tell());
  SL_RETURN_NOT_OK_ARROW(impl_->sink->Close());
  return Status::OK();
}

}  // namespace

Result<WrittenFile> WriteQuarantineFile(const storage::Lake& lake, const std::string& path,
                                        const TransformConfig& config, const CleanedFile& file) {
  QuarantineWriter writer(lake, path, config);
  SL_RETURN_NOT_OK(writer.Append(file));
  SL_RETURN_NOT_OK(writer.Close());
  WrittenFile out = writer.file();
  out.source = file.path;
  return out;
}

}  // namespace sensorlake::transform
