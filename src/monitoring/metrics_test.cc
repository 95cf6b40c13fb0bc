#include "sensorlake/monitoring/metrics.h"

#include <set>

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

TEST(MetricsTest, CatalogNamesAreUniqueAndValidForBothSystems) {
  std::set<std::string_view> names;
  for (const auto& d : MetricCatalog()) {
    EXPECT_TRUE(names.insert(d.name).second) << d.name;
    EXPECT_TRUE(d.name.starts_with("sensorlake.")) << d.name;
    std::string prom = PrometheusName(d.name);
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
  for (const auto& s : RunSamples(r)) {
    if (s.labels.count("stage")) EXPECT_NE(s.labels.at("stage"), "ingest");
  }
}

}  // namespace
}  // namespace sensorlake::monitoring
