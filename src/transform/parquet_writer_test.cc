#include "transform/parquet_writer.h"

#include <filesystem>

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
  auto table = reader->ReadTable();
  EXPECT_TRUE(table.ok());
  return table.ok() ? *table : nullptr;
}

TEST(ParquetWriterTest, OneFileOfOneRowGroupPerRawFileWithTypedSortedColumns) {
  testing::TempDir dir;
  auto lake = std::move(storage::Lake::Open(dir.str())).ValueOrDie();
  auto written =
      WriteCuratedFile(*lake, "out/part-01600.parquet", TransformConfig{}, MakeFile(1600, 1000, 3));
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->rows, 1000);
  EXPECT_EQ(written->row_groups, 1);
  EXPECT_EQ(written->source, "raw/phone/accel/data_1600_accel_phone.txt");

  std::string path = lake->LocalPath(written->path);
  EXPECT_EQ(written->bytes, static_cast<int64_t>(std::filesystem::file_size(path)));
  auto t = ReadTable(path);
  EXPECT_TRUE(t->schema()->Equals(*zones::CuratedSchema(), /*check_metadata=*/false))
      << t->schema()->ToString();
  EXPECT_EQ(t->num_rows(), 1000);
  auto md = parquet::ReadMetaData(arrow::io::ReadableFile::Open(path).ValueOrDie());
  EXPECT_EQ(md->num_row_groups(), 1);
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

// The same rows give the same bytes: what lets an incremental run equal a full rebuild.
TEST(ParquetWriterTest, TheSameRowsGiveTheSameBytes) {
  testing::TempDir dir;
  auto lake = std::move(storage::Lake::Open(dir.str())).ValueOrDie();
  ASSERT_TRUE(WriteCuratedFile(*lake, "a.parquet", TransformConfig{}, MakeFile(1601, 500, 0)).ok());
  ASSERT_TRUE(WriteCuratedFile(*lake, "b.parquet", TransformConfig{}, MakeFile(1601, 500, 0)).ok());
  EXPECT_EQ(*lake->ReadText("a.parquet"), *lake->ReadText("b.parquet"));
}

TEST(ParquetWriterTest, AFileWithoutCleanRowsWritesNothing) {
  testing::TempDir dir;
  auto lake = std::move(storage::Lake::Open(dir.str())).ValueOrDie();
  auto written =
      WriteCuratedFile(*lake, "out/part-01600.parquet", TransformConfig{}, MakeFile(1600, 0, 5));
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(written->rows, 0);
  EXPECT_FALSE(*lake->Exists("out/part-01600.parquet"));
}

TEST(ParquetWriterTest, QuarantineKeepsEveryLineAndStreamsRowGroups) {
  testing::TempDir dir;
  auto lake = std::move(storage::Lake::Open(dir.str())).ValueOrDie();
  auto q = WriteQuarantineFile(*lake, "q/part-01600.parquet", TransformConfig{},
                               MakeFile(1600, 10, 70000));
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->rows, 70000);
  EXPECT_EQ(q->row_groups, 2);
  EXPECT_EQ(q->source, "raw/phone/accel/data_1600_accel_phone.txt");
  auto t = ReadTable(lake->LocalPath("q/part-01600.parquet"));
  EXPECT_EQ(t->num_rows(), 70000);
  auto raw = std::static_pointer_cast<arrow::StringArray>(t->GetColumnByName("raw_text")->chunk(0));
  EXPECT_EQ(raw->GetString(0), "garbage line");
  auto line = std::static_pointer_cast<arrow::Int64Array>(t->GetColumnByName("line")->chunk(0));
  EXPECT_EQ(line->Value(0), 11);
}

TEST(ParquetWriterTest, EmptyQuarantineStillWritesAReadableFile) {
  testing::TempDir dir;
  auto lake = std::move(storage::Lake::Open(dir.str())).ValueOrDie();
  auto q =
      WriteQuarantineFile(*lake, "q/part-01600.parquet", TransformConfig{}, MakeFile(1600, 10, 0));
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(ReadTable(lake->LocalPath("q/part-01600.parquet"))->num_rows(), 0);
}

}  // namespace
}  // namespace sensorlake::transform
