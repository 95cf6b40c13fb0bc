#include "sensorlake/quality/profile.h"

#include <cmath>

#include <gtest/gtest.h>

namespace sensorlake::quality {
namespace {

BlockProfile Profile(const std::vector<std::array<float, 3>>& values, int64_t step_ns = 50'000'000,
                     int64_t t0 = 123) {
  BlockProfiler p({0, 1600, 0, 0});
  for (size_t i = 0; i < values.size(); ++i) {
    p.Add(t0 + static_cast<int64_t>(i) * step_ns, values[i][0], values[i][1], values[i][2]);
  }
  return p.Finish();
}

std::vector<std::array<float, 3>> Wave(int32_t n, float phase = 0) {
  std::vector<std::array<float, 3>> v;
  for (int32_t i = 0; i < n; ++i) {
    float t = static_cast<float>(i) * 0.37f + phase;
    v.push_back({std::sin(t), 9.8f + std::cos(t), 0.1f * std::sin(3 * t)});
  }
  return v;
}

TEST(BlockProfilerTest, RateDurationAndMagnitude) {
  auto b = Profile({{3, 4, 0}, {0, 0, 5}, {0, 5, 0}, {5, 0, 0}, {0, 0, -5}});
  EXPECT_EQ(b.rows, 5);
  EXPECT_DOUBLE_EQ(b.Seconds(), 0.2);
  EXPECT_DOUBLE_EQ(b.RateHz(), 20.0);
  EXPECT_DOUBLE_EQ(b.MeanMagnitude(), 5.0);
  EXPECT_NEAR(b.MagnitudeStd(), 0.0, 1e-9);
  EXPECT_EQ(b.magnitude[static_cast<size_t>(MagnitudeBin(wisdm::Sensor::kAccel, 5.0))], 5);
  EXPECT_EQ(b.fine_timestamps, 5);  // 123 + k * 50 ms never ends in 000
  EXPECT_DOUBLE_EQ(b.MaxAbs(), 5.0);
}

TEST(BlockProfilerTest, LongestRunOfIdenticalReadingsAndItsStart) {
  auto v = Wave(100);
  for (int32_t i = 40; i < 65; ++i) v[static_cast<size_t>(i)] = v[39];
  auto b = Profile(v);
  EXPECT_EQ(b.longest_run, 26);
  EXPECT_EQ(b.longest_run_start, 39);
}

TEST(BlockProfilerTest, ExtremesAndHowOftenTheyAreHit) {
  auto v = Wave(200);
  for (auto& r : v) r[0] = std::min(r[0], 0.5f);
  auto b = Profile(v);
  EXPECT_EQ(b.max[0], 0.5f);
  EXPECT_GT(b.at_max[0], 40);
  EXPECT_LT(b.at_min[0], 3);
}

TEST(BlockProfilerTest, GapsDisorderAndMicrosecondClock) {
  BlockProfiler p({0, 1600, 0, 0});
  p.Add(1'000'000, 1, 2, 3);
  p.Add(51'000'000, 1, 2, 4);
  p.Add(2'051'000'000, 1, 2, 5);  // a 2 s gap
  p.Add(2'051'000'000, 1, 2, 6);  // the same timestamp again
  auto b = p.Finish();
  ASSERT_EQ(b.gaps_ns.size(), 1u);
  EXPECT_EQ(b.gaps_ns[0], 2'000'000'000);
  EXPECT_EQ(b.non_increasing, 1);
  EXPECT_EQ(b.fine_timestamps, 0);
}

TEST(BlockProfilerTest, SketchIsBoundedAndEqualForEqualReadingsOnly) {
  auto a = Profile(Wave(3000));
  auto same_values_other_clock = Profile(Wave(3000), 40'000'000, 999);
  auto other = Profile(Wave(3000, 0.01f));
  EXPECT_EQ(a.sketch.size(), kSketchSize);
  EXPECT_TRUE(std::is_sorted(a.sketch.begin(), a.sketch.end()));
  EXPECT_EQ(a.sketch, same_values_other_clock.sketch);
  EXPECT_NE(a.sketch, other.sketch);
}

TEST(BlockProfilerTest, AStuckBlockHasNoSketchToMatchOthersWith) {
  auto b = Profile(std::vector<std::array<float, 3>>(500, {0.0f, 9.8f, 0.0f}));
  EXPECT_TRUE(b.sketch.empty());
  EXPECT_EQ(b.longest_run, 500);
}

TEST(BaselineJsonTest, RoundTripsAndRejectsOtherDocuments) {
  DatasetProfile p;
  p.curated_version = "c-1";
  p.magnitude[2][5][7] = 42;
  auto back = DatasetProfile::MagnitudeFromBaselineJson(p.BaselineJson(), "b.json");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ((*back)[2][5][7], 42);
  EXPECT_FALSE(DatasetProfile::MagnitudeFromBaselineJson({{"format", "x"}}, "b.json").ok());
  auto truncated = p.BaselineJson();
  truncated["magnitude_histograms"]["phone/gyro"]["A"] = {1, 2};
  auto r = DatasetProfile::MagnitudeFromBaselineJson(truncated, "b.json");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalid);
}

}  // namespace
}  // namespace sensorlake::quality
