// libFuzzer target: the raw-line parser and the whole-file cleaner it feeds. Any input must
// parse or be quarantined with a reason (never crash, never lose a line: row conservation
// is asserted on every input).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sensorlake/transform/cleaning_rules.h"
#include "sensorlake/transform/file_cleaner.h"
#include "sensorlake/wisdm/line_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace sl = sensorlake;
  std::string_view content(reinterpret_cast<const char*>(data), size);

  sl::wisdm::LineSplitter lines(content);
  std::string_view line;
  int64_t line_number = 0;
  int64_t count = 0;
  while (lines.Next(&line, &line_number)) {
    sl::wisdm::RawReading reading;
    sl::wisdm::LineParseResult r = sl::wisdm::ParseLine(line, &reading);
    if (r.error == sl::wisdm::LineError::kNone && r.field != -1) std::abort();
    if (line_number != ++count) std::abort();
  }

  static const auto name = *sl::wisdm::ParseRawFileName("data_1600_accel_phone.txt");
  static const sl::transform::TransformConfig config;
  sl::transform::CleanedFile cleaned =
      sl::transform::CleanRawFile(content, name, "fuzz/data_1600_accel_phone.txt", config);
  if (!cleaned.counts.Conserved()) std::abort();
  if (cleaned.counts.rows != static_cast<int64_t>(cleaned.rows.size())) std::abort();
  return 0;
}
