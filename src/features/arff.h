// The dataset's own ARFF layout (spec section 3): header, attribute order and the C++
// stream number format (printf "%g", 6 significant digits).
#pragma once

#include <string>
#include <vector>

#include "sensorlake/features/window_features.h"

namespace sensorlake::features {

// One data row: its label and attributes.
struct ArffRow {
  char activity = 'A';
  Attributes values{};
};

// "%g" as C++ streams print a double by default. NaN prints as glibc does ("-nan", the
// 0/0 NaN's sign) in kArffmagic and as ARFF's missing value "?" in kCorrected.
std::string FormatArffNumber(double v, FeatureMode mode);

// The whole file for one subject: "@relation person_activities_labeled", the 93
// attributes (ACTIVITY lists its values in order of first use, class lists the subject),
// "@data" and one line per row.
std::string FormatArff(int32_t subject, const std::vector<ArffRow>& rows, FeatureMode mode);

}  // namespace sensorlake::features
