// Parses one raw line, "<subject>,<activity>,<timestamp>,<x>,<y>,<z>;", and splits a
// buffer into lines (LF or CRLF, last line with or without a newline).
#pragma once

#include <cstdint>
#include <string_view>

namespace sensorlake::wisdm {

struct RawReading {
  int32_t subject = 0;
  char activity = 0;
  int64_t timestamp_ns = 0;
  float x = 0, y = 0, z = 0;
};

// Why a line is not a reading. Stable names: they are the quarantine's reason codes.
enum class LineError : uint8_t {
  kNone = 0,
  kMalformed,        // empty, no trailing ';', or not 6 comma-separated fields
  kBadSubject,       // subject is not an integer
  kBadTimestamp,     // timestamp is not an integer
  kNonNumericValue,  // x, y or z is not a number
  kNonFiniteValue,   // x, y or z is NaN or infinite (or beyond float32)
};
std::string_view LineErrorName(LineError e);  // "malformed_line", ...

struct LineParseResult {
  LineError error = LineError::kNone;
  // For errors: which field (0-based) was at fault, -1 for the line as a whole.
  int32_t field = -1;
  int32_t field_count = 0;
};

// Parses `line` (without its newline; a trailing '\r' is accepted). The activity is taken
// as written: whether it is one of the 18 codes is a cleaning rule, not a parse error.
LineParseResult ParseLine(std::string_view line, RawReading* out);

// Iterates the lines of a buffer without copying. Line numbers start at 1.
class LineSplitter {
 public:
  explicit LineSplitter(std::string_view buffer) : rest_(buffer) {}
  // Returns false at the end. `line` excludes "\n" and a "\r" before it.
  bool Next(std::string_view* line, int64_t* line_number);
  // True when the last line returned had no newline after it (a truncated file's tail).
  bool last_line_unterminated() const { return unterminated_; }
  bool last_line_had_crlf() const { return crlf_; }

 private:
  std::string_view rest_;
  int64_t line_number_ = 0;
  bool unterminated_ = false;
  bool crlf_ = false;
};

}  // namespace sensorlake::wisdm
