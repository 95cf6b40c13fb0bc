// The signal viewer's data: x, y, z of one subject, device, sensor and activity over time,
// read from the curated Parquet with row-group pruning and decimated to the screen width.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::serve {

struct SignalQuery {
  int32_t folder = 0;  // index into wisdm::kFolders
  int32_t subject = 0;
  int32_t activity = 0;            // index into wisdm::kActivityCodes
  std::optional<int64_t> from_ns;  // window of device time; absent: the whole activity
  std::optional<int64_t> to_ns;
  int32_t width = 1000;  // pixels: at most two points per pixel and axis come back
};

// One axis after decimation: points in time order, t in ms from the series' first reading.
struct AxisSeries {
  std::vector<double> t_ms;
  std::vector<float> v;
};

struct SignalResult {
  int64_t first_ns = 0, last_ns = 0;  // the whole activity's extent (for zooming out)
  int64_t from_ns = 0, to_ns = 0;     // the window answered
  int64_t rows_in_window = 0;
  bool decimated = false;
  int32_t row_groups_read = 0, row_groups_total = 0;
  std::array<AxisSeries, 3> axes;
  nlohmann::json ToJson() const;
};

// Min/max decimation: the window is cut into `width` buckets; each keeps its minimum and its
// maximum reading, in time order, so peaks survive at any zoom. Fewer than 2 * width
// readings come back unchanged. `t` must be sorted.
AxisSeries DecimateMinMax(const std::vector<int64_t>& t, const std::vector<float>& v,
                          int64_t origin_ns, int64_t from_ns, int64_t to_ns, int32_t width);

// Reads the signal from `part_path` (a curated part of the query's folder): only row groups
// whose subject statistics can hold the subject are read.
Result<SignalResult> ReadSignal(const storage::Lake& lake, const std::string& part_path,
                                const SignalQuery& q);

}  // namespace sensorlake::serve
