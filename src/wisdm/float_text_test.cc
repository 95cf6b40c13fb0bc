#include "sensorlake/wisdm/float_text.h"

#include <cstring>
#include <random>

#include <gtest/gtest.h>

namespace sensorlake::wisdm {
namespace {

TEST(FormatJavaFloatTest, MatchesJavaForValuesSeenInTheDataset) {
  EXPECT_EQ(FormatJavaFloat(-0.36476135f), "-0.36476135");
  EXPECT_EQ(FormatJavaFloat(8.793503f), "8.793503");
  EXPECT_EQ(FormatJavaFloat(1.0550842f), "1.0550842");
  EXPECT_EQ(FormatJavaFloat(-7.4768066E-4f), "-7.4768066E-4");
  EXPECT_EQ(FormatJavaFloat(15.375046f), "15.375046");
}

TEST(FormatJavaFloatTest, PlainAndScientificRangesFollowJava) {
  EXPECT_EQ(FormatJavaFloat(1.0f), "1.0");
  EXPECT_EQ(FormatJavaFloat(0.0f), "0.0");
  EXPECT_EQ(FormatJavaFloat(-0.0f), "-0.0");
  EXPECT_EQ(FormatJavaFloat(0.001f), "0.001");
  EXPECT_EQ(FormatJavaFloat(9.999999E-4f), "9.999999E-4");
  EXPECT_EQ(FormatJavaFloat(1.0E7f), "1.0E7");
  EXPECT_EQ(FormatJavaFloat(9999999.0f), "9999999.0");
  EXPECT_EQ(FormatJavaFloat(123.0f), "123.0");
  EXPECT_EQ(FormatJavaFloat(1.0E-4f), "1.0E-4");
  EXPECT_EQ(FormatJavaFloat(3.4028235E38f), "3.4028235E38");
  EXPECT_EQ(FormatJavaFloat(1.4E-45f), "1.4E-45");  // Java's two-digit rule for length 1
  EXPECT_EQ(FormatJavaFloat(std::numeric_limits<float>::infinity()), "Infinity");
  EXPECT_EQ(FormatJavaFloat(std::numeric_limits<float>::quiet_NaN()), "NaN");
}

TEST(FormatJavaFloatTest, EveryRenderingReadsBackBitExact) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<uint32_t> bits;
  for (int i = 0; i < 200000; ++i) {
    uint32_t b = bits(rng);
    float v;
    std::memcpy(&v, &b, 4);
    if (!std::isfinite(v)) continue;
    std::string text = FormatJavaFloat(v);
    float back = 0;
    ASSERT_EQ(ParseFloat32(text, &back), FloatParse::kOk) << text;
    uint32_t back_bits;
    std::memcpy(&back_bits, &back, 4);
    ASSERT_EQ(back_bits, b) << text;
  }
}

TEST(ParseFloat32Test, AcceptsNumbersAndNamesEverythingElse) {
  float v = 0;
  EXPECT_EQ(ParseFloat32("1.0E7", &v), FloatParse::kOk);
  EXPECT_EQ(v, 1.0E7f);
  EXPECT_EQ(ParseFloat32("-7.4768066E-4", &v), FloatParse::kOk);
  EXPECT_EQ(v, -7.4768066E-4f);
  EXPECT_EQ(ParseFloat32("", &v), FloatParse::kNotANumber);
  EXPECT_EQ(ParseFloat32("abc", &v), FloatParse::kNotANumber);
  EXPECT_EQ(ParseFloat32("1.5x", &v), FloatParse::kNotANumber);
  EXPECT_EQ(ParseFloat32(" 1.5", &v), FloatParse::kNotANumber);
  EXPECT_EQ(ParseFloat32("NaN", &v), FloatParse::kNonFinite);
  EXPECT_EQ(ParseFloat32("-Infinity", &v), FloatParse::kNonFinite);
  EXPECT_EQ(ParseFloat32("1e39", &v), FloatParse::kNonFinite);
}

}  // namespace
}  // namespace sensorlake::wisdm
