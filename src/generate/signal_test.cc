// The generated signals against what FACTS.md measured on 43 real subjects (phone).
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "generate/stream.h"
#include "sensorlake/generate/plan.h"

namespace sensorlake::generate {
namespace {

struct Stats {
  double mean = 0, std = 0;
};

// Magnitude statistics over every subject's block of one activity in one folder.
Stats Magnitude(const DatasetPlan& plan, int32_t folder, char activity) {
  std::vector<Reading> block;
  double sum = 0, sum2 = 0;
  int64_t n = 0;
  for (int32_t s = 0; s < plan.num_subjects(); ++s) {
    GenerateBlock(plan, s, folder, wisdm::ActivityIndex(activity), &block);
    for (const Reading& r : block) {
      double m = std::sqrt(double{r.x} * r.x + double{r.y} * r.y + double{r.z} * r.z);
      sum += m;
      sum2 += m * m;
      ++n;
    }
  }
  Stats st;
  st.mean = sum / n;
  st.std = std::sqrt(std::max(0.0, sum2 / n - st.mean * st.mean));
  return st;
}

class GenerateSignal : public ::testing::TestWithParam<uint64_t> {
 protected:
  void SetUp() override {
    auto plan = DatasetPlan::Make(0.05, GetParam());
    ASSERT_TRUE(plan.ok());
    plan_ = std::make_unique<DatasetPlan>(std::move(plan).ValueOrDie());
  }
  std::unique_ptr<DatasetPlan> plan_;
};

void ExpectWithin(Stats got, double mean, double std, double tolerance, const char* what) {
  EXPECT_NEAR(got.mean, mean, tolerance * mean) << what;
  EXPECT_NEAR(got.std, std, tolerance * std) << what;
}

TEST_P(GenerateSignal, PhoneAccelMagnitudeMatchesTheRealData) {
  ExpectWithin(Magnitude(*plan_, 0, 'A'), 10.85, 4.04, 0.15, "walking");
  ExpectWithin(Magnitude(*plan_, 0, 'B'), 12.77, 7.65, 0.15, "jogging");
  ExpectWithin(Magnitude(*plan_, 0, 'C'), 10.35, 3.84, 0.15, "stairs");
  ExpectWithin(Magnitude(*plan_, 0, 'M'), 10.50, 2.98, 0.15, "kicking");
}

TEST_P(GenerateSignal, PhoneGyroMagnitudeMatchesTheRealData) {
  ExpectWithin(Magnitude(*plan_, 1, 'B'), 3.18, 2.42, 0.15, "jogging");
  ExpectWithin(Magnitude(*plan_, 1, 'C'), 1.65, 1.14, 0.15, "stairs");
  ExpectWithin(Magnitude(*plan_, 1, 'M'), 1.49, 1.35, 0.15, "kicking");
}

TEST_P(GenerateSignal, RestIsCalm) {
  for (int32_t device = 0; device < 2; ++device) {
    for (char a : {'D', 'E'}) {
      Stats accel = Magnitude(*plan_, device * 2, a);
      EXPECT_NEAR(accel.mean, 9.81, 0.15) << a;
      EXPECT_LT(accel.std, 0.3) << a;
      Stats gyro = Magnitude(*plan_, device * 2 + 1, a);
      EXPECT_LT(gyro.mean, 0.1) << a;
    }
  }
  // Activities differ from each other at least as much as the real ones do.
  EXPECT_GT(Magnitude(*plan_, 0, 'B').std, 10 * Magnitude(*plan_, 0, 'D').std);
}

INSTANTIATE_TEST_SUITE_P(GenerateSeeds, GenerateSignal, ::testing::Values(2019, 5));

}  // namespace
}  // namespace sensorlake::generate
