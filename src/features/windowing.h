// How a subject's readings of one device and sensor are cut into windows, in both modes.
//  - kArffmagic: the dataset tool's rule (spec section 2) on the stream in raw-file order:
//    consecutive blocks of 200 readings from the top of the file, running across activity
//    changes, each labelled with the activity of the reading that follows it; the last
//    window is dropped because no reading follows it.
//  - kCorrected: 200 consecutive readings inside one activity block, labelled with that
//    block's activity; a block's remainder shorter than 200 is dropped.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sensorlake/features/window_features.h"

namespace sensorlake::features {

struct WindowSpan {
  int64_t begin = 0;    // first reading (index into the stream)
  int64_t end = 0;      // one past the last reading
  int8_t activity = 0;  // label: index into wisdm::kActivityCodes
};

// `activity` and `block` per reading, in stream order (block, then sample).
std::vector<WindowSpan> CutWindows(std::span<const int8_t> activity, std::span<const int32_t> block,
                                   FeatureMode mode);

}  // namespace sensorlake::features
