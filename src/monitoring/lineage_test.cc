#include "sensorlake/monitoring/lineage.h"

#include <regex>

#include <gtest/gtest.h>

namespace sensorlake::monitoring {
namespace {

const std::regex kUuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

TEST(LineageTest, UuidsAreWellFormed) {
  EXPECT_TRUE(std::regex_match(RandomUuid(), kUuid));
  EXPECT_NE(RandomUuid(), RandomUuid());
  EXPECT_TRUE(std::regex_match(RunUuid("r-1"), kUuid));
  EXPECT_EQ(RunUuid("r-1"), RunUuid("r-1"));
  EXPECT_NE(RunUuid("r-1"), RunUuid("r-2"));
}

TEST(LineageTest, StageEventHasParentDatasetsAndSchema) {
  DatasetRef out{"file:///lake",
                 "curated/_versions/c-1/sensor_readings",
                 {{{"name", "x"}, {"type", "float"}}}};
  auto e = RunEvent("COMPLETE", "2026-01-01T00:00:00.000Z", "sensorlake.run.transform", "u-1",
                    "sensorlake.run", "u-0", {{"file:///lake", "raw/wisdm/v1"}}, {out}, "");
  EXPECT_EQ(e["eventType"], "COMPLETE");
  EXPECT_EQ(e["run"]["facets"]["parent"]["run"]["runId"], "u-0");
  EXPECT_EQ(e["run"]["facets"]["parent"]["job"]["name"], "sensorlake.run");
  EXPECT_EQ(e["inputs"][0]["name"], "raw/wisdm/v1");
  EXPECT_FALSE(e["inputs"][0].contains("facets"));
  EXPECT_EQ(e["outputs"][0]["facets"]["schema"]["fields"][0]["type"], "float");
  EXPECT_FALSE(e["run"]["facets"].contains("errorMessage"));
  auto fail = RunEvent("FAIL", "t", "j", "u", "", "", {}, {}, "disk full");
  EXPECT_EQ(fail["run"]["facets"]["errorMessage"]["message"], "disk full");
  EXPECT_FALSE(fail["run"]["facets"].contains("parent"));
}

TEST(LineageTest, DatasetNamesFollowOpenLineageNaming) {
  auto name = [](std::string_view location) {
    DatasetRef d = DatasetName(location);
    return d.namespace_ + " " + d.name;
  };
  EXPECT_EQ(name("s3://lake-bucket/lake/curated"), "s3://lake-bucket lake/curated");
  EXPECT_EQ(name("s3://lake-bucket/lake?endpoint_override=127.0.0.1:9000&scheme=http"),
            "s3://lake-bucket lake");
  EXPECT_EQ(name("s3://lake-bucket"), "s3://lake-bucket /");
  EXPECT_EQ(name("file:///srv/lake/"), "file /srv/lake");
  EXPECT_EQ(name("/data/wisdm-dataset.zip"), "file /data/wisdm-dataset.zip");
  EXPECT_EQ(name("https://archive.ics.uci.edu/static/wisdm.zip"),
            "https://archive.ics.uci.edu static/wisdm.zip");
}

TEST(LineageTest, ALineageParentIsTheProvidersNamespaceJobAndRun) {
  auto p = ParseLineageParent(
      "airflow/prod/sensorlake_wisdm.local.transform/01937a1e-2b7c-7f00-8a1b-0c2d3e4f5a6b");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p)["namespace"], "airflow/prod");  // a namespace may hold '/'
  EXPECT_EQ((*p)["name"], "sensorlake_wisdm.local.transform");
  EXPECT_EQ((*p)["run_id"], "01937a1e-2b7c-7f00-8a1b-0c2d3e4f5a6b");
  for (const char* bad :
       {"", "default", "default/job", "default//01937a1e-2b7c-7f00-8a1b-0c2d3e4f5a6b",
        "/job/01937a1e-2b7c-7f00-8a1b-0c2d3e4f5a6b", "default/job/not-a-uuid"}) {
    auto r = ParseLineageParent(bad);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalid) << bad;
  }
  EXPECT_NE(ParseLineageParent("default/job/x").status().message().find("lineage_parent_id"),
            std::string::npos);
}

}  // namespace
}  // namespace sensorlake::monitoring
