// The typed row-group reader over small curated parts built with Arrow here, in the
// curated schema (zones/curated_schema.h) or broken on purpose: a missing column, a column
// of another type, nulls, a row group that does not exist.
#include "sensorlake/zones/curated_reader.h"

#include <arrow/api.h>
#include <arrow/io/file.h>
#include <parquet/arrow/writer.h>

#include <filesystem>
#include <vector>

#include <gtest/gtest.h>

#include "sensorlake/wisdm/schema.h"
#include "testing/temp_dir.h"

namespace sensorlake::zones {
namespace {

constexpr const char* kPart = "v1/sensor_readings/device=phone/sensor=accel/part-00000.parquet";

template <typename Builder, typename T>
std::shared_ptr<arrow::Array> Column(const std::vector<T>& values) {
  Builder b;
  EXPECT_TRUE(b.AppendValues(values).ok());
  return b.Finish().ValueOrDie();
}

// dictionary<int8, utf8> over `dictionary`, one index per row.
std::shared_ptr<arrow::Array> DictColumn(const std::vector<int8_t>& indices,
                                         const std::shared_ptr<arrow::Array>& dictionary) {
  return arrow::DictionaryArray::FromArrays(ActivityDictType(), Column<arrow::Int8Builder>(indices),
                                            dictionary)
      .ValueOrDie();
}

std::shared_ptr<arrow::Array> Strings(const std::vector<std::string>& values) {
  return Column<arrow::StringBuilder>(values);
}

class CuratedReaderTest : public ::testing::Test {
 protected:
  void SetUp() override { lake_ = std::move(storage::Lake::Open(dir_.str())).ValueOrDie(); }

  // Four rows of subject 1600 in the curated schema: activity codes A, A, B, B given through
  // a dictionary in reverse order ("B", "A") to check the reader maps codes, not indices.
  static std::vector<std::shared_ptr<arrow::Array>> CuratedColumns() {
    return {Column<arrow::Int16Builder>(std::vector<int16_t>{1600, 1600, 1600, 1600}),
            DictColumn({1, 1, 0, 0}, Strings({"B", "A"})),
            DictColumn({1, 1, 0, 0}, Strings({"jogging", "walking"})),
            Column<arrow::Int64Builder>(std::vector<int64_t>{10, 20, 30, 40}),
            Column<arrow::FloatBuilder>(std::vector<float>{0.5f, 1.5f, 2.5f, 3.5f}),
            Column<arrow::FloatBuilder>(std::vector<float>{-1, -2, -3, -4}),
            Column<arrow::FloatBuilder>(std::vector<float>{9.8f, 9.7f, 9.6f, 9.5f}),
            Column<arrow::Int32Builder>(std::vector<int32_t>{0, 0, 1, 1}),
            Column<arrow::Int32Builder>(std::vector<int32_t>{0, 1, 0, 1})};
  }

  // Writes `columns` under `schema` as the part, `rows_per_group` rows per row group.
  void WritePart(const std::shared_ptr<arrow::Schema>& schema,
                 const std::vector<std::shared_ptr<arrow::Array>>& columns,
                 int64_t rows_per_group = 2) {
    const std::filesystem::path path = dir_.path() / kPart;
    std::filesystem::create_directories(path.parent_path());
    auto table = arrow::Table::Make(schema, columns);
    auto out = arrow::io::FileOutputStream::Open(path.string()).ValueOrDie();
    // With the Arrow schema stored, as the transform writes, so dictionaries read back.
    auto arrow_props = parquet::ArrowWriterProperties::Builder().store_schema()->build();
    ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out,
                                           rows_per_group, parquet::default_writer_properties(),
                                           arrow_props)
                    .ok());
    ASSERT_TRUE(out->Close().ok());
  }

  Result<CuratedReader> OpenPart() {
    SL_ASSIGN_OR_RETURN(auto parts, ListCuratedParts(*lake_, "v1"));
    if (parts.size() != 1) return Status::Invalid("expected one part, found {}", parts.size());
    return CuratedReader::Open(*lake_, parts[0]);
  }

  // The schema with field `name` replaced by `field`.
  static std::shared_ptr<arrow::Schema> With(const std::string& name,
                                             const std::shared_ptr<arrow::Field>& field) {
    auto schema = CuratedSchema();
    return schema->SetField(schema->GetFieldIndex(name), field).ValueOrDie();
  }

  testing::TempDir dir_;
  std::unique_ptr<storage::Lake> lake_;
};

TEST_F(CuratedReaderTest, ListsThePartWithItsFolder) {
  WritePart(CuratedSchema(), CuratedColumns());
  auto parts = ListCuratedParts(*lake_, "v1");
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].lake_path, kPart);
  EXPECT_GT((*parts)[0].bytes, 0);
  const auto& folder = wisdm::kFolders[static_cast<size_t>((*parts)[0].folder)];
  EXPECT_EQ(wisdm::DeviceName(folder.device), "phone");
  EXPECT_EQ(wisdm::SensorName(folder.sensor), "accel");
}

TEST_F(CuratedReaderTest, ReadsTypedSpansOfEachRowGroup) {
  WritePart(CuratedSchema(), CuratedColumns());
  auto reader = OpenPart();
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_EQ(reader->num_row_groups(), 2);
  EXPECT_EQ(reader->num_file_columns(), kNumCuratedFields);
  EXPECT_TRUE(reader->MayHoldSubject(0, 1600));
  EXPECT_FALSE(reader->MayHoldSubject(0, 1601));

  auto first = reader->ReadRowGroup(0, CuratedFields::All());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->index, 0);
  ASSERT_EQ(first->num_rows, 2);
  EXPECT_EQ(std::vector<int16_t>(first->subject.begin(), first->subject.end()),
            (std::vector<int16_t>{1600, 1600}));
  const auto a = static_cast<int8_t>(wisdm::ActivityIndex('A'));
  EXPECT_EQ(first->activity, (std::vector<int8_t>{a, a}));
  EXPECT_EQ(std::vector<int64_t>(first->timestamp_ns.begin(), first->timestamp_ns.end()),
            (std::vector<int64_t>{10, 20}));
  EXPECT_EQ(std::vector<float>(first->x.begin(), first->x.end()), (std::vector<float>{0.5f, 1.5f}));
  EXPECT_EQ(std::vector<float>(first->z.begin(), first->z.end()), (std::vector<float>{9.8f, 9.7f}));
  EXPECT_EQ(first->batch->num_columns(), kNumCuratedFields);

  auto second = reader->ReadRowGroup(1, {CuratedField::kActivity, CuratedField::kSample});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  const auto b = static_cast<int8_t>(wisdm::ActivityIndex('B'));
  EXPECT_EQ(second->activity, (std::vector<int8_t>{b, b}));
  EXPECT_EQ(std::vector<int32_t>(second->sample.begin(), second->sample.end()),
            (std::vector<int32_t>{0, 1}));
  EXPECT_TRUE(second->x.empty());  // not asked for
  EXPECT_TRUE(second->subject.empty());
  EXPECT_EQ(second->batch->num_columns(), 2);
}

TEST_F(CuratedReaderTest, ForEachRowGroupVisitsEveryGroupInOrder) {
  WritePart(CuratedSchema(), CuratedColumns());
  std::vector<int32_t> seen;
  Status st = ForEachCuratedRowGroup(*lake_, {kPart, 0, 0}, {CuratedField::kTimestampNs},
                                     [&](const CuratedRowGroup& g) {
                                       seen.push_back(g.index);
                                       return Status::OK();
                                     });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(seen, (std::vector<int32_t>{0, 1}));
  auto reader = OpenPart();
  ASSERT_TRUE(reader.ok());
  auto none = reader->ForEachRowGroup(
      {CuratedField::kX}, [](const CuratedRowGroup&) { return Status::OK(); }, 1601);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);  // the statistics rule out subject 1601
}

TEST_F(CuratedReaderTest, MissingColumnIsCorruptNamingFileAndColumn) {
  auto schema = CuratedSchema()->RemoveField(CuratedSchema()->GetFieldIndex("y")).ValueOrDie();
  auto columns = CuratedColumns();
  columns.erase(columns.begin() + static_cast<int>(CuratedField::kY));
  WritePart(schema, columns);
  auto reader = OpenPart();
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto rg = reader->ReadRowGroup(0, CuratedFields::All());
  ASSERT_FALSE(rg.ok());
  EXPECT_EQ(rg.status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(rg.status().message(), std::string(kPart) + ": no column 'y'");
  // A reader that does not ask for the column is not stopped by its absence.
  EXPECT_TRUE(reader->ReadRowGroup(0, {CuratedField::kX}).ok());
}

TEST_F(CuratedReaderTest, ColumnOfAnotherTypeIsCorruptNamingBothTypes) {
  auto columns = CuratedColumns();
  columns[static_cast<size_t>(CuratedField::kTimestampNs)] =
      Column<arrow::Int32Builder>(std::vector<int32_t>{10, 20, 30, 40});
  WritePart(With("timestamp_ns", arrow::field("timestamp_ns", arrow::int32(), false)), columns);
  auto reader = OpenPart();
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto rg = reader->ReadRowGroup(0, {CuratedField::kTimestampNs});
  ASSERT_FALSE(rg.ok());
  EXPECT_EQ(rg.status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(rg.status().message(), std::string(kPart) +
                                       ": column 'timestamp_ns' has type int32, the curated "
                                       "schema says int64");
}

TEST_F(CuratedReaderTest, PlainUtf8ActivityIsAcceptedButAnUnknownCodeIsCorrupt) {
  auto columns = CuratedColumns();
  columns[static_cast<size_t>(CuratedField::kActivity)] = Strings({"A", "A", "B", "Z"});
  WritePart(With("activity", arrow::field("activity", arrow::utf8(), false)), columns);
  auto reader = OpenPart();
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto first = reader->ReadRowGroup(0, {CuratedField::kActivity});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const auto a = static_cast<int8_t>(wisdm::ActivityIndex('A'));
  EXPECT_EQ(first->activity, (std::vector<int8_t>{a, a}));
  auto second = reader->ReadRowGroup(1, {CuratedField::kActivity});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(second.status().message().find(std::string(kPart) + ": activity 'Z'"),
            std::string::npos);
}

TEST_F(CuratedReaderTest, NullsAreCorruptNamingFileAndColumn) {
  arrow::FloatBuilder b;
  ASSERT_TRUE(b.AppendValues(std::vector<float>{1, 2, 3}).ok());
  ASSERT_TRUE(b.AppendNull().ok());
  auto columns = CuratedColumns();
  columns[static_cast<size_t>(CuratedField::kZ)] = b.Finish().ValueOrDie();
  WritePart(With("z", arrow::field("z", arrow::float32(), true)), columns);
  auto reader = OpenPart();
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_TRUE(reader->ReadRowGroup(0, {CuratedField::kZ}).ok());  // the null is in group 1
  auto rg = reader->ReadRowGroup(1, {CuratedField::kZ});
  ASSERT_FALSE(rg.ok());
  EXPECT_EQ(rg.status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(rg.status().message(), std::string(kPart) + ": column 'z' holds nulls");
}

TEST_F(CuratedReaderTest, RowGroupOutOfRangeIsInvalidNamingTheFile) {
  WritePart(CuratedSchema(), CuratedColumns());
  auto reader = OpenPart();
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  for (int32_t rg : {2, -1}) {
    auto read = reader->ReadRowGroup(rg, CuratedFields::All());
    ASSERT_FALSE(read.ok()) << rg;
    EXPECT_EQ(read.status().code(), StatusCode::kInvalid) << rg;
    EXPECT_EQ(read.status().message(),
              fmt::format("{}: row group {} out of range (the part has 2)", kPart, rg));
    EXPECT_TRUE(reader->MayHoldSubject(rg, 1600));  // no statistics to rule it out
  }
}

TEST_F(CuratedReaderTest, NotParquetIsAnErrorAtOpen) {
  const std::filesystem::path path = dir_.path() / kPart;
  std::filesystem::create_directories(path.parent_path());
  testing::WriteFile(path, "not parquet");
  EXPECT_FALSE(OpenPart().ok());
}

TEST_F(CuratedReaderTest, PartOutsideTheCuratedLayoutIsCorrupt) {
  const std::filesystem::path path = dir_.path() / "v1/sensor_readings/elsewhere/part.parquet";
  std::filesystem::create_directories(path.parent_path());
  testing::WriteFile(path, "x");
  auto parts = ListCuratedParts(*lake_, "v1");
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(parts.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(parts.status().message().find("elsewhere/part.parquet"), std::string::npos);
}

}  // namespace
}  // namespace sensorlake::zones
