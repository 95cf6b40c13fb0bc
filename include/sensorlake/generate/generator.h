// `sensorlake generate`: writes a synthetic WISDM 2019 raw dataset that has the real
// layout, line format, line counts (per folder and activity, at scale 1 exactly the
// published ones), timing quirks and signal statistics, and optionally injects known
// defects, with a ground-truth file naming each one. docs/generator.md describes it all.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"
#include "sensorlake/generate/plan.h"

namespace sensorlake::generate {

// Every defect the generator can inject. Stable names: they are faults.jsonl's `kind`.
enum class FaultKind : uint8_t {
  // Whole files; the spec gives a count over the dataset.
  kDuplicateStream = 0,  // a subject's stream copied under another subject id
  kMicrosecondClock,     // a file whose timestamps all end in 000
  kCrlf,                 // a file with CRLF line endings
  kTruncatedLastLine,    // a file whose last line stops mid-value, without newline
  kEmptyFile,            // a file of 0 bytes
  // Runs of lines inside one activity block; the spec gives a count over the dataset.
  kStuck,    // a malfunctioning sensor repeats one reading
  kClipped,  // values saturate at a range limit
  kScaled,   // values in the wrong unit (g instead of m/s^2, ...)
  // Single lines (or adjacent pairs); the spec gives a rate per line.
  kMalformed,             // garbled line, missing ';', or empty line
  kWrongFieldCount,       // ends in ';' but holds 5 or 7 fields
  kNonNumeric,            // a value that is not a number ("null", "1.2.3", "")
  kNan,                   // NaN, Infinity or -Infinity
  kUnknownActivity,       // activity code not among the 18 ('N', 'Z', ...)
  kSubjectMismatch,       // subject field differs from the file name's subject
  kBadSubject,            // subject field is not an integer
  kBadTimestamp,          // timestamp field is not an integer
  kOutOfBounds,           // a value beyond any sensor's physical range
  kDuplicateRow,          // an exact copy of a line right after it (adds a line)
  kConflictingDuplicate,  // next line reuses a timestamp with different values
  kOutOfOrder,            // two adjacent lines of a block swapped
};
inline constexpr int32_t kNumFaultKinds = 20;

enum class FaultScope : uint8_t { kFile, kRun, kLine };
FaultScope ScopeOf(FaultKind kind);
std::string_view FaultKindName(FaultKind kind);  // "duplicate_stream", ...
Result<FaultKind> ParseFaultKind(std::string_view name);

// How many of each fault to inject: counts over the dataset for file and run faults,
// probabilities per line for line faults.
struct FaultSpec {
  std::array<double, kNumFaultKinds> amount{};
  double Amount(FaultKind k) const { return amount[static_cast<size_t>(k)]; }
  bool Any() const;
  // Canonical text that ParseFaultSpec reads back ("crlf=1,nan=0.0005").
  std::string ToString() const;
  // The amounts that `all` (or a bare kind name) stands for.
  static double DefaultAmount(FaultKind k);
};

// "all", "none", or comma-separated items, each "kind" (its default amount), "kind=N"
// or "all" (every kind at its default), later items overriding earlier ones:
// "all,nan=0", "malformed=0.001,duplicate_stream=1". Fails with a message naming the
// item and the valid kinds.
Result<FaultSpec> ParseFaultSpec(std::string_view spec);

// "1600,1601", "1600-1605", "1600-1602,1640": sorted, without repeats. Ranges must be
// ascending. Whether the subjects exist depends on the scale (checked by Generate).
Result<std::vector<int32_t>> ParseSubjectList(std::string_view list);

struct GenerateOptions {
  std::string out_dir;
  double scale = 1.0;
  uint64_t seed = 2019;
  std::vector<int32_t> subjects;  // empty: every subject of the scale
  FaultSpec faults;
  int32_t threads = 0;       // 0: hardware concurrency
  bool force = false;        // replace the data files of an earlier run in out_dir
  std::string command_line;  // recorded in generate.json when set
};

struct GenerateSummary {
  std::string out_dir;
  int32_t subjects = 0;  // subjects written
  int64_t files = 0;
  int64_t lines = 0;  // lines written, faults included
  int64_t bytes = 0;
  int64_t faults = 0;  // records in faults.jsonl
  double seconds = 0;
  FolderActivityCounts lines_written{};  // per folder and activity block, faults included
  FolderActivityCounts lines_planned{};  // what the clean dataset holds for these subjects
  double MegabytesPerSecond() const { return seconds > 0 ? bytes / 1e6 / seconds : 0; }
  nlohmann::json ToJson() const;
};

// Writes out_dir/raw/{phone,watch}/{accel,gyro}/data_<subject>_<sensor>_<device>.txt, then
// out_dir/faults.jsonl (always; empty without faults) and out_dir/generate.json. Files are
// written under a temporary name and renamed when complete. Fails with AlreadyExists when
// out_dir/raw exists and `force` is false.
Result<GenerateSummary> Generate(const GenerateOptions& options);

}  // namespace sensorlake::generate
