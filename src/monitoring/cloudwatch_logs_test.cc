// PutEmfLogEvents against a loopback stand-in for CloudWatch Logs' JSON protocol: the two
// actions in order, the json/emf log format that makes CloudWatch extract the metrics, the
// signature, an existing stream reused, and the unhappy answers named. (The emulator test
// tests/airflow/test_production_path.py sends them to moto's CloudWatch Logs.)
#include "monitoring/cloudwatch_logs.h"

#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "testing/loopback_http_server.h"
#include "testing/scoped_env.h"

namespace sensorlake::monitoring {
namespace {

using sensorlake::testing::ScopedEnv;

struct Received {
  std::string target, format, authorization, token;
  nlohmann::json body;
};

class CloudWatchLogsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_.server().Post("/", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      received_.push_back(
          {req.get_header_value("X-Amz-Target"), req.get_header_value("x-amzn-logs-format"),
           req.get_header_value("Authorization"), req.get_header_value("X-Amz-Security-Token"),
           nlohmann::json::parse(req.body, nullptr, false)});
      const std::string& action = received_.back().target;
      if (action.ends_with("CreateLogStream") && stream_exists_) {
        res.status = 400;
        res.set_content(R"({"__type":"ResourceAlreadyExistsException"})", "application/json");
      } else if (action.ends_with("CreateLogStream") && group_missing_) {
        res.status = 400;
        res.set_content(R"({"__type":"ResourceNotFoundException","message":"no group"})",
                        "application/json");
      } else if (action.ends_with("PutLogEvents")) {
        res.set_content(reject_ ? R"({"rejectedLogEventsInfo":{"tooOldLogEventEndIndex":1}})"
                                : R"({"nextSequenceToken":"1"})",
                        "application/json");
      } else {
        res.set_content("{}", "application/json");
      }
    });
    ASSERT_TRUE(http_.Start());
    endpoint_ = http_.Url("/");
  }
  Result<int64_t> Send() {
    ScopedEnv endpoint("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", endpoint_.c_str());
    return PutEmfLogEvents({"/sensorlake/staging/engine", LogStreamName("r-1:2*3")},
                           {R"({"_aws":{}})", R"({"_aws":{},"stage":"transform"})"}, 1700000000000);
  }

  ScopedEnv key_{"AWS_ACCESS_KEY_ID", "AKIATEST"}, secret_{"AWS_SECRET_ACCESS_KEY", "s"},
      session_{"AWS_SESSION_TOKEN", "session"}, region_{"AWS_REGION", "us-east-1"};
  sensorlake::testing::LoopbackHttpServer http_;
  std::string endpoint_;
  std::mutex mu_;
  std::vector<Received> received_;
  bool stream_exists_ = false, group_missing_ = false, reject_ = false;
};

TEST_F(CloudWatchLogsTest, CreatesTheStreamThenPutsTheLinesAsEmf) {
  auto sent = Send();
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(*sent, 2);
  ASSERT_EQ(received_.size(), 2u);
  EXPECT_EQ(received_[0].target, "Logs_20140328.CreateLogStream");
  EXPECT_EQ(received_[0].body["logStreamName"], "r-1_2_3");
  const Received& put = received_[1];
  EXPECT_EQ(put.target, "Logs_20140328.PutLogEvents");
  EXPECT_EQ(put.format, "json/emf");
  EXPECT_NE(put.authorization.find("/us-east-1/logs/aws4_request"), std::string::npos);
  EXPECT_EQ(put.token, "session");
  EXPECT_EQ(put.body["logGroupName"], "/sensorlake/staging/engine");
  ASSERT_EQ(put.body["logEvents"].size(), 2u);
  EXPECT_EQ(put.body["logEvents"][1]["message"], R"({"_aws":{},"stage":"transform"})");
  EXPECT_EQ(put.body["logEvents"][1]["timestamp"], 1700000000000);
}

TEST_F(CloudWatchLogsTest, AnExistingStreamIsAppendedTo) {
  stream_exists_ = true;
  auto sent = Send();
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(received_.size(), 2u);
}

TEST_F(CloudWatchLogsTest, AMissingGroupIsNamedAndNothingIsPut) {
  group_missing_ = true;
  auto sent = Send();
  ASSERT_EQ(sent.status().code(), StatusCode::kIOError);
  EXPECT_NE(sent.status().message().find("/sensorlake/staging/engine"), std::string::npos);
  EXPECT_NE(sent.status().message().find("ResourceNotFoundException"), std::string::npos);
  EXPECT_EQ(received_.size(), 1u);
}

TEST_F(CloudWatchLogsTest, RejectedEventsAreAnError) {
  reject_ = true;
  auto sent = Send();
  ASSERT_EQ(sent.status().code(), StatusCode::kIOError);
  EXPECT_NE(sent.status().message().find("tooOldLogEventEndIndex"), std::string::npos);
}

TEST_F(CloudWatchLogsTest, NoRegionIsNamedBeforeAnyRequest) {
  ScopedEnv region("AWS_REGION", nullptr), fallback("AWS_DEFAULT_REGION", nullptr),
      disabled("AWS_EC2_METADATA_DISABLED", "true");
  auto sent = Send();
  ASSERT_EQ(sent.status().code(), StatusCode::kNotFound);
  EXPECT_NE(sent.status().message().find("AWS_REGION"), std::string::npos);
  EXPECT_TRUE(received_.empty());
}

}  // namespace
}  // namespace sensorlake::monitoring
