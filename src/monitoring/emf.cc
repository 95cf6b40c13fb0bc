#include "monitoring/emf.h"

#include <map>

#include <nlohmann/json.hpp>

#include "monitoring/metrics.h"

namespace sensorlake::monitoring {

namespace {

// The EMF specification allows at most 100 metrics per directive.
constexpr size_t kMaxMetricsPerDirective = 100;

// Built explicitly: brace-initialized nested arrays turn into objects in nlohmann::json.
nlohmann::json Directive(const std::vector<std::string>& dims, const nlohmann::json& metrics) {
  nlohmann::json set = nlohmann::json::array();
  set.push_back(nlohmann::json(dims));
  nlohmann::json d = nlohmann::json::object();
  d["Namespace"] = kCloudWatchNamespace;
  d["Dimensions"] = set;
  d["Metrics"] = metrics;
  return d;
}

std::string Document(const std::vector<const Sample*>& samples, const std::string& environment,
                     const std::string& run_id, int64_t timestamp_ms) {
  nlohmann::json root = {{"environment", environment}, {"run_id", run_id}};
  std::vector<std::string> dims = {"environment"};
  for (const auto& [k, v] : samples.front()->labels) {
    dims.push_back(k);
    root[k] = v;
  }
  nlohmann::json directives = nlohmann::json::array();
  nlohmann::json metrics = nlohmann::json::array();
  for (const Sample* s : samples) {
    if (metrics.size() == kMaxMetricsPerDirective) {
      directives.push_back(Directive(dims, metrics));
      metrics = nlohmann::json::array();
    }
    metrics.push_back({{"Name", s->def->name}, {"Unit", s->def->unit}});
    root[std::string(s->def->name)] = s->value;
  }
  directives.push_back(Directive(dims, metrics));
  root["_aws"] = {{"Timestamp", timestamp_ms}, {"CloudWatchMetrics", directives}};
  return root.dump();
}

}  // namespace

std::vector<std::string> RenderEmf(const zones::RunRecord& record, const std::string& environment,
                                   int64_t timestamp_ms) {
  std::vector<Sample> samples = RunSamples(record);
  // One document per label set: a document's dimensions are the same for all its metrics.
  std::map<std::map<std::string, std::string>, std::vector<const Sample*>> groups;
  for (const auto& s : samples) groups[s.labels].push_back(&s);
  std::vector<std::string> out;
  for (const auto& [labels, group] : groups) {
    out.push_back(Document(group, environment, record.run_id, timestamp_ms));
  }
  return out;
}

}  // namespace sensorlake::monitoring
