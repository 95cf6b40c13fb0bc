#include "sensorlake/wisdm/line_parser.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace sensorlake::wisdm {
namespace {

TEST(ParseLineTest, ParsesARealLine) {
  RawReading r;
  auto res = ParseLine("1600,A,252207666810782,-0.36476135,8.793503,1.0550842;", &r);
  ASSERT_EQ(res.error, LineError::kNone);
  EXPECT_EQ(r.subject, 1600);
  EXPECT_EQ(r.activity, 'A');
  EXPECT_EQ(r.timestamp_ns, 252207666810782);
  EXPECT_EQ(r.x, -0.36476135f);
  EXPECT_EQ(r.y, 8.793503f);
  EXPECT_EQ(r.z, 1.0550842f);
}

TEST(ParseLineTest, AcceptsCarriageReturnAndENotation) {
  RawReading r;
  EXPECT_EQ(ParseLine("1641,B,1000,-7.4768066E-4,1.0E7,0.0;\r", &r).error, LineError::kNone);
  EXPECT_EQ(r.x, -7.4768066E-4f);
  EXPECT_EQ(r.y, 1.0E7f);
}

struct BadLine {
  const char* text;
  LineError error;
  int32_t field;
};

class ParseLineErrorTest : public ::testing::TestWithParam<BadLine> {};

TEST_P(ParseLineErrorTest, NamesTheReasonAndField) {
  RawReading r;
  auto res = ParseLine(GetParam().text, &r);
  EXPECT_EQ(res.error, GetParam().error) << GetParam().text;
  EXPECT_EQ(res.field, GetParam().field) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Unhappy, ParseLineErrorTest,
    ::testing::Values(BadLine{"", LineError::kMalformed, -1},
                      BadLine{"1600,A,1,2,3,4", LineError::kMalformed, -1},  // no ';'
                      BadLine{"1600,A,1,2,3;", LineError::kMalformed, -1},
                      BadLine{"1600,A,1,2,3,4,5;", LineError::kMalformed, -1},
                      BadLine{"1600,AB,1,2,3,4;", LineError::kMalformed, 1},
                      BadLine{"16x0,A,1,2,3,4;", LineError::kBadSubject, 0},
                      BadLine{"1600,A,12.5,2,3,4;", LineError::kBadTimestamp, 2},
                      BadLine{"1600,A,,2,3,4;", LineError::kBadTimestamp, 2},
                      BadLine{"1600,A,1,two,3,4;", LineError::kNonNumericValue, 3},
                      BadLine{"1600,A,1,2,3,;", LineError::kNonNumericValue, 5},
                      BadLine{"1600,A,1,2,NaN,4;", LineError::kNonFiniteValue, 4},
                      BadLine{"1600,A,1,2,3,Infinity;", LineError::kNonFiniteValue, 5}),
    // Stable names (case index) so ctest's test list is the same on every build.
    [](const ::testing::TestParamInfo<BadLine>& info) {
      return "Case" + std::to_string(info.index);
    });

TEST(LineSplitterTest, HandlesLfCrlfAndAnUnterminatedLastLine) {
  LineSplitter s("a;\r\nb;\nc;");
  std::vector<std::string_view> lines;
  std::string_view line;
  int64_t n = 0;
  while (s.Next(&line, &n)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "a;");
  EXPECT_EQ(lines[1], "b;");
  EXPECT_EQ(lines[2], "c;");
  EXPECT_EQ(n, 3);
  EXPECT_TRUE(s.last_line_unterminated());
}

TEST(LineSplitterTest, EmptyBufferHasNoLines) {
  LineSplitter s("");
  std::string_view line;
  int64_t n = 0;
  EXPECT_FALSE(s.Next(&line, &n));
}

}  // namespace
}  // namespace sensorlake::wisdm
