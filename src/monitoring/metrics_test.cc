#include "monitoring/metrics.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "monitoring/test_records.h"

namespace sensorlake::monitoring {
namespace {

double Value(const std::vector<Sample>& samples, std::string_view name,
             const std::map<std::string, std::string>& labels = {}) {
  for (const auto& s : samples) {
    if (s.def->name == name && s.labels == labels) return s.value;
  }
  ADD_FAILURE() << "no sample " << name;
  return -1;
}

// The metric table of docs/monitoring.md, in order: "| `sensorlake.x` | `sensorlake_x` | Unit |".
struct DocumentedMetric {
  std::string name, prometheus, unit;
};

std::vector<DocumentedMetric> DocumentedMetrics() {
  std::ifstream in(std::string(SENSORLAKE_SOURCE_DIR) + "/docs/monitoring.md");
  std::vector<DocumentedMetric> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("| `sensorlake.")) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    for (std::string cell; std::getline(ss, cell, '|');) {
      cell.erase(0, cell.find_first_not_of(" `"));
      cell.erase(cell.find_last_not_of(" `") + 1);
      cells.push_back(cell);
    }
    if (cells.size() >= 3) out.push_back({cells[0], cells[1], cells[2]});
  }
  return out;
}

TEST(MetricsTest, CatalogIsTheDocumentedTableWithUniqueNamesValidForBothSystems) {
  const auto documented = DocumentedMetrics();
  const auto& catalog = MetricCatalog();
  // 19 rows in the table of docs/monitoring.md; the catalog has one entry per row.
  ASSERT_EQ(documented.size(), 19u);
  ASSERT_EQ(catalog.size(), documented.size());
  std::set<std::string_view> names;
  for (size_t i = 0; i < catalog.size(); ++i) {
    const auto& d = catalog[i];
    EXPECT_EQ(d.name, documented[i].name) << i;
    EXPECT_EQ(d.unit, documented[i].unit) << d.name;
    EXPECT_TRUE(names.insert(d.name).second) << d.name;
    EXPECT_TRUE(d.name.starts_with("sensorlake.")) << d.name;
    std::string prom = PrometheusName(d.name);
    EXPECT_EQ(prom, documented[i].prometheus) << d.name;
    EXPECT_EQ(prom.find('.'), std::string::npos);
  }
  EXPECT_EQ(PrometheusName("sensorlake.run.duration_seconds"), "sensorlake_run_duration_seconds");
}

TEST(MetricsTest, SamplesComeFromTheRunRecord) {
  auto r = testing::MakeRecord("r-1", 10, 950, 50);
  auto samples = RunSamples(r);
  EXPECT_EQ(Value(samples, "sensorlake.run.duration_seconds"), 10);
  EXPECT_EQ(Value(samples, "sensorlake.run.succeeded"), 1);
  EXPECT_EQ(Value(samples, "sensorlake.run.failed"), 0);
  EXPECT_EQ(Value(samples, "sensorlake.transform.rows"), 950);
  EXPECT_EQ(Value(samples, "sensorlake.transform.quarantined"), 50);
  EXPECT_DOUBLE_EQ(Value(samples, "sensorlake.transform.quarantine_percent"), 5.0);
  EXPECT_EQ(
      Value(samples, "sensorlake.transform.quarantined_by_reason", {{"reason", "bad_subject"}}),
      50);
  EXPECT_EQ(Value(samples, "sensorlake.stage.lines_in", {{"stage", "transform"}}), 1000);
  EXPECT_EQ(Value(samples, "sensorlake.run.peak_rss_bytes"), 2 << 20);
  EXPECT_EQ(Value(samples, "sensorlake.quality.rules_failed"), 1);
}

TEST(MetricsTest, StagesNotRunHereHaveNoStageSamples) {
  auto r = testing::MakeRecord("r-1", 10, 950);
  r.stages[0].metrics = nlohmann::json::object();  // skipped: completed in an earlier run
  // The seven sensorlake.stage.* metrics of docs/monitoring.md, once for each of the other
  // stages of the record.
  constexpr size_t kStageMetrics = 7;
  std::map<std::string, size_t> expected;
  for (int32_t i = 1; i < zones::kNumStages; ++i) {
    expected[std::string(zones::StageName(static_cast<zones::Stage>(i)))] = kStageMetrics;
  }
  ASSERT_EQ(expected.size(), 4u);  // transform, check, features, publish
  std::map<std::string, size_t> per_stage;
  size_t stage_samples = 0;
  for (const auto& s : RunSamples(r)) {
    if (!s.labels.contains("stage")) continue;
    ++stage_samples;
    ++per_stage[s.labels.at("stage")];
    EXPECT_TRUE(s.def->name.starts_with("sensorlake.stage.")) << s.def->name;
  }
  ASSERT_EQ(stage_samples, 4 * kStageMetrics);
  EXPECT_EQ(per_stage, expected);  // no "ingest" among them
}

}  // namespace
}  // namespace sensorlake::monitoring
