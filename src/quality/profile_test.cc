#include "sensorlake/quality/profile.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <span>

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

// Every field of two profiles, the sketch included.
void ExpectSameProfile(const BlockProfile& a, const BlockProfile& b) {
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.first_ns, b.first_ns);
  EXPECT_EQ(a.last_ns, b.last_ns);
  EXPECT_EQ(a.non_increasing, b.non_increasing);
  EXPECT_EQ(a.fine_timestamps, b.fine_timestamps);
  EXPECT_EQ(a.gaps_ns, b.gaps_ns);
  EXPECT_EQ(a.min, b.min);
  EXPECT_EQ(a.max, b.max);
  EXPECT_EQ(a.at_min, b.at_min);
  EXPECT_EQ(a.at_max, b.at_max);
  EXPECT_EQ(a.longest_run, b.longest_run);
  EXPECT_EQ(a.longest_run_start, b.longest_run_start);
  EXPECT_EQ(a.longest_run_value, b.longest_run_value);
  EXPECT_EQ(a.magnitude_sum, b.magnitude_sum);
  EXPECT_EQ(a.magnitude_sq_sum, b.magnitude_sq_sum);
  EXPECT_EQ(a.sketch, b.sketch);
  EXPECT_EQ(a.magnitude, b.magnitude);
}

// The row-group reader hands a block over in batches that may split it anywhere, even
// inside a stuck run or a window: the profile must be the one of reading by reading.
TEST(BlockProfilerTest, BatchesGiveTheProfileOfReadingByReading) {
  auto v = Wave(1000);
  for (size_t i = 300; i < 310; ++i) v[i] = v[299];  // a stuck run across a batch boundary
  std::vector<int64_t> ts;
  std::vector<float> x, y, z;
  for (size_t i = 0; i < v.size(); ++i) {
    ts.push_back(static_cast<int64_t>(i) * 50'000'000 + (i == 500 ? 3'000'000'000 : 0));
    x.push_back(v[i][0]), y.push_back(v[i][1]), z.push_back(v[i][2]);
  }
  BlockProfiler single({0, 1600, 0, 0});
  for (size_t i = 0; i < v.size(); ++i) single.Add(ts[i], x[i], y[i], z[i]);
  const BlockProfile one_by_one = single.Finish();
  for (size_t batch : {1u, 2u, 3u, 5u, 7u, 303u, 1000u}) {
    SCOPED_TRACE(batch);
    BlockProfiler batched({0, 1600, 0, 0});
    for (size_t b = 0; b < v.size(); b += batch) {
      size_t len = std::min(batch, v.size() - b);
      batched.AddReadings(std::span(ts).subspan(b, len), std::span(x).subspan(b, len),
                          std::span(y).subspan(b, len), std::span(z).subspan(b, len));
    }
    batched.AddReadings({}, {}, {}, {});  // an empty batch changes nothing
    ExpectSameProfile(batched.Finish(), one_by_one);
  }
  EXPECT_EQ(one_by_one.sketch.size(), kSketchSize);
  EXPECT_EQ(one_by_one.longest_run, 11);
  EXPECT_EQ(one_by_one.gaps_ns.size(), 1u);  // the 3 s jump; the step back is disorder
  EXPECT_EQ(one_by_one.non_increasing, 1);
}

// The sketch is part of what a check reports (the shared fraction of duplicated blocks),
// so its hash is pinned: SplitMix64's finalizer chained over the 12 float bit patterns of
// each 4-reading window, written out here independently of the profiler.
std::vector<uint64_t> ReferenceSketch(const std::vector<std::array<float, 3>>& v) {
  auto mix = [](uint64_t h) {
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
  };
  std::vector<uint64_t> all;
  size_t run = 1;
  for (size_t j = 0; j < v.size(); ++j) {
    if (j > 0) run = v[j] == v[j - 1] ? run + 1 : 1;
    if (j < 3 || run >= 4) continue;
    uint64_t h = 0x5e9501a6e0c0ffeeULL;
    for (size_t r = j - 3; r <= j; ++r) {
      for (float f : v[r]) {
        uint32_t bits;
        std::memcpy(&bits, &f, sizeof bits);
        h = mix(h ^ bits);
      }
    }
    all.push_back(h);
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  all.resize(std::min(all.size(), kSketchSize));
  return all;
}

// The AVX2 path (runs of 16 windows inside a batch) and the scalar one give the same
// profile as the reference, whatever the batches and wherever stuck runs break the runs.
TEST(BlockProfilerTest, VectorAndScalarWindowHashesAreTheSameHash) {
  auto v = Wave(5000);
  for (size_t i = 1000; i < 1020; ++i) v[i] = v[999];   // no windows inside it
  for (size_t i = 2000; i < 2004; ++i) v[i] = v[1999];  // exactly one window left out
  std::vector<int64_t> ts;
  std::vector<float> x, y, z;
  for (size_t i = 0; i < v.size(); ++i) {
    ts.push_back(static_cast<int64_t>(i) * 50'000'000);
    x.push_back(v[i][0]), y.push_back(v[i][1]), z.push_back(v[i][2]);
  }
  const std::vector<uint64_t> reference = ReferenceSketch(v);
  ASSERT_EQ(reference.size(), kSketchSize);
  auto batched = [&](size_t batch, bool simd) {
    internal::SetWindowHashSimd(simd);
    BlockProfiler p({0, 1600, 0, 0});
    for (size_t b = 0; b < v.size(); b += batch) {
      size_t len = std::min(batch, v.size() - b);
      p.AddReadings(std::span(ts).subspan(b, len), std::span(x).subspan(b, len),
                    std::span(y).subspan(b, len), std::span(z).subspan(b, len));
    }
    internal::SetWindowHashSimd(true);
    return p.Finish();
  };
  const BlockProfile scalar = batched(5000, false);
  EXPECT_EQ(scalar.sketch, reference);
  for (size_t batch : {5000u, 19u, 20u, 64u, 1001u}) {
    SCOPED_TRACE(batch);
    ExpectSameProfile(batched(batch, true), scalar);
  }
}

TEST(MagnitudeBinTest, FloorOfTheBinWidthClampedToTheHistogram) {
  const double width = kMagnitudeBinWidth[0];
  EXPECT_EQ(MagnitudeBin(wisdm::Sensor::kAccel, 0.0), 0);
  EXPECT_EQ(MagnitudeBin(wisdm::Sensor::kAccel, width * 0.999), 0);
  EXPECT_EQ(MagnitudeBin(wisdm::Sensor::kAccel, width), 1);
  EXPECT_EQ(MagnitudeBin(wisdm::Sensor::kAccel, width * 7.5), 7);
  EXPECT_EQ(MagnitudeBin(wisdm::Sensor::kAccel, width * (kMagnitudeBins - 1)), kMagnitudeBins - 1);
  EXPECT_EQ(MagnitudeBin(wisdm::Sensor::kAccel, 1e300), kMagnitudeBins - 1);
  EXPECT_EQ(MagnitudeBin(wisdm::Sensor::kAccel, std::numeric_limits<double>::infinity()),
            kMagnitudeBins - 1);
  EXPECT_EQ(MagnitudeBin(wisdm::Sensor::kAccel, std::nan("")), 0);
  EXPECT_EQ(MagnitudeBin(wisdm::Sensor::kAccel, -1.0), 0);
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
