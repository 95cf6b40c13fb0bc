#include "sensorlake/common/float_chars.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace sensorlake {
namespace {

std::errc ParseF(const std::string& text, float* out, size_t* consumed = nullptr) {
  auto r = FloatFromChars(text.data(), text.data() + text.size(), out);
  if (consumed) *consumed = static_cast<size_t>(r.ptr - text.data());
  return r.ec;
}

TEST(FloatCharsTest, ParsesLikeFromChars) {
  float f = 0;
  EXPECT_EQ(ParseF("1.5", &f), std::errc());
  EXPECT_EQ(f, 1.5f);
  EXPECT_EQ(ParseF("-0.25", &f), std::errc());
  EXPECT_EQ(f, -0.25f);
  EXPECT_EQ(ParseF("8.793503", &f), std::errc());
  EXPECT_EQ(f, 8.793503f);
  EXPECT_EQ(ParseF("1e-45", &f), std::errc());  // the smallest subnormal is a value
  EXPECT_GT(f, 0.0f);
  EXPECT_EQ(ParseF("inf", &f), std::errc());
  EXPECT_TRUE(std::isinf(f));
  EXPECT_EQ(ParseF("nan", &f), std::errc());
  EXPECT_TRUE(std::isnan(f));
  size_t consumed = 0;
  EXPECT_EQ(ParseF("2.5;", &f, &consumed), std::errc());
  EXPECT_EQ(consumed, 3u);
}

TEST(FloatCharsTest, RefusesWhatFromCharsRefuses) {
  float f = 7.0f;
  EXPECT_EQ(ParseF("+1", &f), std::errc::invalid_argument);
  EXPECT_EQ(ParseF(" 1", &f), std::errc::invalid_argument);
  EXPECT_EQ(ParseF("abc", &f), std::errc::invalid_argument);
  EXPECT_EQ(ParseF("", &f), std::errc::invalid_argument);
  EXPECT_EQ(f, 7.0f);
}

TEST(FloatCharsTest, RangeErrorsLeaveTheValueUntouched) {
  float f = 7.0f;
  EXPECT_EQ(ParseF("1e39", &f), std::errc::result_out_of_range);
  EXPECT_EQ(ParseF("-1e39", &f), std::errc::result_out_of_range);
  EXPECT_EQ(ParseF("1e-50", &f), std::errc::result_out_of_range);
  EXPECT_EQ(f, 7.0f);
  EXPECT_EQ(ParseF("0.000e-50", &f), std::errc());  // zero written as zero is no underflow
  EXPECT_EQ(f, 0.0f);
  double d = 7.0;
  std::string big = "1e309";
  EXPECT_EQ(FloatFromChars(big.data(), big.data() + big.size(), &d).ec,
            std::errc::result_out_of_range);
  EXPECT_EQ(d, 7.0);
}

std::string Digits(const ShortestDigits& d) { return std::string(d.digits, d.count); }

TEST(FloatCharsTest, ShortestDecimalOfKnownFloats) {
  struct Case {
    float value;
    const char* digits;
    int32_t exponent;
  };
  for (const Case& c : {Case{0.1f, "1", -1}, Case{123.45f, "12345", 2}, Case{1e7f, "1", 7},
                        Case{3.66015625f, "36601562", 0}, Case{0.001f, "1", -3},
                        Case{std::numeric_limits<float>::max(), "34028235", 38},
                        Case{std::numeric_limits<float>::denorm_min(), "1", -45},
                        Case{12345678.0f, "12345678", 7}, Case{100.5f, "1005", 2}}) {
    ShortestDigits d = ShortestDecimal(c.value);
    EXPECT_EQ(Digits(d), c.digits) << c.value;
    EXPECT_EQ(d.exponent, c.exponent) << c.value;
  }
}

float Read(const std::string& digits, int32_t exponent) {
  std::string text = digits.substr(0, 1) + "." + digits.substr(1) + "e" + std::to_string(exponent);
  float f = 0;
  FloatFromChars(text.data(), text.data() + text.size(), &f);
  return f;
}

// For random floats: the digits read back to the float, and no shorter decimal does (the
// one fewer digit, rounded down or up), whatever produced them.
TEST(FloatCharsTest, ShortestDecimalRoundTripsAndIsShortest) {
  std::mt19937 rng(20261204);
  for (int32_t i = 0; i < 200000; ++i) {
    uint32_t bits = rng() & 0x7fffffffu;
    float value;
    std::memcpy(&value, &bits, sizeof(value));
    if (!std::isfinite(value) || value == 0.0f) continue;
    ShortestDigits d = ShortestDecimal(value);
    std::string digits = Digits(d);
    ASSERT_EQ(Read(digits, d.exponent), value) << digits << "e" << d.exponent;
    if (digits.size() < 2) continue;
    std::string down = digits.substr(0, digits.size() - 1);
    ASSERT_NE(Read(down, d.exponent), value) << digits;
    std::string up = std::to_string(std::stoull(down) + 1);
    int32_t exponent = d.exponent + static_cast<int32_t>(up.size() - down.size());
    ASSERT_NE(Read(up, exponent), value) << digits;
  }
}

TEST(FloatCharsTest, ScientificAtAPrecision) {
  char buf[64];
  auto r = ScientificToChars(buf, buf + sizeof(buf), 0.1, 3);
  EXPECT_EQ(std::string(buf, r.ptr), "1.000e-01");
  r = ScientificToChars(buf, buf + sizeof(buf), 3.66015625, 10);
  EXPECT_EQ(std::string(buf, r.ptr), "3.6601562500e+00");
  r = ScientificToChars(buf, buf + sizeof(buf), 0.5, 0);
  EXPECT_EQ(std::string(buf, r.ptr), "5e-01");
  r = ScientificToChars(buf, buf + 4, 0.1, 3);
  EXPECT_EQ(r.ec, std::errc::value_too_large);
}

}  // namespace
}  // namespace sensorlake
