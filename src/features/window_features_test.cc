#include "sensorlake/features/window_features.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include <gtest/gtest.h>

#include "features/arff.h"
#include "features/windowing.h"
#include "sensorlake/wisdm/float_text.h"
#include "sensorlake/wisdm/schema.h"
#include "testing/opt_out.h"
#include "testing/temp_dir.h"

namespace sensorlake::features {
namespace {

constexpr size_t kAvg = 30, kPeak = 33, kStdDev = 39, kVar = 42, kMfcc = 45, kCor = 87;

struct Axes {
  std::vector<double> x, y, z;
  std::vector<int64_t> ts;
  WindowValues View() const { return {x, y, z, ts}; }
};

Axes Constant(size_t n, double v) {
  Axes a{std::vector<double>(n, v), std::vector<double>(n, v), std::vector<double>(n, v), {}};
  for (size_t i = 0; i < n; ++i) a.ts.push_back(static_cast<int64_t>(i) * 50'000'000);
  return a;
}

TEST(FeatureNames, FollowThePublishedHeaderOrder) {
  const auto& n = AttributeNames();
  EXPECT_EQ(n[0], "X0");
  EXPECT_EQ(n[29], "Z9");
  EXPECT_EQ(n[kAvg], "XAVG");
  EXPECT_EQ(n[kPeak + 2], "ZPEAK");
  EXPECT_EQ(n[36], "XABSOLDEV");
  EXPECT_EQ(n[kStdDev], "XSTANDDEV");
  EXPECT_EQ(n[kVar + 1], "YVAR");
  EXPECT_EQ(n[kMfcc], "XMFCC0");
  EXPECT_EQ(n[kMfcc + 38], "ZMFCC12");
  EXPECT_EQ(n[84], "XYCOS");
  EXPECT_EQ(n[kCor + 2], "YZCOR");
  EXPECT_EQ(n[90], "RESULTANT");
}

TEST(FeatureBins, FixedWidthWithLeftEdgesIncluded) {
  Axes a = Constant(5, 0);
  a.x = {-2.5, 0.0, 17.5, -2.5000001, 2.4999};
  Attributes v = ComputeAttributes(a.View(), FeatureMode::kArffmagic);
  EXPECT_DOUBLE_EQ(v[0], 0.2);  // -2.5000001
  EXPECT_DOUBLE_EQ(v[1], 0.2);  // -2.5
  EXPECT_DOUBLE_EQ(v[2], 0.4);  // 0, 2.4999
  EXPECT_DOUBLE_EQ(v[9], 0.2);  // 17.5
}

TEST(FeatureSpread, ArffmagicStanddevIsSigmaOverRootNAndVarItsRoot) {
  Axes a = Constant(4, 1);
  a.x = {1, 3, 1, 3};  // mean 2, sigma 1
  Attributes compat = ComputeAttributes(a.View(), FeatureMode::kArffmagic);
  EXPECT_DOUBLE_EQ(compat[kStdDev], 0.5);
  EXPECT_DOUBLE_EQ(compat[kVar], std::sqrt(0.5));
  Attributes fixed = ComputeAttributes(a.View(), FeatureMode::kCorrected);
  EXPECT_DOUBLE_EQ(fixed[kStdDev], 1.0);
  EXPECT_DOUBLE_EQ(fixed[kVar], 1.0);
  EXPECT_DOUBLE_EQ(fixed[36], 1.0);  // ABSOLDEV is the same in both modes
  EXPECT_DOUBLE_EQ(compat[36], 1.0);
}

TEST(FeaturePeak, ArffmagicSkipsIndexNMinus2AndTheLastGap) {
  Axes a = Constant(10, 0);
  // Strict maxima at 0 (v0 > v1), 3, 6, 8 (= n-2, never tested) and 9 (last > previous).
  a.x = {5, 0, 1, 4, 1, 2, 6, 1, 7, 8};
  Attributes compat = ComputeAttributes(a.View(), FeatureMode::kArffmagic);
  // Peaks 0, 3, 6, 9: gaps 3 and 3 are kept, the last one dropped: 10 * 6 / 2.
  EXPECT_DOUBLE_EQ(compat[kPeak], 30.0);
  // Corrected: interior maxima 3, 6 (8 is not: 7 < 8) -> one gap of 3 readings at 50 ms.
  Attributes fixed = ComputeAttributes(a.View(), FeatureMode::kCorrected);
  EXPECT_DOUBLE_EQ(fixed[kPeak], 150.0);
}

TEST(FeaturePeak, TwoPeaksGiveNaNAsTheOriginalsZeroByZero) {
  Axes a = Constant(6, 0);
  a.x = {1, 0, 0, 2, 0, 0};  // peaks 0 and 3
  EXPECT_TRUE(std::isnan(ComputeAttributes(a.View(), FeatureMode::kArffmagic)[kPeak]));
}

TEST(FeatureMfcc, ArffmagicCoefficientsAreOneNumberTimesFixedFactors) {
  Axes a = Constant(200, 0);
  for (size_t i = 0; i < 200; ++i) {
    a.x[i] = std::sin(0.3 * static_cast<double>(i)) + 9.8;
    a.y[i] = std::cos(0.11 * static_cast<double>(i));
    a.z[i] = static_cast<double>(i % 7);
  }
  Attributes v = ComputeAttributes(a.View(), FeatureMode::kArffmagic);
  // Published factors a_m * cos(m pi / 96) (spec 4.7 h).
  const double factors[] = {0.144337569, 0.204014858, 0.203687103, 0.203141235, 0.202377838,
                            0.201397730, 0.200201960, 0.198791809, 0.197168787, 0.195334631,
                            0.193291306, 0.191041000, 0.188586123};
  double ln_s = v[kMfcc] / factors[0];
  for (size_t m = 0; m < 13; ++m) EXPECT_NEAR(v[kMfcc + m], ln_s * factors[m], 1e-8) << m;
}

TEST(FeatureCorrelation, ConstantAxisIsUndefined) {
  Axes a = Constant(10, 1);
  for (size_t i = 0; i < 10; ++i) a.x[i] = static_cast<double>(i);
  EXPECT_TRUE(std::isnan(ComputeAttributes(a.View(), FeatureMode::kArffmagic)[kCor]));
  EXPECT_TRUE(std::isnan(ComputeAttributes(a.View(), FeatureMode::kCorrected)[kCor]));
}

TEST(FeatureValue, ArffmagicReadsTheDecimalTextNotTheWidenedFloat) {
  EXPECT_EQ(ArffmagicValue(0.1f), 0.1);
  EXPECT_NE(static_cast<double>(0.1f), 0.1);
  EXPECT_EQ(ArffmagicValue(-7.4768066E-4f), -7.4768066E-4);
}

// 0.134765625 and 3.66015625 are float32 values halfway between two 8-digit decimals: the
// desktop JDK writes the even one, Android (which wrote the raw files arffmagic read) the
// one above in magnitude (FACTS.md: 0.13476563 vs 0.13476562).
TEST(FeatureValue, ArffmagicReadsTiesAsAndroidWroteThem) {
  EXPECT_EQ(wisdm::FormatJavaFloat(0.134765625f), "0.13476562");
  EXPECT_EQ(ArffmagicValue(0.134765625f), 0.13476563);
  EXPECT_EQ(ArffmagicValue(-0.134765625f), -0.13476563);
  EXPECT_EQ(ArffmagicValue(3.66015625f), 3.6601563);
  EXPECT_EQ(ArffmagicValue(1.20703125f), 1.2070313);
  // Not ties: the shortest text, whatever the writer.
  EXPECT_EQ(ArffmagicValue(8.793503f), 8.793503);
  EXPECT_EQ(ArffmagicValue(2.5f), 2.5);
  EXPECT_EQ(ArffmagicValue(1.0E7f), 1.0E7);
}

TEST(ArffFormat, NumbersAsCppStreamsPrintThem) {
  EXPECT_EQ(FormatArffNumber(0.08, FeatureMode::kArffmagic), "0.08");
  EXPECT_EQ(FormatArffNumber(10.732, FeatureMode::kArffmagic), "10.732");
  EXPECT_EQ(FormatArffNumber(0, FeatureMode::kArffmagic), "0");
  EXPECT_EQ(FormatArffNumber(-6.97365e-05, FeatureMode::kArffmagic), "-6.97365e-05");
  EXPECT_EQ(FormatArffNumber(std::nan(""), FeatureMode::kArffmagic), "-nan");
  EXPECT_EQ(FormatArffNumber(std::nan(""), FeatureMode::kCorrected), "?");
}

TEST(Windowing, ArffmagicRunsAcrossActivitiesAndLabelsWithTheNextReading) {
  std::vector<int8_t> act(650, 0);
  std::vector<int32_t> block(650, 0);
  for (size_t i = 390; i < 650; ++i) act[i] = 1, block[i] = 1;
  auto w = CutWindows(act, block, FeatureMode::kArffmagic);
  ASSERT_EQ(w.size(), 3u);  // 600..649 has no successor: dropped
  EXPECT_EQ(w[0].activity, 0);
  EXPECT_EQ(w[1].activity, 1);  // 200..399: 190 readings of A, labelled B
  EXPECT_EQ(w[1].begin, 200);
  EXPECT_EQ(w[2].end, 600);
  auto fixed = CutWindows(act, block, FeatureMode::kCorrected);
  ASSERT_EQ(fixed.size(), 2u);  // one in A (0..199), one in B (390..589)
  EXPECT_EQ(fixed[1].begin, 390);
  EXPECT_EQ(fixed[1].activity, 1);
}

// Parity on real data without the lake: the raw file of subject 1602 (phone accel) in the
// real sample starts with its original A, B and C blocks, so arffmagic's first 53 windows
// are the published ones (spec section 10).
TEST(ArffmagicParity, RealSample1602MatchesThePublishedRows) {
  const std::string root = testing::SharedDir() + "/wisdm/real-sample/";
  const std::string raw_path = root + "raw/phone/accel/data_1602_accel_phone.txt";
  const std::string arff_path = root + "arff_files/phone/accel/data_1602_accel_phone.arff";
  std::ifstream raw(raw_path);
  std::ifstream arff(arff_path);
  const char* env = std::getenv(testing::kSharedEnv);
  SENSORLAKE_REQUIRE_COMPONENT(
      "real-sample", raw && arff,
      "looked for " + raw_path + " and " + arff_path + " (" + testing::kSharedEnv + " is " +
          (env ? "\"" + std::string(env) + "\"" : std::string("not set")) +
          "); put the shared material beside the checkout (../shared) or set " +
          testing::kSharedEnv + " to the folder that holds wisdm/real-sample");
  Axes a;
  std::vector<int8_t> act;
  std::vector<int32_t> block;
  std::string line, prev;
  while (std::getline(raw, line)) {
    if (line == prev) continue;  // arffmagic skips an exact repeat of the line above
    prev = line;
    std::stringstream ss(line);
    std::string subject, code, ts, x, y, z;
    std::getline(ss, subject, ','), std::getline(ss, code, ','), std::getline(ss, ts, ',');
    std::getline(ss, x, ','), std::getline(ss, y, ','), std::getline(ss, z, ';');
    a.x.push_back(std::stod(x)), a.y.push_back(std::stod(y)), a.z.push_back(std::stod(z));
    act.push_back(static_cast<int8_t>(wisdm::ActivityIndex(code[0])));
    block.push_back(0);
  }
  std::vector<std::string> published;
  bool data = false;
  while (std::getline(arff, line)) {
    if (data && !line.empty()) published.push_back(line);
    data = data || line == "@data";
  }
  auto windows = CutWindows(act, block, FeatureMode::kArffmagic);
  ASSERT_GE(windows.size(), 53u);
  ASSERT_GE(published.size(), 53u);
  for (size_t i = 0; i < 53; ++i) {
    auto b = static_cast<size_t>(windows[i].begin);
    WindowValues v{std::span(a.x).subspan(b, 200),
                   std::span(a.y).subspan(b, 200),
                   std::span(a.z).subspan(b, 200),
                   {}};
    ArffRow row{wisdm::kActivityCodes[static_cast<size_t>(windows[i].activity)],
                ComputeAttributes(v, FeatureMode::kArffmagic)};
    std::string text = FormatArff(1602, {row}, FeatureMode::kArffmagic);
    text = text.substr(text.find("@data\n") + 6);
    EXPECT_EQ(text, published[i] + "\n") << "window " << i;
  }
}

}  // namespace
}  // namespace sensorlake::features
