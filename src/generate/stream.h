// The clean readings of one activity block of one file: timestamps from the plan's
// timing, values from the block's motion plus sensor noise, bias and quantization.
#pragma once

#include <cstdint>
#include <vector>

#include "sensorlake/generate/plan.h"

namespace sensorlake::generate {

struct Reading {
  int64_t ts = 0;
  float x = 0, y = 0, z = 0;
};

// Replaces `out` with the plan's Lines(subject_index, folder_index, activity) readings.
// Depends only on (seed, subject, folder, activity): the same bytes on every run.
void GenerateBlock(const DatasetPlan& plan, int32_t subject_index, int32_t folder_index,
                   int32_t activity, std::vector<Reading>* out);

}  // namespace sensorlake::generate
