#include "sensorlake/wisdm/float_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "sensorlake/common/float_chars.h"

namespace sensorlake::wisdm {
namespace {

// Decimal digits and exponent: value = 0.d1d2d3... no: d1.d2d3... x 10^exponent.
struct Decimal {
  char digits[12];
  int32_t count = 0;
  int32_t exponent = 0;
};

// Splits the scientific form ("-1.2345e-04") into digits and exponent.
Decimal SplitScientific(const char* begin, const char* end) {
  Decimal d;
  const char* p = begin;
  for (; p < end && *p != 'e'; ++p) {
    if (*p >= '0' && *p <= '9') d.digits[d.count++] = *p;
  }
  if (p < end) std::from_chars(p + (p[1] == '+' ? 2 : 1), end, d.exponent);
  while (d.count > 1 && d.digits[d.count - 1] == '0') --d.count;  // trailing zeros say nothing
  return d;
}

Decimal JavaDecimal(float a) {
  ShortestDigits shortest = ShortestDecimal(a);
  Decimal d;
  std::copy_n(shortest.digits, shortest.count, d.digits);
  d.count = shortest.count;
  d.exponent = shortest.exponent;
  if (d.count == 1) {
    // Java picks the closest decimal among those of length 1 or 2 (JDK 19+ spec): the
    // correctly rounded 2-digit form wins when it still reads back to the same float.
    char buf[48];
    auto r2 = ScientificToChars(buf, buf + sizeof(buf), a, 1);
    float back = 0;
    FloatFromChars(buf, r2.ptr, &back);
    Decimal two = SplitScientific(buf, r2.ptr);
    if (back == a && two.count == 2) d = two;
  }
  return d;
}

size_t WritePlain(const Decimal& d, char* out) {
  char* p = out;
  if (d.exponent >= 0) {
    int32_t int_digits = d.exponent + 1;
    for (int32_t i = 0; i < int_digits; ++i) *p++ = i < d.count ? d.digits[i] : '0';
    *p++ = '.';
    if (d.count > int_digits) {
      for (int32_t i = int_digits; i < d.count; ++i) *p++ = d.digits[i];
    } else {
      *p++ = '0';
    }
  } else {
    *p++ = '0';
    *p++ = '.';
    for (int32_t i = 0; i < -d.exponent - 1; ++i) *p++ = '0';
    for (int32_t i = 0; i < d.count; ++i) *p++ = d.digits[i];
  }
  return static_cast<size_t>(p - out);
}

size_t WriteScientific(const Decimal& d, char* out) {
  char* p = out;
  *p++ = d.digits[0];
  *p++ = '.';
  if (d.count > 1) {
    for (int32_t i = 1; i < d.count; ++i) *p++ = d.digits[i];
  } else {
    *p++ = '0';
  }
  *p++ = 'E';
  auto res = std::to_chars(p, p + 8, d.exponent);
  return static_cast<size_t>(res.ptr - out);
}

}  // namespace

size_t FormatJavaFloat(float v, char* out) {
  if (std::isnan(v)) {
    std::copy_n("NaN", 3, out);
    return 3;
  }
  size_t sign = 0;
  if (std::signbit(v)) out[sign++] = '-';
  float a = std::fabs(v);
  if (std::isinf(a)) {
    std::copy_n("Infinity", 8, out + sign);
    return sign + 8;
  }
  if (a == 0.0f) {
    std::copy_n("0.0", 3, out + sign);
    return sign + 3;
  }
  Decimal d = JavaDecimal(a);
  bool plain = a >= 1e-3f && a < 1e7f;
  return sign + (plain ? WritePlain(d, out + sign) : WriteScientific(d, out + sign));
}

std::string FormatJavaFloat(float v) {
  char buf[kMaxFloatTextLength];
  return std::string(buf, FormatJavaFloat(v, buf));
}

FloatParse ParseFloat32(std::string_view text, float* out) {
  if (text.empty()) return FloatParse::kNotANumber;
  const char* end = text.data() + text.size();
  auto [p, ec] = FloatFromChars(text.data(), end, out);
  if (p != end) return FloatParse::kNotANumber;
  if (ec == std::errc::result_out_of_range) {
    // FloatFromChars leaves *out untouched on overflow: beyond float32 is not a finite value.
    return FloatParse::kNonFinite;
  }
  if (ec != std::errc()) return FloatParse::kNotANumber;
  return std::isfinite(*out) ? FloatParse::kOk : FloatParse::kNonFinite;
}

}  // namespace sensorlake::wisdm
