#include "sensorlake/monitoring/prometheus.h"

#include <gtest/gtest.h>

#include "monitoring/test_records.h"
#include "testing/temp_dir.h"

namespace sensorlake::monitoring {
namespace {

TEST(PrometheusTest, LatestRunGaugesAndHistory) {
  std::vector<zones::RunRecord> runs = {testing::MakeRecord("r-1", 3, 100),
                                        testing::MakeRecord("r-2", 20, 200, 0, "failed"),
                                        testing::MakeRecord("r-3", 4000, 300, 0, "running")};
  std::string text = RenderPrometheusRuns(runs);
  // The latest *finished* run is r-2.
  EXPECT_NE(text.find("sensorlake_last_run_info{outcome=\"failed\",run_id=\"r-2\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("sensorlake_transform_rows 200\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE sensorlake_runs_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("sensorlake_runs_total{outcome=\"running\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("sensorlake_run_duration_history_seconds_bucket{le=\"5\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("sensorlake_run_duration_history_seconds_bucket{le=\"60\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("sensorlake_run_duration_history_seconds_bucket{le=\"+Inf\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("sensorlake_run_duration_history_seconds_sum 23\n"), std::string::npos);
}

TEST(PrometheusTest, EmptyHistoryStillValid) {
  std::string text = RenderPrometheusRuns({});
  EXPECT_EQ(text.find("sensorlake_last_run_info"), std::string::npos);
  EXPECT_NE(text.find("sensorlake_run_duration_history_seconds_count 0\n"), std::string::npos);
}

TEST(PrometheusTest, WriteFileAtomicReplacesTheFile) {
  sensorlake::testing::TempDir dir;
  std::string path = (dir.path() / "sensorlake.prom").string();
  ASSERT_TRUE(WriteFileAtomic(path, "a 1\n").ok());
  ASSERT_TRUE(WriteFileAtomic(path, "a 2\n").ok());
  EXPECT_EQ(sensorlake::testing::ReadFile(path), "a 2\n");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
  Status st = WriteFileAtomic((dir.path() / "missing" / "x.prom").string(), "a 1\n");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("missing"), std::string::npos);
}

}  // namespace
}  // namespace sensorlake::monitoring
