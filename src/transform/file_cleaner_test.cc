#include "sensorlake/transform/file_cleaner.h"

#include <gtest/gtest.h>

namespace sensorlake::transform {
namespace {

const wisdm::RawFileName kFile{1600, {wisdm::Device::kPhone, wisdm::Sensor::kAccel}};

CleanedFile Clean(std::string_view content, const TransformConfig& config = {}) {
  return CleanRawFile(content, kFile, kFile.RelativePath(), config);
}

int64_t CountOf(const CleanedFile& f, Reason r) {
  return f.counts.by_reason[static_cast<size_t>(r)];
}

TEST(FileCleanerTest, CleanFileKeepsEveryRowInOrder) {
  auto f = Clean("1600,A,100,1.0,2.0,3.0;\n1600,A,150,1.5,2.5,3.5;\n1600,B,50,0.5,0.25,-1.0;\n");
  EXPECT_EQ(f.counts.lines, 3);
  EXPECT_EQ(f.counts.rows, 3);
  EXPECT_EQ(f.counts.quarantined, 0);
  EXPECT_EQ(f.counts.blocks, 2);
  EXPECT_TRUE(f.counts.Conserved());
  EXPECT_EQ(f.rows.timestamp_ns, (std::vector<int64_t>{100, 150, 50}));
  EXPECT_EQ(f.rows.activity, (std::vector<int8_t>{0, 0, 1}));
  EXPECT_EQ(f.rows.block, (std::vector<int32_t>{0, 0, 1}));
  EXPECT_EQ(f.rows.sample, (std::vector<int32_t>{0, 1, 0}));
  EXPECT_EQ(f.rows.z[2], -1.0f);
}

TEST(FileCleanerTest, EveryParseErrorIsQuarantinedWithLineAndText) {
  auto f = Clean(
      "1600,A,100,1.0,2.0,3.0;\n"  // 1 ok
      "garbage\n"                  // 2 malformed
      "1600,A,101,1.0,2.0;\n"      // 3 wrong field count
      "1600,A,102,x,2.0,3.0;\n"    // 4 non numeric
      "1600,A,103,NaN,2.0,3.0;\n"  // 5 non finite
      "16o0,A,104,1.0,2.0,3.0;\n"  // 6 bad subject
      "1600,A,1.5,1.0,2.0,3.0;\n"  // 7 bad timestamp
      "1600,A,105,1.0,2.");        // 8 truncated, no newline
  EXPECT_EQ(f.counts.lines, 8);
  EXPECT_EQ(f.counts.rows, 1);
  EXPECT_EQ(f.counts.quarantined, 7);
  EXPECT_TRUE(f.counts.Conserved());
  ASSERT_EQ(f.quarantine.size(), 7u);
  EXPECT_EQ(f.quarantine[0].line, 2);
  EXPECT_EQ(f.quarantine[0].reason, Reason::kMalformedLine);
  EXPECT_EQ(f.quarantine[0].raw_text, "garbage");
  EXPECT_EQ(f.quarantine[1].reason, Reason::kWrongFieldCount);
  EXPECT_EQ(f.quarantine[1].detail, "expected 6 fields, found 5");
  EXPECT_EQ(f.quarantine[2].reason, Reason::kNonNumericValue);
  EXPECT_EQ(f.quarantine[3].reason, Reason::kNonFiniteValue);
  EXPECT_EQ(f.quarantine[4].reason, Reason::kBadSubject);
  EXPECT_EQ(f.quarantine[5].reason, Reason::kBadTimestamp);
  EXPECT_EQ(f.quarantine[6].reason, Reason::kTruncatedLastLine);
  EXPECT_EQ(f.quarantine[6].line, 8);
}

TEST(FileCleanerTest, RuleViolationsAreQuarantined) {
  auto f = Clean(
      "1600,A,100,1.0,2.0,3.0;\n"
      "1600,N,101,1.0,2.0,3.0;\n"      // unknown activity
      "1601,A,102,1.0,2.0,3.0;\n"      // subject mismatch
      "1600,A,103,1.0,200.0,3.0;\n");  // beyond the accel bound
  EXPECT_EQ(f.counts.rows, 1);
  EXPECT_EQ(CountOf(f, Reason::kUnknownActivity), 1);
  EXPECT_EQ(CountOf(f, Reason::kSubjectMismatch), 1);
  EXPECT_EQ(CountOf(f, Reason::kValueOutOfBounds), 1);
  EXPECT_EQ(f.quarantine[2].detail, "|value| 200 exceeds the accel bound 156.9");
}

TEST(FileCleanerTest, RulesCanBeSwitchedOffByConfig) {
  TransformConfig c;
  c.check_subject_matches_file = false;
  c.check_value_bounds = false;
  auto f = Clean("1601,A,102,1.0,2.0,3.0;\n1600,A,103,1.0,200.0,3.0;\n", c);
  EXPECT_EQ(f.counts.rows, 2);
  EXPECT_EQ(f.counts.quarantined, 0);
}

TEST(FileCleanerTest, ExactDuplicatesAreDroppedAndCounted) {
  auto f = Clean("1600,A,100,1.0,2.0,3.0;\n1600,A,100,1.0,2.0,3.0;\n1600,A,150,1.0,2.0,3.0;\n");
  EXPECT_EQ(f.counts.rows, 2);
  EXPECT_EQ(f.counts.duplicates_dropped, 1);
  EXPECT_EQ(f.counts.quarantined, 0);
  EXPECT_TRUE(f.counts.Conserved());
}

TEST(FileCleanerTest, ConflictingDuplicatesAreQuarantinedTogether) {
  auto f = Clean(
      "1600,A,100,1.0,2.0,3.0;\n"
      "1600,A,100,1.0,2.0,3.0;\n"  // exact copy of line 1: dropped
      "1600,A,100,9.0,2.0,3.0;\n"  // same timestamp, other values: conflict
      "1600,A,150,1.0,2.0,3.0;\n");
  EXPECT_EQ(f.counts.rows, 1);
  EXPECT_EQ(f.counts.duplicates_dropped, 1);
  EXPECT_EQ(CountOf(f, Reason::kConflictingDuplicate), 2);
  EXPECT_EQ(f.quarantine[0].line, 1);
  EXPECT_EQ(f.quarantine[1].line, 3);
  EXPECT_TRUE(f.counts.Conserved());
}

TEST(FileCleanerTest, SameTimestampInDifferentActivitiesIsNoDuplicate) {
  auto f = Clean("1600,A,100,1.0,2.0,3.0;\n1600,B,100,1.0,2.0,3.0;\n");
  EXPECT_EQ(f.counts.rows, 2);
  EXPECT_EQ(f.counts.duplicates_dropped, 0);
}

TEST(FileCleanerTest, OutOfOrderTimestampsAreReorderedAndCounted) {
  auto f = Clean(
      "1600,A,100,1.0,0,0;\n1600,A,300,3.0,0,0;\n1600,A,200,2.0,0,0;\n"
      "1600,A,400,4.0,0,0;\n");
  EXPECT_EQ(f.counts.reordered, 1);
  EXPECT_EQ(f.rows.timestamp_ns, (std::vector<int64_t>{100, 200, 300, 400}));
  EXPECT_EQ(f.rows.x, (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(f.rows.sample, (std::vector<int32_t>{0, 1, 2, 3}));
}

TEST(FileCleanerTest, RepeatedActivityBlocksSortByActivityThenTime) {
  auto f = Clean("1600,B,500,1,0,0;\n1600,A,100,2,0,0;\n1600,B,900,3,0,0;\n");
  EXPECT_EQ(f.counts.blocks, 3);
  EXPECT_EQ(f.rows.activity, (std::vector<int8_t>{0, 1, 1}));
  EXPECT_EQ(f.rows.timestamp_ns, (std::vector<int64_t>{100, 500, 900}));
  EXPECT_EQ(f.rows.block, (std::vector<int32_t>{1, 0, 2}));
  EXPECT_EQ(f.rows.sample, (std::vector<int32_t>{0, 0, 0}));
}

TEST(FileCleanerTest, CrlfAndEmptyFiles) {
  auto crlf = Clean("1600,A,100,1.0,2.0,3.0;\r\n1600,A,150,1.0,2.0,3.0;\r\n");
  EXPECT_EQ(crlf.counts.rows, 2);
  auto empty = Clean("");
  EXPECT_EQ(empty.counts.lines, 0);
  EXPECT_EQ(empty.counts.rows, 0);
  EXPECT_TRUE(empty.counts.Conserved());
  auto blank_line = Clean("1600,A,100,1.0,2.0,3.0;\n\n");
  EXPECT_EQ(blank_line.counts.lines, 2);
  EXPECT_EQ(blank_line.counts.by_reason[static_cast<size_t>(Reason::kMalformedLine)], 1);
}

TEST(FileCleanerTest, HostileGroupOfManyEqualTimestampsStaysFast) {
  std::string s;
  for (int i = 0; i < 50000; ++i) s += fmt::format("1600,A,100,{}.0,0,0;\n", i % 7);
  auto f = Clean(s);
  EXPECT_EQ(f.counts.duplicates_dropped, 50000 - 7);
  EXPECT_EQ(CountOf(f, Reason::kConflictingDuplicate), 7);
  EXPECT_TRUE(f.counts.Conserved());
}

}  // namespace
}  // namespace sensorlake::transform
