// Float32 <-> text exactly as the dataset writes it: Java's Float.toString.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sensorlake::wisdm {

// Longest text FormatJavaFloat writes ("-1.17549435E-38" is 15 chars).
inline constexpr size_t kMaxFloatTextLength = 24;

// Writes `v` as Java's Float.toString does: the shortest decimal that reads back to the
// same float32 (among 1- or 2-digit candidates, the closest), plain notation for
// 1e-3 <= |v| < 1e7 ("8.793503", "1.0"), otherwise "d.dddE<exp>" ("-7.4768066E-4").
// Returns the number of chars written to `out` (which holds kMaxFloatTextLength).
size_t FormatJavaFloat(float v, char* out);
std::string FormatJavaFloat(float v);

// Parses decimal text (plain or E notation) to the nearest float32. Fails on anything that
// is not a complete number, including empty text and a leading '+'. NaN and infinities
// parse (so a caller can name them as such) and are reported through the return value.
enum class FloatParse { kOk, kNotANumber, kNonFinite };
FloatParse ParseFloat32(std::string_view text, float* out);

}  // namespace sensorlake::wisdm
