#include "features/arff.h"

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace sensorlake::features {

std::string FormatArffNumber(double v, FeatureMode mode) {
  if (std::isnan(v)) return mode == FeatureMode::kArffmagic ? "-nan" : "?";
  char buf[32];
  int len = std::snprintf(buf, sizeof buf, "%g", v);
  return std::string(buf, static_cast<size_t>(len));
}

std::string FormatArff(int32_t subject, const std::vector<ArffRow>& rows, FeatureMode mode) {
  std::string labels;
  for (const auto& r : rows) {
    if (labels.find(r.activity) == std::string::npos) labels += r.activity;
  }
  std::string out = "@relation person_activities_labeled\n\n@attribute \"ACTIVITY\" {";
  for (size_t i = 0; i < labels.size(); ++i) out += fmt::format("{} {}", i ? "," : "", labels[i]);
  out += " }\n";
  for (const auto& name : AttributeNames()) out += fmt::format("@attribute \"{}\" numeric\n", name);
  out += fmt::format("@attribute \"class\" {{ {} }}\n\n@data\n", subject);
  for (const auto& r : rows) {
    out += r.activity;
    for (double v : r.values) {
      out += ',';
      out += FormatArffNumber(v, mode);
    }
    out += fmt::format(",{}\n", subject);
  }
  return out;
}

}  // namespace sensorlake::features
