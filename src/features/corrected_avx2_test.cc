#include "features/corrected_avx2.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <vector>

#include <gtest/gtest.h>

#include "features/windowing.h"
#include "sensorlake/wisdm/schema.h"
#include "testing/opt_out.h"
#include "testing/temp_dir.h"

namespace sensorlake::features {
namespace {

struct ThreeAxes {
  std::vector<double> x, y, z;
  std::vector<int64_t> ts;
  WindowValues View(size_t begin, size_t n) const {
    return {std::span(x).subspan(begin, n), std::span(y).subspan(begin, n),
            std::span(z).subspan(begin, n),
            ts.empty() ? std::span<const int64_t>() : std::span(ts).subspan(begin, n)};
  }
};

// The scalar path's attributes, with the kernel switched off for the call.
Attributes ScalarAttributes(const WindowValues& w) {
  internal::SetThreeAxisKernel(false);
  Attributes a = ComputeAttributes(w, FeatureMode::kCorrected);
  internal::SetThreeAxisKernel(true);
  return a;
}

uint64_t Bits(double d) {
  uint64_t u = 0;
  std::memcpy(&u, &d, sizeof u);  // libstdc++ 10 (the portable sysroot's) has no std::bit_cast
  return u;
}

// Bit for bit: NaN against NaN too, and +0.0 against -0.0 is a difference.
void ExpectSameBits(const Attributes& kernel, const Attributes& scalar, const std::string& what) {
  const auto& names = AttributeNames();
  for (size_t i = 0; i < kernel.size(); ++i) {
    EXPECT_EQ(Bits(kernel[i]), Bits(scalar[i]))
        << what << ": " << names[i] << " kernel " << kernel[i] << " scalar " << scalar[i];
  }
}

// Compares the kernel with the scalar path on one window; the kernel must take it.
void ExpectKernelMatches(const WindowValues& w, const std::string& what) {
  Attributes kernel{};
  ASSERT_TRUE(internal::CorrectedAttributesThreeAxes(w, &kernel)) << what;
  ExpectSameBits(kernel, ScalarAttributes(w), what);
  ExpectSameBits(ComputeAttributes(w, FeatureMode::kCorrected), kernel, what + " (dispatch)");
}

bool KernelRunsHere() {
  internal::SetThreeAxisKernel(true);
  return internal::ThreeAxisKernelRuns();
}

// Readings as the curated zone holds them (float32, widened), with the values a window's
// rules turn on: bin edges, repeats (no strict maximum), a constant axis.
ThreeAxes RandomReadings(size_t n, uint64_t seed, bool jitter) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> accel(0.0f, 6.0f);
  std::uniform_int_distribution<int32_t> pick(0, 19), edge(-2, 8), jitter_ns(-4'000'000, 4'000'000);
  ThreeAxes t;
  int64_t clock = 1'000'000'000;
  for (size_t i = 0; i < n; ++i) {
    std::array<double, 3> v{};
    for (double& d : v) {
      int32_t kind = pick(rng);
      d = kind == 0   ? 2.5 * edge(rng)                        // a bin's left edge
          : kind == 1 ? std::nextafter(2.5 * edge(rng), -1e9)  // just below one
                      : static_cast<double>(accel(rng));
    }
    if (i > 0 && pick(rng) == 0) v = {t.x.back(), t.y.back(), t.z.back()};  // a repeat
    t.x.push_back(v[0]), t.y.push_back(v[1]), t.z.push_back(9.81);          // z: constant
    if (i % 3 != 0) t.z.back() = v[2];
    clock += 50'000'000 + (jitter ? jitter_ns(rng) : 0);
    t.ts.push_back(clock);
  }
  return t;
}

TEST(ThreeAxisKernel, GivesTheScalarPathsDoublesBitForBit) {
  if (!KernelRunsHere()) GTEST_SKIP() << "this CPU has no AVX2: only the scalar path runs here";
  uint64_t seed = 1;
  for (size_t n : {1, 2, 3, 4, 5, 7, 19, 64, 179, 180, 199, 200, 255, 256}) {
    for (bool jitter : {false, true}) {
      ThreeAxes t = RandomReadings(n, seed++, jitter);
      ExpectKernelMatches(t.View(0, n), "n=" + std::to_string(n) + (jitter ? " jitter" : ""));
    }
  }
}

TEST(ThreeAxisKernel, MatchesWhenTheClockIsMissingOrConstant) {
  if (!KernelRunsHere()) GTEST_SKIP() << "this CPU has no AVX2: only the scalar path runs here";
  ThreeAxes t = RandomReadings(200, 99, true);
  ThreeAxes no_clock = t;
  no_clock.ts.clear();  // 20 Hz assumed, peaks undefined
  ExpectKernelMatches(no_clock.View(0, 200), "no clock");
  std::fill(t.ts.begin(), t.ts.end(), int64_t{5});
  ExpectKernelMatches(t.View(0, 200), "constant clock");
  ThreeAxes flat = RandomReadings(200, 7, false);
  std::fill(flat.x.begin(), flat.x.end(), 0.0);  // cosine 0/0 and correlation undefined
  ExpectKernelMatches(flat.View(0, 200), "zero axis");
}

TEST(ThreeAxisKernel, LeavesNonFiniteHugeAndLongWindowsToTheScalarPath) {
  ThreeAxes t = RandomReadings(257, 3, true);
  Attributes untouched{};
  untouched.fill(-1.0);
  Attributes out = untouched;
  EXPECT_FALSE(internal::CorrectedAttributesThreeAxes(t.View(0, 257), &out)) << "257 readings";
  for (double bad : {std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity(), -1e151}) {
    ThreeAxes b = RandomReadings(200, 4, true);
    b.y[17] = bad;
    EXPECT_FALSE(internal::CorrectedAttributesThreeAxes(b.View(0, 200), &out)) << bad;
    // The scalar path answers instead, as it did before the kernel.
    ExpectSameBits(ComputeAttributes(b.View(0, 200), FeatureMode::kCorrected),
                   ScalarAttributes(b.View(0, 200)), "bad reading");
  }
  ExpectSameBits(out, untouched, "a refused window's output");
}

// Every corrected window of a real raw file (subject 1602, phone accel): the kernel and the
// scalar path agree on all of them.
TEST(ThreeAxisKernel, MatchesOnEveryWindowOfARealFile) {
  if (!KernelRunsHere()) GTEST_SKIP() << "this CPU has no AVX2: only the scalar path runs here";
  const std::string path =
      testing::SharedDir() + "/wisdm/real-sample/raw/phone/accel/data_1602_accel_phone.txt";
  std::ifstream raw(path);
  SENSORLAKE_REQUIRE_COMPONENT("real-sample", static_cast<bool>(raw),
                               "looked for " + path +
                                   "; put the shared material beside the "
                                   "checkout (../shared) or set " +
                                   testing::kSharedEnv);
  ThreeAxes t;
  std::vector<int8_t> act;
  std::string line;
  while (std::getline(raw, line)) {
    std::stringstream ss(line);
    std::string subject, code, ts, x, y, z;
    std::getline(ss, subject, ','), std::getline(ss, code, ','), std::getline(ss, ts, ',');
    std::getline(ss, x, ','), std::getline(ss, y, ','), std::getline(ss, z, ';');
    // As the curated zone holds them: float32 readings, the device clock in ns.
    t.x.push_back(std::stof(x)), t.y.push_back(std::stof(y)), t.z.push_back(std::stof(z));
    t.ts.push_back(std::stoll(ts));
    act.push_back(static_cast<int8_t>(wisdm::ActivityIndex(code[0])));
  }
  std::vector<int32_t> block(act.size(), 0);
  auto windows = CutWindows(act, block, FeatureMode::kCorrected);
  ASSERT_GT(windows.size(), 50u);  // 71 in the sample
  for (const WindowSpan& w : windows) {
    auto b = static_cast<size_t>(w.begin), n = static_cast<size_t>(w.end - w.begin);
    ExpectKernelMatches(t.View(b, n), "window at " + std::to_string(b));
    if (HasFailure()) break;
  }
}

}  // namespace
}  // namespace sensorlake::features
