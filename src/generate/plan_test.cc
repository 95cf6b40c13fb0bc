#include "sensorlake/generate/plan.h"

#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

namespace sensorlake::generate {
namespace {

using wisdm::kNumActivities;

TEST(GeneratePlan, ScaleOneHasThePublishedCountsPerFolderAndActivity) {
  auto plan = DatasetPlan::Make(1.0, 2019);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->num_subjects(), 51);
  FolderActivityCounts totals = plan->Totals();
  int64_t all = 0;
  for (int32_t f = 0; f < 4; ++f) {
    for (int32_t a = 0; a < kNumActivities; ++a) {
      EXPECT_EQ(totals[f][a], wisdm::kPublishedLinesPerActivity[f][a]) << f << " " << a;
      all += totals[f][a];
    }
  }
  EXPECT_EQ(all, wisdm::kPublishedTotalLines);
}

TEST(GeneratePlan, OtherScalesHaveRoundedCountsAndMoreSubjectsAboveOne) {
  for (double scale : {0.013, 0.5, 2.5}) {
    auto plan = DatasetPlan::Make(scale, 7);
    ASSERT_TRUE(plan.ok());
    EXPECT_EQ(plan->num_subjects(), scale > 1 ? 128 : 51) << scale;
    FolderActivityCounts totals = plan->Totals();
    for (int32_t f = 0; f < 4; ++f) {
      for (int32_t a = 0; a < kNumActivities; ++a) {
        EXPECT_EQ(totals[f][a], std::llround(wisdm::kPublishedLinesPerActivity[f][a] * scale))
            << scale << " " << f << " " << a;
      }
    }
  }
}

TEST(GeneratePlan, CountsDoNotDependOnTheSeedInTotal) {
  auto a = DatasetPlan::Make(1.0, 1);
  auto b = DatasetPlan::Make(1.0, 2);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->Totals(), b->Totals());
  // ... but the split over subjects does.
  bool differs = false;
  for (int32_t s = 0; s < 51 && !differs; ++s) differs = a->FileLines(s, 0) != b->FileLines(s, 0);
  EXPECT_TRUE(differs);
}

TEST(GeneratePlan, LargestRemainderIsExactAndDeterministic) {
  EXPECT_EQ(LargestRemainder(10, {1, 1, 1}), (std::vector<int64_t>{4, 3, 3}));
  EXPECT_EQ(LargestRemainder(7, {0, 0}), (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(LargestRemainder(0, {2, 5}), (std::vector<int64_t>{0, 0}));
  std::vector<double> w;
  for (int i = 0; i < 51; ++i) w.push_back(1.0 + 0.37 * std::sin(i * 1.7));
  for (int64_t total : {1, 50, 51, 279817, 4804403}) {
    std::vector<int64_t> parts = LargestRemainder(total, w);
    int64_t sum = 0;
    for (int64_t p : parts) {
      EXPECT_GE(p, 0);
      sum += p;
    }
    EXPECT_EQ(sum, total);
  }
}

// FACTS.md: most phones sample at 20 Hz (50.35 ms); some phone accelerometers at 40-50 Hz,
// which is how phone accel reaches 4.8M lines against 3.6M for phone gyro.
TEST(GeneratePlan, SomePhoneAccelerometersRunAt40To50Hz) {
  auto plan = DatasetPlan::Make(1.0, 2019);
  ASSERT_TRUE(plan.ok());
  int32_t fast = 0, grid20 = 0;
  for (int32_t s = 0; s < plan->num_subjects(); ++s) {
    std::vector<double> rates;
    for (int32_t a = 0; a < kNumActivities; ++a) {
      rates.push_back(1e9 / plan->Timing(s, 0).interval_ns[a]);
    }
    std::sort(rates.begin(), rates.end());
    double median = rates[kNumActivities / 2];
    if (median >= 40 && median <= 50) ++fast;
    const StreamTiming& gyro = plan->Timing(s, 1);
    if (gyro.grid && std::fabs(gyro.interval_ns[0] - 50354003.9) < 1) ++grid20;
  }
  EXPECT_GE(fast, 5);
  EXPECT_GE(grid20, 30);  // most phones on the real 20 Hz grid
}

TEST(GeneratePlan, AccelAndGyroOfADeviceCoverTheSameBlocks) {
  auto plan = DatasetPlan::Make(1.0, 2019);
  ASSERT_TRUE(plan.ok());
  for (int32_t s = 0; s < plan->num_subjects(); ++s) {
    for (int32_t d = 0; d < 2; ++d) {
      const SessionPlan& session = plan->Session(s, static_cast<wisdm::Device>(d));
      EXPECT_GE(session.clock_base_ns, 10'000'000'000'000);
      for (int32_t a = 0; a < kNumActivities; ++a) {
        double span_accel = plan->Lines(s, d * 2, a) * plan->Timing(s, d * 2).interval_ns[a];
        double span_gyro = plan->Lines(s, d * 2 + 1, a) * plan->Timing(s, d * 2 + 1).interval_ns[a];
        EXPECT_NEAR(span_accel / 1e9, session.span_s[a], 0.02 * session.span_s[a] + 0.2);
        EXPECT_NEAR(span_gyro / 1e9, session.span_s[a], 0.02 * session.span_s[a] + 0.2);
      }
    }
  }
}

TEST(GeneratePlan, RejectsScalesOutOfRange) {
  for (double bad : {0.0, -1.0, 100.5, std::nan("")}) {
    auto plan = DatasetPlan::Make(bad, 1);
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.status().code(), StatusCode::kInvalid);
    EXPECT_NE(plan.status().message().find("scale"), std::string::npos);
  }
}

}  // namespace
}  // namespace sensorlake::generate
