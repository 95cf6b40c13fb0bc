#include "sensorlake/wisdm/line_parser.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "sensorlake/common/float_chars.h"
#include "sensorlake/wisdm/float_text.h"

namespace sensorlake::wisdm {

std::string_view LineErrorName(LineError e) {
  switch (e) {
    case LineError::kNone:
      return "none";
    case LineError::kMalformed:
      return "malformed_line";
    case LineError::kBadSubject:
      return "bad_subject";
    case LineError::kBadTimestamp:
      return "bad_timestamp";
    case LineError::kNonNumericValue:
      return "non_numeric_value";
    case LineError::kNonFiniteValue:
      return "non_finite_value";
  }
  return "unknown";
}

namespace {

template <typename Int>
bool ParseInteger(std::string_view s, Int* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// The common case in one pass: six fields parsed left to right, each ending exactly at
// its delimiter. Any surprise returns false and the careful path below names the error,
// so the two paths cannot disagree on what is valid.
bool ParseWellFormed(std::string_view line, RawReading* out) {
  const char* p = line.data();
  const char* end = p + line.size();
  auto r = std::from_chars(p, end, out->subject);
  if (r.ec != std::errc() || end - r.ptr < 3 || r.ptr[0] != ',' || r.ptr[2] != ',') return false;
  out->activity = r.ptr[1];
  r = std::from_chars(r.ptr + 3, end, out->timestamp_ns);
  if (r.ec != std::errc() || r.ptr == end || *r.ptr != ',') return false;
  float* values[3] = {&out->x, &out->y, &out->z};
  for (int32_t i = 0; i < 3; ++i) {
    // FloatFromChars takes "nan" and "inf" too: those are the careful path's to report.
    r = FloatFromChars(r.ptr + 1, end, values[i]);
    if (r.ec != std::errc() || !std::isfinite(*values[i])) return false;
    if (i < 2 ? (r.ptr == end || *r.ptr != ',') : r.ptr != end) return false;
  }
  return true;
}

}  // namespace

LineParseResult ParseLine(std::string_view line, RawReading* out) {
  LineParseResult r;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty() || line.back() != ';') {
    r.error = LineError::kMalformed;
    return r;
  }
  line.remove_suffix(1);
  if (ParseWellFormed(line, out)) {
    r.field_count = 6;
    return r;
  }

  std::array<std::string_view, 6> f;
  int32_t n = 0;
  size_t start = 0;
  while (true) {
    const void* hit = std::memchr(line.data() + start, ',', line.size() - start);
    size_t end =
        hit ? static_cast<size_t>(static_cast<const char*>(hit) - line.data()) : line.size();
    if (n < 6) f[n] = line.substr(start, end - start);
    ++n;
    if (!hit) break;
    start = end + 1;
  }
  r.field_count = n;
  if (n != 6) {
    r.error = LineError::kMalformed;
    return r;
  }
  if (!ParseInteger(f[0], &out->subject)) {
    r.error = LineError::kBadSubject;
    r.field = 0;
    return r;
  }
  if (f[1].size() != 1) {
    r.error = LineError::kMalformed;
    r.field = 1;
    return r;
  }
  out->activity = f[1][0];
  if (!ParseInteger(f[2], &out->timestamp_ns)) {
    r.error = LineError::kBadTimestamp;
    r.field = 2;
    return r;
  }
  float* values[3] = {&out->x, &out->y, &out->z};
  for (int32_t i = 0; i < 3; ++i) {
    FloatParse p = ParseFloat32(f[3 + i], values[i]);
    if (p != FloatParse::kOk) {
      r.error =
          p == FloatParse::kNonFinite ? LineError::kNonFiniteValue : LineError::kNonNumericValue;
      r.field = 3 + i;
      return r;
    }
  }
  return r;
}

bool LineSplitter::Next(std::string_view* line, int64_t* line_number) {
  if (rest_.empty()) return false;
  const void* hit = std::memchr(rest_.data(), '\n', rest_.size());
  size_t len =
      hit ? static_cast<size_t>(static_cast<const char*>(hit) - rest_.data()) : rest_.size();
  *line = rest_.substr(0, len);
  unterminated_ = hit == nullptr;
  crlf_ = !line->empty() && line->back() == '\r';
  if (crlf_) line->remove_suffix(1);
  rest_.remove_prefix(hit ? len + 1 : len);
  *line_number = ++line_number_;
  return true;
}

}  // namespace sensorlake::wisdm
