#include "sensorlake/monitoring/emf.h"

#include <gtest/gtest.h>

#include "monitoring/test_records.h"

namespace sensorlake::monitoring {
namespace {

TEST(EmfTest, EveryMetricAndDimensionIsARootMember) {
  auto lines = RenderEmf(testing::MakeRecord("r-1", 10, 950, 50), "dev", 1700000000123);
  ASSERT_EQ(lines.size(), 1u + 5u + 1u);  // run, five stages, one quarantine reason
  for (const auto& line : lines) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["_aws"]["Timestamp"], 1700000000123);
    for (const auto& d : j["_aws"]["CloudWatchMetrics"]) {
      EXPECT_EQ(d["Namespace"], "sensorlake");
      ASSERT_TRUE(d["Dimensions"].is_array());
      for (const auto& set : d["Dimensions"]) {
        ASSERT_TRUE(set.is_array());
        EXPECT_EQ(set[0], "environment");
        for (const auto& dim : set) EXPECT_TRUE(j[dim.get<std::string>()].is_string()) << dim;
      }
      EXPECT_LE(d["Metrics"].size(), 100u);
      for (const auto& m : d["Metrics"]) EXPECT_TRUE(j[m["Name"].get<std::string>()].is_number());
    }
  }
  auto stage = nlohmann::json::parse(lines[2]);  // groups sort: run, reason, stages
  EXPECT_EQ(stage["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0],
            nlohmann::json::array({"environment", "stage"}));
}

}  // namespace
}  // namespace sensorlake::monitoring
