// API tests: a real server on 127.0.0.1 (ephemeral port) over a lake filled by a real
// pipeline run at scale 0.01 (through the built CLI, so the test needs no layer above serve),
// queried with httplib's client.
#include "sensorlake/serve/server.h"

#include <httplib.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "serve/routes.h"
#include "testing/temp_dir.h"

namespace sensorlake::serve {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ServeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    lake_path_ = (dir_->path() / "lake").string();
    // Without an Iceberg catalog: the C++ suite does not depend on the Python one
    // (tests/e2e/test_tables.py covers the tables, web/e2e the snapshot in the runs page).
    const std::string run = testing::SensorlakeBinary() + " run --lake " + lake_path_ +
                            " --catalog none --generate-scale 0.01 --work-dir " +
                            (dir_->path() / "work").string() + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(run.c_str()), 0) << run;
    fs::create_directories(dir_->path() / "assets");
    testing::WriteFile(dir_->path() / "assets" / "index.html", "<html>sensorlake</html>");
    testing::WriteFile(dir_->path() / "assets" / "duckdb-eh.wasm", std::string("\0asm", 4));
    testing::WriteFile(dir_->path() / "secret.txt", "outside the assets");
    ServeOptions so{lake_path_, "127.0.0.1", 0, (dir_->path() / "assets").string()};
    auto server = WebServer::Create(so);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = server->release();
    auto port = server_->Bind();
    ASSERT_TRUE(port.ok());
    port_ = *port;
    thread_ = new std::thread([] { (void)server_->Listen(); });
  }
  static void TearDownTestSuite() {
    server_->Stop();
    thread_->join();
    delete thread_;
    delete server_;
    delete dir_;
  }
  static httplib::Result Get(const std::string& path, const httplib::Headers& h = {}) {
    httplib::Client c("127.0.0.1", port_);
    return c.Get(path, h);
  }
  static json GetJson(const std::string& path) {
    auto r = Get(path);
    EXPECT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path << ": " << r->body;
    return json::parse(r->body);
  }
  static std::string PublishedPart(const std::string& rel) {
    return (fs::path(lake_path_) / "curated/published/sensor_readings" / rel).string();
  }

  static inline testing::TempDir* dir_ = nullptr;
  static inline std::string lake_path_;
  static inline WebServer* server_ = nullptr;
  static inline std::thread* thread_ = nullptr;
  static inline int32_t port_ = 0;
};

TEST_F(ServeTest, RunsListTheRunWithRowsAndQualityOutcome) {
  json runs = GetJson("/api/runs")["runs"];
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["outcome"], "succeeded");
  EXPECT_GT(runs[0]["rows"].get<int64_t>(), 100000);
  EXPECT_TRUE(runs[0]["quality"]["success"].get<bool>());
  std::string id = runs[0]["run_id"];
  json detail = GetJson("/api/runs/" + id);
  EXPECT_EQ(detail["record"]["stages"].size(), 5u);
  EXPECT_EQ(detail["quality"]["run_id"], runs[0]["quality"]["run_id"]);
  EXPECT_EQ(detail["lineage"]["edges"].size(), 5u);
  auto report = Get("/api/quality/" + runs[0]["quality"]["run_id"].get<std::string>() + "/report");
  EXPECT_EQ(report->status, 200);
  EXPECT_NE(report->body.find("<html"), std::string::npos);
}

TEST_F(ServeTest, MetricsExposeTheLatestRunForPrometheus) {
  auto r = Get("/metrics");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);
  json runs = GetJson("/api/runs")["runs"];
  // The same counts the run record holds, under the documented names.
  EXPECT_NE(r->body.find("# TYPE sensorlake_transform_rows gauge"), std::string::npos) << r->body;
  EXPECT_NE(
      r->body.find(fmt::format("\nsensorlake_transform_rows {}\n", runs[0]["rows"].get<int64_t>())),
      std::string::npos)
      << r->body;
  EXPECT_NE(r->body.find("le=\"+Inf\""), std::string::npos);
}

TEST_F(ServeTest, DatasetCountsAddUpToTheRunsRows) {
  json runs = GetJson("/api/runs")["runs"];
  json d = GetJson("/api/dataset");
  ASSERT_EQ(d["folders"].size(), 4u);
  int64_t total = 0;
  for (const auto& f : d["folders"]) {
    ASSERT_EQ(f["rows"].size(), 51u);
    for (const auto& s : f["rows"])
      for (const auto& n : s) total += n.get<int64_t>();
  }
  EXPECT_EQ(total, runs[0]["rows"].get<int64_t>());
  double rate = d["folders"][0]["rate_hz"][0][0];
  EXPECT_GT(rate, 15.0);  // generated data samples near 20 Hz
  EXPECT_LT(rate, 26.0);
  // The default rules flag the generator's fast phone streams (sampling_rate, warn).
  ASSERT_FALSE(d["flags"].empty());
  EXPECT_EQ(d["flags"][0]["check"], "sampling_rate");
  // result.json lists 200 of the check's failures: the page is told cells are missing.
  ASSERT_EQ(d["flags_truncated"].size(), 1u);
  EXPECT_EQ(d["flags_truncated"][0]["listed"].get<size_t>(), d["flags"].size());
  EXPECT_GT(d["flags_truncated"][0]["failing"].get<int64_t>(), 200);
}

TEST_F(ServeTest, SignalReadsOneRowGroupAndDecimatesToTheWidth) {
  json d = GetJson("/api/dataset");
  int64_t cell = d["folders"][0]["rows"][3][0];  // phone/accel, subject 1603, walking
  json full = GetJson("/api/signal?device=phone&sensor=accel&subject=1603&activity=A&width=8192");
  EXPECT_EQ(full["rows_in_window"].get<int64_t>(), cell);
  EXPECT_FALSE(full["decimated"].get<bool>());
  EXPECT_EQ(full["row_groups_read"], 1);
  EXPECT_EQ(full["row_groups_total"], 1);  // the subject's own part: one file per raw file
  json small = GetJson("/api/signal?device=phone&sensor=accel&subject=1603&activity=A&width=16");
  EXPECT_TRUE(small["decimated"].get<bool>());
  for (const char* axis : {"x", "y", "z"}) {
    const auto& fv = full["axes"][axis]["v"];
    const auto& sv = small["axes"][axis]["v"];
    ASSERT_FALSE(sv.empty()) << axis;
    EXPECT_LE(sv.size(), 32u);
    EXPECT_LT(sv.size(), fv.size());
    // Min/max decimation keeps the extremes.
    EXPECT_EQ(*std::max_element(fv.begin(), fv.end()), *std::max_element(sv.begin(), sv.end()));
    EXPECT_EQ(*std::min_element(fv.begin(), fv.end()), *std::min_element(sv.begin(), sv.end()));
  }
  // A window: only its readings.
  int64_t first = full["first_ns"];
  json win =
      GetJson(fmt::format("/api/signal?device=phone&sensor=accel&subject=1603&activity=A"
                          "&width=8192&from_ns={}&to_ns={}",
                          first, first + 2'000'000'000));
  EXPECT_LT(win["rows_in_window"].get<int64_t>(), cell);
  EXPECT_LE(win["axes"]["x"]["t_ms"].back().get<double>(), 2000.0);
  EXPECT_NE(Get("/api/signal?width=50")->get_header_value("Server-Timing").find("app;dur="),
            std::string::npos);
}

TEST_F(ServeTest, BadParametersGet400WithTheParameterNamed) {
  for (auto [query, word] : std::vector<std::pair<std::string, std::string>>{
           {"device=tablet&sensor=accel&subject=1600&activity=A", "device"},
           {"device=phone&sensor=accel&subject=99&activity=A", "subject"},
           {"device=phone&sensor=accel&subject=16x0&activity=A", "subject"},
           {"device=phone&sensor=accel&subject=1600&activity=N", "activity"},
           {"device=phone&sensor=accel&subject=1600&activity=A&width=1", "width"},
           {"device=phone&sensor=accel&subject=1600&activity=A&from_ns=5&to_ns=1", "from_ns"}}) {
    auto r = Get("/api/signal?" + query);
    EXPECT_EQ(r->status, 400) << query;
    EXPECT_NE(json::parse(r->body)["error"].get<std::string>().find(word), std::string::npos)
        << r->body;
  }
  EXPECT_EQ(Get("/api/runs/r-none")->status, 404);
  EXPECT_EQ(Get("/api/runs/r%20x")->status, 400);
  EXPECT_EQ(Get("/api/runs/..%2f..%2fetc")->status, 404);
  EXPECT_EQ(Get("/api/nothing")->status, 404);
  httplib::Client c("127.0.0.1", port_);
  EXPECT_EQ(c.Post("/api/runs", "{}", "application/json")->status, 405);
  EXPECT_EQ(c.Delete("/data/device=phone/sensor=accel/part-01600.parquet")->status, 405);
}

TEST_F(ServeTest, DataFilesAnswerRangeRequests) {
  json files = GetJson("/api/files")["files"];
  ASSERT_EQ(files.size(), 4u * 51u);  // one part per raw file: 4 folders of 51 subjects
  std::string rel = files[0]["path"];
  std::string content = testing::ReadFile(PublishedPart(rel));
  auto whole = Get("/data/" + rel);
  EXPECT_EQ(whole->status, 200);
  EXPECT_EQ(whole->body, content);
  EXPECT_EQ(whole->get_header_value("Accept-Ranges"), "bytes");
  auto part = Get("/data/" + rel, {{"Range", "bytes=4-103"}});
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->body, content.substr(4, 100));
  EXPECT_EQ(part->get_header_value("Content-Length"), "100");
  EXPECT_EQ(part->get_header_value("Content-Range"), fmt::format("bytes 4-103/{}", content.size()));
  auto tail = Get("/data/" + rel, {{"Range", "bytes=-8"}});
  EXPECT_EQ(tail->status, 206);
  EXPECT_EQ(tail->body, content.substr(content.size() - 8));
  EXPECT_EQ(Get("/data/" + rel, {{"Range", fmt::format("bytes={}-", content.size() + 10)}})->status,
            416);
}

TEST_F(ServeTest, NoPathOutsideThePublishedDatasetIsServed) {
  for (std::string path :
       {"/data/../_runs", "/data/..%2f..%2f_published.json",
        "/data/%2e%2e/%2e%2e/%2e%2e/_published.json",
        "/data/device=phone/../../../../../etc/passwd", "/data//etc/passwd",
        "/data/device=phone%2fsensor=accel%2f..%2f..%2f..%2f_published.json",
        "/data/%252e%252e/_published.json", "/data/_manifest.json",
        "/data/device=phone\\..\\..\\_published.json", "/../secret.txt", "/%2e%2e/secret.txt",
        "/data/device=phone/sensor=accel/part-01600.parquet%00"}) {
    auto r = Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_TRUE(r->status == 400 || r->status == 403 || r->status == 404)
        << path << " " << r->status;
    EXPECT_EQ(r->body.find("curated_version"), std::string::npos) << path;
    EXPECT_EQ(r->body.find("outside the assets"), std::string::npos) << path;
  }
}

TEST_F(ServeTest, ASymlinkLeavingTheLakeIsRefused) {
  // Another lake whose published part is a symlink to a copy outside it.
  fs::path other = dir_->path() / "other-lake";
  fs::copy(lake_path_, other, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  fs::path part =
      other / "curated/published/sensor_readings/device=phone/sensor=accel/part-01600.parquet";
  fs::path outside = dir_->path() / "outside.parquet";
  fs::rename(fs::canonical(part), outside);
  fs::create_symlink(outside, fs::canonical(part.parent_path()) / "part-01600.parquet");
  LakeApi api(std::move(storage::Lake::Open(other.string())).ValueOrDie());
  auto r = api.DataFile("device=phone/sensor=accel/part-01600.parquet");
  EXPECT_EQ(r.status().code(), StatusCode::kRefused) << r.status().ToString();
  EXPECT_TRUE(api.DataFile("device=phone/sensor=gyro/part-01600.parquet").ok());
}

TEST_F(ServeTest, AFailedRunAndADamagedRecordAreShownAsSuch) {
  fs::path other = dir_->path() / "runs-lake";
  fs::create_directories(other / "_runs");
  testing::WriteFile(other / "_runs/r-20260101T000000000Z.json", R"({
    "run_id": "r-20260101T000000000Z", "outcome": "failed", "failed_stage": "check",
    "gate_failed": true, "error": "quality gate failed: scaled_values", "seconds": 2.5,
    "versions": {"raw": "wisdm-1", "curated": "c-1", "quality_run": "q-1"},
    "input": {"source": "/data/wisdm.zip"},
    "stages": [{"stage": "transform", "status": "completed", "summary": {"folders": [{"rows": 7}, {"rows": 5}]}},
               {"stage": "check", "status": "failed", "summary": {"success": false, "counts": {"error": 1}}}]})");
  testing::WriteFile(other / "_runs/r-20260102T000000000Z.json", "{ not json");
  LakeApi api(std::move(storage::Lake::Open(other.string())).ValueOrDie());
  auto runs = api.Runs();
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ((*runs)["runs"].size(), 1u);
  const json& r = (*runs)["runs"][0];
  EXPECT_EQ(r["outcome"], "failed");
  EXPECT_EQ(r["failed_stage"], "check");
  EXPECT_EQ(r["rows"], 12);
  EXPECT_FALSE(r["quality"]["success"].get<bool>());
  ASSERT_EQ((*runs)["unreadable"].size(), 1u);
  EXPECT_EQ((*runs)["unreadable"][0]["file"], "r-20260102T000000000Z.json");
  auto detail = api.Run("r-20260101T000000000Z");
  ASSERT_TRUE(detail.ok());
  // Lineage stops where the run stopped: no features, nothing published.
  EXPECT_EQ((*detail)["lineage"]["edges"].size(), 3u);
  EXPECT_FALSE(detail->contains("quality"));                        // q-1 is not in this lake
  EXPECT_EQ(api.Dataset().status().code(), StatusCode::kNotFound);  // nothing transformed here
}

TEST_F(ServeTest, AssetsAreServedWithTheirMimeTypes) {
  auto index = Get("/");
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->body, "<html>sensorlake</html>");
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(index->get_header_value("Cache-Control"), "no-cache");
  auto wasm = Get("/duckdb-eh.wasm");
  EXPECT_EQ(wasm->get_header_value("Content-Type"), "application/wasm");
  EXPECT_EQ(wasm->body.size(), 4u);
}

TEST(WebServer, RefusesAMissingLakeWithoutCreatingIt) {
  testing::TempDir dir;
  std::string missing = (dir.path() / "no-lake").string();
  auto server = WebServer::Create(ServeOptions{missing, "127.0.0.1", 0, ""});
  EXPECT_EQ(server.status().code(), StatusCode::kNotFound);
  EXPECT_NE(server.status().message().find(missing), std::string::npos);
  EXPECT_FALSE(fs::exists(missing));
}

TEST(DecimateMinMax, KeepsEveryExtremeInTimeOrder) {
  std::vector<int64_t> t;
  std::vector<float> v;
  for (int32_t i = 0; i < 1000; ++i) {
    t.push_back(i * 50'000'000ll);
    v.push_back(i == 517 ? 40.0f : static_cast<float>(i % 7));
  }
  AxisSeries s = DecimateMinMax(t, v, 0, 0, t.back(), 20);
  EXPECT_LE(s.v.size(), 40u);
  EXPECT_EQ(*std::max_element(s.v.begin(), s.v.end()), 40.0f);
  EXPECT_TRUE(std::is_sorted(s.t_ms.begin(), s.t_ms.end()));
  AxisSeries all = DecimateMinMax(t, v, 0, 0, t.back(), 600);
  EXPECT_EQ(all.v.size(), 1000u);  // fewer than 2 x width readings come back unchanged
}

TEST(CheckDataPath, RefusesWhatCouldLeaveTheDataset) {
  EXPECT_TRUE(CheckDataPath("device=phone/sensor=accel/part-01600.parquet").ok());
  for (const char* bad : {"", "/etc/passwd", "a/../b", "./a", "a//b", "a/%2e%2e", "a\\b", "a b"}) {
    EXPECT_EQ(CheckDataPath(bad).code(), StatusCode::kRefused) << bad;
  }
}

}  // namespace
}  // namespace sensorlake::serve
