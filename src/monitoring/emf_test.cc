#include "monitoring/emf.h"

#include <gtest/gtest.h>

#include "monitoring/test_records.h"

namespace sensorlake::monitoring {
namespace {

TEST(EmfTest, EveryMetricAndDimensionIsARootMember) {
  auto lines = RenderEmf(testing::MakeRecord("r-1", 10, 950, 50), "dev", 1700000000123);
  ASSERT_EQ(lines.size(), 1u + 5u + 1u);  // run, five stages, one quarantine reason
  size_t metrics = 0;
  for (const auto& line : lines) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["_aws"]["Timestamp"], 1700000000123);
    // Fewer than 100 metrics per document: one directive with one dimension set each.
    ASSERT_EQ(j["_aws"]["CloudWatchMetrics"].size(), 1u) << line;
    const auto& d = j["_aws"]["CloudWatchMetrics"][0];
    EXPECT_EQ(d["Namespace"], "sensorlake");
    ASSERT_TRUE(d["Dimensions"].is_array());
    ASSERT_EQ(d["Dimensions"].size(), 1u) << line;
    const auto& set = d["Dimensions"][0];
    ASSERT_TRUE(set.is_array());
    ASSERT_FALSE(set.empty());
    EXPECT_EQ(set[0], "environment");
    for (const auto& dim : set) EXPECT_TRUE(j[dim.get<std::string>()].is_string()) << dim;
    ASSERT_FALSE(d["Metrics"].empty()) << line;
    EXPECT_LE(d["Metrics"].size(), 100u);
    for (const auto& m : d["Metrics"]) EXPECT_TRUE(j[m["Name"].get<std::string>()].is_number());
    metrics += d["Metrics"].size();
  }
  // docs/monitoring.md: 11 metrics by environment only, 7 by stage (five stages ran), 1 by
  // reason (one reason in the record).
  EXPECT_EQ(metrics, 11u + 7u * 5u + 1u);
  auto stage = nlohmann::json::parse(lines[2]);  // groups sort: run, reason, stages
  EXPECT_EQ(stage["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0],
            nlohmann::json::array({"environment", "stage"}));
}

}  // namespace
}  // namespace sensorlake::monitoring
