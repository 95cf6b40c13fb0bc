#include "sensorlake/serve/signal.h"

#include <algorithm>
#include <limits>
#include <span>

#include "sensorlake/zones/curated_reader.h"

namespace sensorlake::serve {

namespace {

// The readings of one row group that belong to the query, appended to the vectors.
struct Readings {
  std::vector<int64_t> t;
  std::array<std::vector<float>, 3> v;
};

void CollectRows(const zones::CuratedRowGroup& g, const SignalQuery& q, Readings* out) {
  const std::array<std::span<const float>, 3> axis = {g.x, g.y, g.z};
  for (size_t i = 0; i < static_cast<size_t>(g.num_rows); ++i) {
    if (g.subject[i] != q.subject || g.activity[i] != q.activity) continue;
    out->t.push_back(g.timestamp_ns[i]);
    for (size_t a = 0; a < 3; ++a) out->v[a].push_back(axis[a][i]);
  }
}

}  // namespace

AxisSeries DecimateMinMax(const std::vector<int64_t>& t, const std::vector<float>& v,
                          int64_t origin_ns, int64_t from_ns, int64_t to_ns, int32_t width) {
  AxisSeries out;
  auto begin = std::lower_bound(t.begin(), t.end(), from_ns);
  auto end = std::upper_bound(t.begin(), t.end(), to_ns);
  size_t lo = static_cast<size_t>(begin - t.begin()), hi = static_cast<size_t>(end - t.begin());
  auto emit = [&](size_t i) {
    out.t_ms.push_back(static_cast<double>(t[i] - origin_ns) / 1e6);
    out.v.push_back(v[i]);
  };
  if (hi - lo <= 2 * static_cast<size_t>(width) || to_ns <= from_ns) {
    for (size_t i = lo; i < hi; ++i) emit(i);
    return out;
  }
  const double span = static_cast<double>(to_ns - from_ns) + 1;
  size_t i = lo;
  while (i < hi) {
    // Bucket of reading i; the bucket ends where the next one starts.
    auto bucket = static_cast<int64_t>(static_cast<double>(t[i] - from_ns) / span * width);
    size_t imin = i, imax = i, j = i;
    for (; j < hi; ++j) {
      if (static_cast<int64_t>(static_cast<double>(t[j] - from_ns) / span * width) != bucket) break;
      if (v[j] < v[imin]) imin = j;
      if (v[j] > v[imax]) imax = j;
    }
    emit(std::min(imin, imax));
    if (imin != imax) emit(std::max(imin, imax));
    i = j;
  }
  return out;
}

Result<SignalResult> ReadSignal(const storage::Lake& lake, const std::string& part_path,
                                const SignalQuery& q) {
  using F = zones::CuratedField;
  SL_ASSIGN_OR_RETURN(auto reader, zones::CuratedReader::Open(lake, {part_path}));
  SignalResult r;
  r.row_groups_total = reader.num_row_groups();
  Readings rows;
  SL_ASSIGN_OR_RETURN(r.row_groups_read,
                      reader.ForEachRowGroup(
                          {F::kSubject, F::kActivity, F::kTimestampNs, F::kX, F::kY, F::kZ},
                          [&](const zones::CuratedRowGroup& g) {
                            CollectRows(g, q, &rows);
                            return Status::OK();
                          },
                          q.subject));
  if (rows.t.empty()) {
    return Status::NotFound("no readings for subject {} and this activity in {}", q.subject,
                            part_path);
  }
  r.first_ns = rows.t.front();
  r.last_ns = rows.t.back();
  r.from_ns = std::max(q.from_ns.value_or(r.first_ns), r.first_ns);
  r.to_ns = std::min(q.to_ns.value_or(r.last_ns), r.last_ns);
  if (r.to_ns < r.from_ns) return Status::Invalid("from_ns must not be after to_ns");
  auto lo = std::lower_bound(rows.t.begin(), rows.t.end(), r.from_ns);
  auto hi = std::upper_bound(rows.t.begin(), rows.t.end(), r.to_ns);
  r.rows_in_window = hi - lo;
  r.decimated = r.rows_in_window > 2 * static_cast<int64_t>(q.width);
  for (size_t a = 0; a < 3; ++a) {
    r.axes[a] = DecimateMinMax(rows.t, rows.v[a], r.first_ns, r.from_ns, r.to_ns, q.width);
  }
  return r;
}

nlohmann::json SignalResult::ToJson() const {
  nlohmann::json axes_json = nlohmann::json::object();
  const char* names[3] = {"x", "y", "z"};
  for (size_t a = 0; a < 3; ++a) {
    axes_json[names[a]] = {{"t_ms", axes[a].t_ms}, {"v", axes[a].v}};
  }
  return {{"first_ns", first_ns},
          {"last_ns", last_ns},
          {"from_ns", from_ns},
          {"to_ns", to_ns},
          {"rows_in_window", rows_in_window},
          {"decimated", decimated},
          {"row_groups_read", row_groups_read},
          {"row_groups_total", row_groups_total},
          {"axes", axes_json}};
}

}  // namespace sensorlake::serve
