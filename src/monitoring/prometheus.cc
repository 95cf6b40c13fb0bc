#include "sensorlake/monitoring/prometheus.h"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "monitoring/metrics.h"
#include "sensorlake/monitoring/run_history.h"

namespace sensorlake::monitoring {

namespace {

// Label values escape backslash, double quote and newline (the exposition format).
std::string EscapeLabel(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string Labels(const std::map<std::string, std::string>& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (const auto& [k, v] : labels) {
    if (out.size() > 1) out += ",";
    out += fmt::format("{}=\"{}\"", k, EscapeLabel(v));
  }
  return out + "}";
}

void Family(std::string* out, std::string_view name, std::string_view type, std::string_view help) {
  *out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// Durations of pipeline runs span seconds (tests) to hours (full dataset).
constexpr std::array<double, 9> kDurationBuckets = {1, 5, 15, 60, 300, 900, 1800, 3600, 7200};

void HistoryMetrics(const std::vector<zones::RunRecord>& runs, std::string* out) {
  int64_t succeeded = 0, failed = 0, running = 0;
  std::array<int64_t, kDurationBuckets.size()> buckets{};
  double sum = 0;
  int64_t count = 0;
  for (const auto& r : runs) {
    if (r.outcome == "succeeded")
      ++succeeded;
    else if (r.outcome == "failed")
      ++failed;
    else
      ++running;
    if (r.outcome == "running") continue;
    ++count;
    sum += r.seconds;
    for (size_t i = 0; i < kDurationBuckets.size(); ++i) {
      if (r.seconds <= kDurationBuckets[i]) ++buckets[i];
    }
  }
  Family(out, "sensorlake_runs_total", "counter", "runs recorded in the lake's _runs/, by outcome");
  *out += fmt::format("sensorlake_runs_total{{outcome=\"succeeded\"}} {}\n", succeeded);
  *out += fmt::format("sensorlake_runs_total{{outcome=\"failed\"}} {}\n", failed);
  *out += fmt::format("sensorlake_runs_total{{outcome=\"running\"}} {}\n", running);
  Family(out, "sensorlake_run_duration_history_seconds", "histogram",
         "wall time of every finished run in the lake's history");
  for (size_t i = 0; i < kDurationBuckets.size(); ++i) {
    *out += fmt::format("sensorlake_run_duration_history_seconds_bucket{{le=\"{:g}\"}} {}\n",
                        kDurationBuckets[i], buckets[i]);
  }
  *out += fmt::format("sensorlake_run_duration_history_seconds_bucket{{le=\"+Inf\"}} {}\n", count);
  *out += fmt::format("sensorlake_run_duration_history_seconds_sum {}\n", sum);
  *out += fmt::format("sensorlake_run_duration_history_seconds_count {}\n", count);
}

void LatestRunMetrics(const zones::RunRecord& r, std::string* out) {
  Family(out, "sensorlake_last_run_info", "gauge", "the latest finished run (value 1)");
  *out += fmt::format("sensorlake_last_run_info{} 1\n",
                      Labels({{"run_id", r.run_id}, {"outcome", r.outcome}}));
  std::vector<Sample> samples = RunSamples(r);
  // Samples of one family must be contiguous: walk the catalog, not the samples.
  for (const auto& def : MetricCatalog()) {
    std::string name = PrometheusName(def.name);
    Family(out, name, "gauge", fmt::format("{} (latest finished run; {})", def.help, def.unit));
    for (const auto& s : samples) {
      if (s.def == &def) *out += fmt::format("{}{} {}\n", name, Labels(s.labels), s.value);
    }
  }
}

}  // namespace

std::string RenderPrometheusRuns(const std::vector<zones::RunRecord>& runs) {
  std::string out;
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    if (it->outcome == "running") continue;
    LatestRunMetrics(*it, &out);
    break;
  }
  HistoryMetrics(runs, &out);
  return out;
}

Result<std::string> RenderPrometheus(const storage::Lake& lake) {
  SL_ASSIGN_OR_RETURN(auto runs, LoadRuns(lake));
  return RenderPrometheusRuns(runs);
}

Status WriteFileAtomic(const std::string& path, std::string_view text) {
  std::filesystem::path target(path);
  std::string tmp = fmt::format("{}.{}.tmp", path, getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return Status::IOError("{}: cannot write ({})", tmp, std::strerror(errno));
    f << text;
    f.flush();
    if (!f) return Status::IOError("{}: write failed", tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, target, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return Status::IOError("{}: rename failed: {}", path, ec.message());
  }
  return Status::OK();
}

}  // namespace sensorlake::monitoring
