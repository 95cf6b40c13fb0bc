#include "features/windowing.h"

namespace sensorlake::features {
namespace {

// Within one subject's file every record is "compatible" (same subject token), so the
// original emits a full buffer when the next record arrives and never the short flush.
std::vector<WindowSpan> ArffmagicWindows(std::span<const int8_t> activity) {
  std::vector<WindowSpan> out;
  const auto n = static_cast<int64_t>(activity.size());
  for (int64_t begin = 0; begin + kWindowReadings < n; begin += kWindowReadings) {
    int64_t end = begin + kWindowReadings;
    out.push_back({begin, end, activity[static_cast<size_t>(end)]});
  }
  return out;
}

std::vector<WindowSpan> BlockWindows(std::span<const int8_t> activity,
                                     std::span<const int32_t> block) {
  std::vector<WindowSpan> out;
  const auto n = static_cast<int64_t>(activity.size());
  for (int64_t start = 0; start < n;) {
    int64_t stop = start;
    while (stop < n && block[static_cast<size_t>(stop)] == block[static_cast<size_t>(start)]) {
      ++stop;
    }
    for (int64_t b = start; b + kWindowReadings <= stop; b += kWindowReadings) {
      out.push_back({b, b + kWindowReadings, activity[static_cast<size_t>(b)]});
    }
    start = stop;
  }
  return out;
}

}  // namespace

std::vector<WindowSpan> CutWindows(std::span<const int8_t> activity, std::span<const int32_t> block,
                                   FeatureMode mode) {
  return mode == FeatureMode::kArffmagic ? ArffmagicWindows(activity)
                                         : BlockWindows(activity, block);
}

}  // namespace sensorlake::features
