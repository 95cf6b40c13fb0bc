#include "transform/parquet_writer.h"

#include <arrow/api.h>
#include <arrow/io/file.h>
#include <gtest/gtest.h>
#include <parquet/arrow/reader.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>

#include "sensorlake/zones/curated_schema.h"
#include "testing/temp_dir.h"

namespace sensorlake::transform {
namespace {

const wisdm::Folder kPhoneAccel{wisdm::Device::kPhone, wisdm::Sensor::kAccel};

CleanedFile MakeFile(int32_t subject, int32_t rows, int32_t bad_lines) {
  std::string raw;
  for (int32_t i = 0; i < rows; ++i) {
    raw += fmt::format("{},{},{},{}.5,-{}.25,9.8;\n", subject, i < rows / 2 ? 'A' : 'B',
                       1000 + i * 50, i % 13, i % 7);
  }
  for (int32_t i = 0; i < bad_lines; ++i) raw += "garbage line\n";
  wisdm::RawFileName name{subject, kPhoneAccel};
  return CleanRawFile(raw, name, name.RelativePath(), TransformConfig{});
}

std::shared_ptr<arrow::Table> ReadTable(const std::string& path) {
  auto input = arrow::io::ReadableFile::Open(path).ValueOrDie();
  auto reader = parquet::arrow::OpenFile(input, arrow::default_memory_pool()).ValueOrDie();
  std::shared_ptr<arrow::Table> t;
  EXPECT_TRUE(reader->ReadTable(&t).ok());
  return t;
}

TEST(ParquetWriterTest, OneRowGroupPerSubjectWithTypedSortedColumns) {
  testing::TempDir dir;
  auto lake = std::move(storage::Lake::Open(dir.str())).ValueOrDie();
  TransformConfig config;
  CuratedPartitionWriter w(*lake, "out", kPhoneAccel, config);
  ASSERT_TRUE(w.Append(MakeFile(1600, 1000, 0)).ok());
  ASSERT_TRUE(w.Append(MakeFile(1601, 500, 0)).ok());
  ASSERT_TRUE(w.Close().ok());
  ASSERT_EQ(w.files().size(), 1u);
  EXPECT_EQ(w.files()[0].rows, 1500);
  EXPECT_EQ(w.files()[0].row_groups, 2);

  std::string path = lake->LocalPath(w.files()[0].path);
  auto t = ReadTable(path);
  EXPECT_TRUE(t->schema()->Equals(*zones::CuratedSchema(), /*check_metadata=*/false))
      << t->schema()->ToString();
  EXPECT_EQ(t->num_rows(), 1500);
  auto md = parquet::ReadMetaData(arrow::io::ReadableFile::Open(path).ValueOrDie());
  EXPECT_EQ(md->num_row_groups(), 2);
  auto rg = md->RowGroup(0);
  ASSERT_EQ(rg->sorting_columns().size(), 3u);
  EXPECT_EQ(rg->ColumnChunk(0)->compression(), parquet::Compression::ZSTD);
  auto ts_encodings = rg->ColumnChunk(3)->encodings();
  EXPECT_NE(
      std::find(ts_encodings.begin(), ts_encodings.end(), parquet::Encoding::DELTA_BINARY_PACKED),
      ts_encodings.end());
  auto x_encodings = rg->ColumnChunk(4)->encodings();
  EXPECT_NE(std::find(x_encodings.begin(), x_encodings.end(), parquet::Encoding::BYTE_STREAM_SPLIT),
            x_encodings.end());
}

TEST(ParquetWriterTest, PartFilesRollPastTheTargetSize) {
  testing::TempDir dir;
  auto lake = std::move(storage::Lake::Open(dir.str())).ValueOrDie();
  TransformConfig config;
  config.target_file_bytes = 1 << 20;
  config.compression = "none";
  CuratedPartitionWriter w(*lake, "out", kPhoneAccel, config);
  for (int32_t s = 0; s < 6; ++s) ASSERT_TRUE(w.Append(MakeFile(1600 + s, 40000, 0)).ok());
  ASSERT_TRUE(w.Close().ok());
  ASSERT_GT(w.files().size(), 1u);
  int64_t rows = 0;
  for (const auto& f : w.files()) rows += f.rows;
  EXPECT_EQ(rows, 240000);
  EXPECT_EQ(w.files()[1].path, "out/part-00001.parquet");
}

TEST(ParquetWriterTest, QuarantineKeepsEveryLineAndStreamsRowGroups) {
  testing::TempDir dir;
  auto lake = std::move(storage::Lake::Open(dir.str())).ValueOrDie();
  TransformConfig config;
  QuarantineWriter q(*lake, "q/part-00000.parquet", config);
  ASSERT_TRUE(q.Append(MakeFile(1600, 10, 70000)).ok());
  ASSERT_TRUE(q.Close().ok());
  EXPECT_EQ(q.file().rows, 70000);
  EXPECT_EQ(q.file().row_groups, 2);
  auto t = ReadTable(lake->LocalPath("q/part-00000.parquet"));
  EXPECT_EQ(t->num_rows(), 70000);
  auto raw = std::static_pointer_cast<arrow::StringArray>(t->GetColumnByName("raw_text")->chunk(0));
  EXPECT_EQ(raw->GetString(0), "garbage line");
  auto line = std::static_pointer_cast<arrow::Int64Array>(t->GetColumnByName("line")->chunk(0));
  EXPECT_EQ(line->Value(0), 11);
}

TEST(ParquetWriterTest, EmptyQuarantineStillWritesAReadableFile) {
  testing::TempDir dir;
  auto lake = std::move(storage::Lake::Open(dir.str())).ValueOrDie();
  QuarantineWriter q(*lake, "q/part-00000.parquet", TransformConfig{});
  ASSERT_TRUE(q.Append(MakeFile(1600, 10, 0)).ok());
  ASSERT_TRUE(q.Close().ok());
  EXPECT_EQ(ReadTable(lake->LocalPath("q/part-00000.parquet"))->num_rows(), 0);
}

}  // namespace
}  // namespace sensorlake::transform
