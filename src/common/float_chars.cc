#include "sensorlake/common/float_chars.h"

#include <fast_float/fast_float.h>
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace sensorlake {
namespace {

bool IsLetter(char c) { return (c | 0x20) == 'i' || (c | 0x20) == 'n'; }

// True when the significand text of [first, last) has a non-zero digit.
bool HasNonZeroDigit(const char* first, const char* last) {
  for (const char* p = first; p < last && *p != 'e' && *p != 'E'; ++p) {
    if (*p >= '1' && *p <= '9') return true;
  }
  return false;
}

template <typename T>
std::from_chars_result Parse(const char* first, const char* last, T* out) {
  T value{};
  auto r = fast_float::from_chars(first, last, value);
  if (r.ec != std::errc()) return {r.ptr, r.ec};
  const char* body = (first < last && *first == '-') ? first + 1 : first;
  // fast_float saturates to inf and flushes to zero where std::from_chars reports a range
  // error; a literal "inf" or "nan" is a value, not an overflow.
  bool literal = body < last && IsLetter(*body);
  if (!literal && (std::isinf(value) || (value == 0 && HasNonZeroDigit(body, r.ptr)))) {
    return {r.ptr, std::errc::result_out_of_range};
  }
  *out = value;
  return {r.ptr, std::errc()};
}

}  // namespace

std::from_chars_result FloatFromChars(const char* first, const char* last, float* out) {
  return Parse(first, last, out);
}

std::from_chars_result FloatFromChars(const char* first, const char* last, double* out) {
  return Parse(first, last, out);
}

ShortestDigits ShortestDecimal(float value) {
  // fmt's default format is the shortest round-trip text (Dragonbox), in fixed or exponent
  // notation: "123.45", "1e-05", "1.5e+20", "12345678". Read its digits and the exponent.
  char text[48];
  auto end = fmt::format_to_n(text, sizeof(text) - 1, "{}", value).out;
  ShortestDigits d;
  int32_t point = -1;  // digits before the decimal point, once seen
  int32_t exponent10 = 0;
  bool leading = true;
  int32_t skipped_leading = 0;
  for (const char* p = text; p < end; ++p) {
    if (*p == '.') {
      point = d.count + skipped_leading;
    } else if (*p == 'e') {
      std::from_chars(p + 1 + (p[1] == '+' ? 1 : 0), end, exponent10);
      break;
    } else if (*p >= '0' && *p <= '9') {
      if (leading && *p == '0') {
        ++skipped_leading;
        continue;
      }
      leading = false;
      d.digits[d.count++] = *p;
    }
  }
  if (point < 0) {  // no point: every digit read (and every leading zero) is an integer digit
    point = d.count + skipped_leading;
  }
  while (d.count > 1 && d.digits[d.count - 1] == '0') --d.count;
  d.exponent = exponent10 + point - skipped_leading - 1;
  return d;
}

std::to_chars_result ScientificToChars(char* first, char* last, double value, int32_t precision) {
  auto size = fmt::formatted_size("{:.{}e}", value, precision);
  if (size > static_cast<size_t>(last - first)) return {last, std::errc::value_too_large};
  return {fmt::format_to(first, "{:.{}e}", value, precision), std::errc()};
}

}  // namespace sensorlake
