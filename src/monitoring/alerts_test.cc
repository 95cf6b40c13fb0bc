#include "sensorlake/monitoring/alerts.h"

#include <gtest/gtest.h>

#include "monitoring/test_records.h"
#include "testing/http_test_server.h"
#include "testing/temp_dir.h"

namespace sensorlake::monitoring {
namespace {

using testing::MakeRecord;

std::vector<zones::RunRecord> History(int32_t n) {
  std::vector<zones::RunRecord> h;
  for (int32_t i = 0; i < n; ++i) {
    h.push_back(MakeRecord(fmt::format("r-{:02}", i), 100 + (i % 3) * 5, 1000 + (i % 2) * 10));
  }
  return h;
}

bool Has(const std::vector<Alert>& alerts, std::string_view rule) {
  for (const auto& a : alerts) {
    if (a.rule == rule) return true;
  }
  return false;
}

TEST(AlertsTest, EwmaBandFollowsTheSeries) {
  Band b = EwmaBand({10, 10, 10, 10}, 0.3);
  EXPECT_DOUBLE_EQ(b.mean, 10);
  EXPECT_DOUBLE_EQ(b.sd, 0);
  b = EwmaBand({10, 20}, 0.5);
  EXPECT_DOUBLE_EQ(b.mean, 15);
  EXPECT_DOUBLE_EQ(b.sd, 5);  // (1-a)(0 + 10*5) = 25
}

TEST(AlertsTest, InBandRunRaisesNothing) {
  AlertConfig c;
  auto alerts = EvaluateAlerts(MakeRecord("r-99", 106, 1004), History(8), c);
  EXPECT_TRUE(alerts.empty()) << alerts.front().message;
}

TEST(AlertsTest, SlowRunAndMissingRowsAreAnomalies) {
  AlertConfig c;
  auto alerts = EvaluateAlerts(MakeRecord("r-99", 300, 500), History(8), c);
  EXPECT_TRUE(Has(alerts, "anomaly_duration"));
  EXPECT_TRUE(Has(alerts, "anomaly_rows"));
}

TEST(AlertsTest, NoAnomalyBeforeTheMinimumHistory) {
  AlertConfig c;
  c.min_history = 5;
  EXPECT_TRUE(EvaluateAlerts(MakeRecord("r-99", 300, 500), History(4), c).empty());
  // Other inputs and failed runs are not history.
  auto other = History(8);
  for (auto& r : other) r.input_key = "k2";
  EXPECT_TRUE(EvaluateAlerts(MakeRecord("r-99", 300, 500), other, c).empty());
}

TEST(AlertsTest, FailureGateAndQuarantineRules) {
  AlertConfig c;
  auto failed = MakeRecord("r-99", 10, 1000, 0, "failed");
  EXPECT_TRUE(Has(EvaluateAlerts(failed, {}, c), "pipeline_failed"));
  failed.gate_failed = true;
  auto gate = EvaluateAlerts(failed, {}, c);
  EXPECT_TRUE(Has(gate, "quality_gate_failed"));
  EXPECT_FALSE(Has(gate, "pipeline_failed"));
  EXPECT_TRUE(Has(EvaluateAlerts(MakeRecord("r-99", 10, 900, 100), {}, c), "quarantine_rate"));
  EXPECT_FALSE(Has(EvaluateAlerts(MakeRecord("r-99", 10, 990, 10), {}, c), "quarantine_rate"));
}

TEST(AlertsTest, ConfigFileErrorsNameFileAndLine) {
  sensorlake::testing::TempDir dir;
  auto path = dir.path() / "alerts.toml";
  sensorlake::testing::WriteFile(path, "[alerts]\nzscore_k = 2.5\nmin_history = 7\n");
  auto c = LoadAlertConfig(path.string());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->zscore_k, 2.5);
  EXPECT_EQ(c->min_history, 7);
  sensorlake::testing::WriteFile(path, "[alerts]\nzscore_k = 2.5\nthreshold = 1\n");
  auto bad = LoadAlertConfig(path.string());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("alerts.toml:3: unknown key 'threshold'"),
            std::string::npos)
      << bad.status().message();
  sensorlake::testing::WriteFile(path, "[alerts]\nzscore_k = \"high\"\n");
  EXPECT_NE(LoadAlertConfig(path.string()).status().message().find(":2:"), std::string::npos);
}

TEST(AlertsTest, WebhookIsRetriedAfterAServerError) {
  sensorlake::testing::HttpTestServerOptions so;
  so.path = "/hook";
  so.body = "ok";
  so.fail_status = 503;
  so.fail_requests = 1;
  sensorlake::testing::HttpTestServer server(so);
  AlertConfig c;
  c.webhook_url = server.url();
  auto payload =
      AlertPayload(MakeRecord("r-1", 1, 1), {{"pipeline_failed", "critical", "x"}}, "file:///lake");
  auto d = DeliverAlerts(payload, c);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(d[0]["ok"].get<bool>()) << d.dump();
  EXPECT_EQ(d[0]["attempts"], 2);
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.requests()[1].method, "POST");
}

TEST(AlertsTest, UnreachableTargetsAreReportedNotThrown) {
  AlertConfig c;
  c.webhook_url = "http://127.0.0.1:1/hook";
  c.attempts = 2;
  c.sns_topic_arn = "not-an-arn";
  auto d = DeliverAlerts(AlertPayload(MakeRecord("r-1", 1, 1), {}, "file:///l"), c);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_FALSE(d[0]["ok"].get<bool>());
  EXPECT_NE(d[0]["error"].get<std::string>().find("127.0.0.1:1"), std::string::npos);
  EXPECT_NE(d[1]["error"].get<std::string>().find("not an SNS topic ARN"), std::string::npos);
}

}  // namespace
}  // namespace sensorlake::monitoring
