#include "sensorlake/monitoring/run_history.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "monitoring/test_records.h"
#include "testing/temp_dir.h"

namespace sensorlake::monitoring {
namespace {

TEST(RunHistoryTest, ListsOldestFirstAndShowsNewestFirst) {
  sensorlake::testing::TempDir dir;
  auto lake = std::move(storage::Lake::Open(dir.str())).ValueOrDie();
  EXPECT_TRUE(LoadRuns(*lake)->empty());
  for (const char* id : {"r-20260102T000000000Z", "r-20260101T000000000Z"}) {
    auto r = testing::MakeRecord(id, 12.5, 777);
    ASSERT_TRUE(lake->WriteAtomic(r.Path(), r.ToJson().dump()).ok());
  }
  auto runs = LoadRuns(*lake);
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].run_id, "r-20260101T000000000Z");
  std::string table = RunsTable(*runs, 1);
  EXPECT_NE(table.find("r-20260102T000000000Z"), std::string::npos);
  EXPECT_EQ(table.find("r-20260101T000000000Z"), std::string::npos);
  EXPECT_NE(table.find("777"), std::string::npos);
  EXPECT_NE(table.find("passed (1 warn)"), std::string::npos);
  EXPECT_EQ(RunsJson(*runs, 0)["runs"].size(), 2u);
  EXPECT_EQ(RunsJson(*runs, 0)["runs"][0]["started_by"], "sensorlake run");
}

TEST(RunHistoryTest, ARunAnOrchestratorStartedNamesItAndKeepsTheTableAligned) {
  auto dag = testing::MakeRecord("r-20260103T000000000Z-5b1e2c7a", 11, 777);
  dag.orchestrator = {
      {"name", "airflow"}, {"dag_id", "sensorlake_wisdm"}, {"run_id", "manual__2026-01-03"}};
  auto cli = testing::MakeRecord("r-20260102T000000000Z", 12.5, 777);
  EXPECT_EQ(StartedBy(dag), "airflow sensorlake_wisdm manual__2026-01-03");
  EXPECT_EQ(StartedBy(cli), "sensorlake run");
  std::string table = RunsTable({cli, dag}, 0);
  std::vector<size_t> start_columns;
  for (size_t at = 0, end; (end = table.find('\n', at)) != std::string::npos; at = end + 1) {
    std::string line = table.substr(at, end - at);
    if (line.starts_with("r-")) start_columns.push_back(line.find("2026-11-25"));
  }
  ASSERT_EQ(start_columns.size(), 2u);
  EXPECT_EQ(start_columns[0], start_columns[1]) << table;
  EXPECT_NE(RunDetails(dag).find("started by airflow sensorlake_wisdm"), std::string::npos);
}

TEST(RunHistoryTest, UnknownAndCorruptRunsAreClearErrors) {
  sensorlake::testing::TempDir dir;
  auto lake = std::move(storage::Lake::Open(dir.str())).ValueOrDie();
  auto missing = LoadRun(*lake, "r-nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("r-nope"), std::string::npos);
  ASSERT_TRUE(lake->WriteAtomic("_runs/r-cut.json", "{\"run_id\": ").ok());
  auto cut = LoadRuns(*lake);
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.status().message().find("r-cut.json"), std::string::npos);
}

TEST(RunHistoryTest, DetailsShowStagesAlertsAndLineage) {
  auto r = testing::MakeRecord("r-1", 10, 950, 50);
  r.monitoring = {{"alerts",
                   {{"fired", {{{"rule", "quarantine_rate"}, {"message", "5%"}}}},
                    {"deliveries", {{{"target", "webhook"}, {"ok", false}, {"error", "boom"}}}}}},
                  {"lineage", {{"events", 12}, {"failed", 0}}}};
  std::string text = RunDetails(r);
  EXPECT_NE(text.find("transform"), std::string::npos);
  EXPECT_NE(text.find("alert: quarantine_rate"), std::string::npos);
  EXPECT_NE(text.find("FAILED: boom"), std::string::npos);
  EXPECT_NE(text.find("lineage events: 12 sent"), std::string::npos);
}

}  // namespace
}  // namespace sensorlake::monitoring
