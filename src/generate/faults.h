// Where the injected faults go. File and run faults are placed over the whole dataset
// (every subject of the scale), so a run restricted to --subjects writes exactly the
// faults of the full run that fall in its files. Line faults are placed per file.
#pragma once

#include <cstdint>
#include <vector>

#include "sensorlake/generate/generator.h"
#include "sensorlake/generate/plan.h"

namespace sensorlake::generate {

// A run fault: lines [first, first + length) of one activity block (offsets in the block).
struct RunFault {
  FaultKind kind = FaultKind::kStuck;
  int32_t activity = 0;
  int64_t first = 0;
  int64_t length = 0;
};

// The file-level decisions for one file (index subject_index * 4 + folder_index).
struct FileFaults {
  int32_t source_subject_index = -1;  // duplicate_stream: write this subject's stream
  bool duplicate_source = false;      // another file copies this one: keep it clean
  bool empty = false;
  bool crlf = false;
  bool microsecond = false;
  bool truncated = false;
  std::vector<RunFault> runs;
  // Line faults go everywhere except into the files of a duplicated stream (so the two
  // stay identical but for the subject) and into empty files.
  bool LineFaultsAllowed() const { return source_subject_index < 0 && !duplicate_source && !empty; }
};

Result<std::vector<FileFaults>> PlanDatasetFaults(const DatasetPlan& plan, const FaultSpec& spec);

// A line fault at a 0-based index into the file's clean lines. Pair faults
// (conflicting_duplicate, out_of_order) also take the line after it, in the same block.
struct LineFault {
  int64_t index = 0;
  FaultKind kind = FaultKind::kMalformed;
};

// Sorted by index. No two faults touch the same or adjacent lines, none touches a run
// fault or the file's last line, so every fault shows exactly as planned.
std::vector<LineFault> PlanLineFaults(const DatasetPlan& plan, const FaultSpec& spec,
                                      int32_t subject_index, int32_t folder_index,
                                      const FileFaults& file);

bool IsPairFault(FaultKind kind);

}  // namespace sensorlake::generate
