// Text <-> float conversions with std::from_chars / std::to_chars semantics. The C++ library
// of the portable build (GCC 10's, docs/infrastructure.md) has them for integers only, so
// every floating-point conversion of the engine goes through here, on every toolchain:
// parsing with fast_float (correctly rounded, the algorithm GCC 12's from_chars uses),
// formatting with fmt (shortest round-trip digits, or exact digits at a precision).
#pragma once

#include <charconv>
#include <cstdint>

namespace sensorlake {

// std::from_chars(first, last, *out) for the general format: no leading '+' or blanks;
// "inf", "infinity" and "nan" are accepted. A value beyond the type's range, or a non-zero
// value that rounds to zero, is result_out_of_range and leaves *out untouched.
std::from_chars_result FloatFromChars(const char* first, const char* last, float* out);
std::from_chars_result FloatFromChars(const char* first, const char* last, double* out);

// The shortest digits that read back as `value` (finite, > 0): value = 0.d1d2...dn... no,
// d1.d2...dn x 10^exponent, without trailing zeros. `digits` receives n <= 17 characters.
struct ShortestDigits {
  char digits[24];
  int32_t count = 0;
  int32_t exponent = 0;
};
ShortestDigits ShortestDecimal(float value);

// std::to_chars(first, last, value, std::chars_format::scientific, precision):
// "d.ddd...e+XX" with `precision` digits after the point, correctly rounded.
std::to_chars_result ScientificToChars(char* first, char* last, double value, int32_t precision);

}  // namespace sensorlake
