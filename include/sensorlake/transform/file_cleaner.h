// Turns one raw file's bytes into clean, sorted, de-duplicated columns plus the lines it
// set aside, applying the rules of cleaning_rules.h. Pure: no I/O, so it is tested alone
// and runs the same on one machine or inside a Spark task.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sensorlake/common/result.h"
#include "sensorlake/transform/cleaning_rules.h"
#include "sensorlake/wisdm/schema.h"

namespace sensorlake::transform {

// Curated rows of one file, sorted by (activity, timestamp). Subject comes from the file.
struct CleanedRows {
  std::vector<int8_t> activity;  // index into wisdm::kActivityCodes
  std::vector<int64_t> timestamp_ns;
  std::vector<float> x, y, z;
  std::vector<int32_t> block;   // ordinal of the contiguous activity run in the file
  std::vector<int32_t> sample;  // position inside the block, in timestamp order
  size_t size() const { return timestamp_ns.size(); }
};

struct QuarantinedLine {
  int64_t line = 0;  // 1-based line number in the raw file
  Reason reason = Reason::kMalformedLine;
  std::string detail;    // what exactly is wrong, for a person
  std::string raw_text;  // the line as written (without its line ending)
};

struct FileCounts {
  int64_t lines = 0;               // raw lines read
  int64_t rows = 0;                // curated rows written
  int64_t quarantined = 0;         // lines set aside, all reasons
  int64_t duplicates_dropped = 0;  // exact duplicates removed
  int64_t reordered = 0;           // rows that came before an earlier timestamp in a block
  int64_t blocks = 0;              // contiguous activity runs
  std::array<int64_t, kNumReasons> by_reason{};
  // Row conservation: every raw line is a row, a quarantined line or a dropped duplicate.
  bool Conserved() const { return lines == rows + quarantined + duplicates_dropped; }
  void Add(const FileCounts& o);
};

struct CleanedFile {
  wisdm::RawFileName name;
  std::string path;  // raw file path, as the quarantine names it
  CleanedRows rows;
  std::vector<QuarantinedLine> quarantine;
  FileCounts counts;
};

CleanedFile CleanRawFile(std::string_view content, const wisdm::RawFileName& name, std::string path,
                         const TransformConfig& config);

}  // namespace sensorlake::transform
