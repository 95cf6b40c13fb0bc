#include "sensorlake/quality/quality.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "sensorlake/storage/lake_lock.h"
#include "testing/curated_zone.h"
#include "testing/temp_dir.h"

namespace sensorlake::quality {
namespace {

namespace fs = std::filesystem;

// Three subjects, phone accel and gyro, activities A and B of `n` readings at 20 Hz.
std::map<std::string, std::string> RawFiles(int32_t n, float accel_scale = 1.0f) {
  std::map<std::string, std::string> files;
  for (int32_t s = 1600; s < 1603; ++s) {
    for (int32_t f = 0; f < 2; ++f) {
      wisdm::RawFileName name{s, wisdm::kFolders[static_cast<size_t>(f)]};
      std::string content;
      for (int32_t i = 0; i < 2 * n; ++i) {
        double t = i * 0.31 + s;
        double x = std::sin(t), y = f == 0 ? 9.5 + std::cos(t) : 0.5 * std::cos(t),
               z = 0.01 * (i % 13);
        if (f == 0) x *= accel_scale, y *= accel_scale;
        content += fmt::format("{},{},{},{:.6f},{:.6f},{:.6f};\n", s, i < n ? 'A' : 'B',
                               7'000'000'123ll + i * 50'000'013ll, x, y, z);
      }
      files[name.RelativePath()] = content;
    }
  }
  return files;
}

class QualityRunTest : public ::testing::Test {
 protected:
  void SetUp() override { lake_ = std::move(storage::Lake::Open(dir_.str())).ValueOrDie(); }
  void LandAndTransform(const std::string& version, float accel_scale = 1.0f) {
    Status st = testing::LandAndTransform(*lake_, version, RawFiles(400, accel_scale));
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  Result<CheckSummary> Check(std::string baseline = "") {
    CheckOptions o;
    o.baseline_run = std::move(baseline);
    return RunQualityCheck(*lake_, o);
  }
  testing::TempDir dir_;
  std::unique_ptr<storage::Lake> lake_;
};

TEST_F(QualityRunTest, StoresResultReportBaselineAndPointers) {
  LandAndTransform("v1");
  auto s = Check();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->gate_passed);
  fs::path run = dir_.path() / "quality" / "runs" / s->run_id;
  for (const char* f : {"result.json", "report.html", "baseline.json"}) {
    EXPECT_TRUE(fs::exists(run / f)) << f;
  }
  auto result = nlohmann::json::parse(testing::ReadFile(run / "result.json"));
  EXPECT_EQ(result["success"], true);
  EXPECT_EQ(result["checks"].size(), DefaultQualityRules().rules.size());
  EXPECT_EQ(result["curated_version"], s->curated_version);
  auto latest = nlohmann::json::parse(testing::ReadFile(dir_.path() / "quality/_latest.json"));
  EXPECT_EQ(latest["run_id"], s->run_id);
  std::string html = testing::ReadFile(run / "report.html");
  EXPECT_NE(html.find("GATE PASSED"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos) << "the report must not load anything";
  // The one run, and no staging folder left beside it.
  std::vector<std::string> runs;
  for (const auto& e : fs::directory_iterator(dir_.path() / "quality" / "runs")) {
    runs.push_back(e.path().filename().string());
  }
  EXPECT_EQ(runs, std::vector<std::string>{s->run_id});
}

TEST_F(QualityRunTest, AFailingErrorRuleFailsTheGateAndDriftUsesTheBaseline) {
  LandAndTransform("v1");
  auto first = Check();
  ASSERT_TRUE(first.ok());
  LandAndTransform("v2", 1.0f / 9.80665f);  // the phone accel now in g: scaled and drifted
  auto second = Check("latest");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_FALSE(second->gate_passed);
  EXPECT_EQ(second->baseline_run, first->run_id);
  EXPECT_NE(second->run_id, first->run_id);
  std::map<std::string, std::string> outcome;
  for (const auto& r : second->results) outcome[r.rule] = r.Outcome();
  EXPECT_EQ(outcome["scaled_values"], "error");
  EXPECT_EQ(outcome["drift"], "warn");
  auto history = nlohmann::json::parse(testing::ReadFile(dir_.path() / "quality/_history.json"));
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[1]["gate_passed"], false);
}

TEST_F(QualityRunTest, NothingToCheckOrNoSuchBaselineIsNotFound) {
  EXPECT_EQ(Check().status().code(), StatusCode::kNotFound);
  LandAndTransform("v1");
  EXPECT_EQ(Check("q-19700101T000000Z").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Check("latest").status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(dir_.path() / "quality" / "_latest.json"));
}

TEST_F(QualityRunTest, ASecondCheckWhileOneRunsIsRefused) {
  LandAndTransform("v1");
  auto held = storage::LakeLock::Acquire(*lake_, "quality", "test");
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(Check().status().code(), StatusCode::kBusy);
}

TEST_F(QualityRunTest, ACorruptBaselineIsReportedNotTrusted) {
  LandAndTransform("v1");
  auto first = Check();
  ASSERT_TRUE(first.ok());
  std::ofstream(dir_.path() / "quality" / "runs" / first->run_id / "baseline.json") << "{not json";
  EXPECT_EQ(Check(first->run_id).status().code(), StatusCode::kCorrupt);
}

}  // namespace
}  // namespace sensorlake::quality
