// The 91 numeric attributes of one window, in the order of the dataset's published ARFF
// files (X0..X9, Y0..Z9, XAVG.., XPEAK.., XABSOLDEV.., XSTANDDEV.., XVAR.., XMFCC0..ZMFCC12,
// XYCOS.., XYCOR.., RESULTANT). Two modes:
//  - kArffmagic reproduces the dataset's own tool, defects included
//    (../shared/wisdm/arffmagic-features.md, section 4);
//  - kCorrected keeps the names but fixes the defects (docs/features.md lists each one).
// Pure arithmetic: knows nothing of Parquet or the lake.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sensorlake::features {

enum class FeatureMode : uint8_t { kCorrected = 0, kArffmagic = 1 };
std::string_view FeatureModeName(FeatureMode mode);  // "corrected", "arffmagic"

// arffmagic's window: a fixed number of readings (10 s at the 20 Hz the study asked for).
inline constexpr int32_t kWindowReadings = 200;
inline constexpr int32_t kNumAttributes = 91;  // numeric ones; ACTIVITY and class are labels
inline constexpr int32_t kNumBins = 10;
inline constexpr int32_t kNumMfcc = 13;

// "X0", ..., "RESULTANT" in ARFF column order.
const std::array<std::string, kNumAttributes>& AttributeNames();

using Attributes = std::array<double, kNumAttributes>;

// The readings of one window in stream order. Values are doubles: arffmagic read the
// decimal text with atof, so compat callers pass ArffmagicValue(float) (see below).
struct WindowValues {
  std::span<const double> x, y, z;
  std::span<const int64_t> timestamp_ns;  // used by kCorrected only (real sampling rate)
};

// Computes every attribute. Undefined values (a constant axis's correlation, fewer than
// two peaks) are NaN; kArffmagic also gives NaN where the original crashes (< 2 peaks).
Attributes ComputeAttributes(const WindowValues& w, FeatureMode mode);

// The double that arffmagic's atof made of a reading: the value of its shortest decimal
// text (Java's Float.toString as Android wrote it: a tie rounds up in magnitude), which is
// not always the float32 widened to double.
double ArffmagicValue(float v);

}  // namespace sensorlake::features
