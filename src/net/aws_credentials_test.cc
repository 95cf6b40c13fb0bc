// The credential chain and the region against loopback stand-ins for the two metadata
// services: the order of the sources, IMDSv2's session token on every read, the container
// endpoint's authorization, and a NotFound that names every place looked at.
#include "sensorlake/net/aws_credentials.h"

#include <atomic>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <httplib.h>

#include "testing/loopback_http_server.h"
#include "testing/scoped_env.h"
#include "testing/temp_dir.h"

namespace sensorlake::net {
namespace {

using testing::ScopedEnv;

constexpr const char* kToken = "imds-session-token";
constexpr const char* kDocument =
    R"({"Code":"Success","AccessKeyId":"ASIAROLE","SecretAccessKey":"role-secret",)"
    R"("Token":"role-session","Expiration":"2026-12-04T12:00:00Z"})";

class AwsCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto with_token = [this](const httplib::Request& req, httplib::Response& res,
                             const std::string& body) {
      if (req.get_header_value("X-aws-ec2-metadata-token") != kToken) {
        ++untokened_reads_;
        res.status = 401;
        return;
      }
      res.set_content(body, "text/plain");
    };
    http_.server().Put(
        "/latest/api/token", [](const httplib::Request& req, httplib::Response& res) {
          res.status = req.has_header("X-aws-ec2-metadata-token-ttl-seconds") ? 200 : 400;
          res.set_content(kToken, "text/plain");
        });
    http_.server().Get("/latest/meta-data/iam/security-credentials/",
                       [=](const httplib::Request& q, httplib::Response& r) {
                         with_token(q, r, "emr-instance\n");
                       });
    http_.server().Get(
        "/latest/meta-data/iam/security-credentials/emr-instance",
        [=](const httplib::Request& q, httplib::Response& r) { with_token(q, r, kDocument); });
    http_.server().Get(
        "/latest/meta-data/placement/region",
        [=](const httplib::Request& q, httplib::Response& r) { with_token(q, r, "eu-west-1"); });
    http_.server().Get("/container", [](const httplib::Request& req, httplib::Response& res) {
      res.status = req.get_header_value("Authorization") == "task-secret" ? 200 : 403;
      res.set_content(kDocument, "application/json");
    });
    ASSERT_TRUE(http_.Start());
  }
  std::string Base() const { return http_.Url(); }

  testing::TempDir home_;  // no ~/.aws/credentials unless a test writes one
  ScopedEnv key_{"AWS_ACCESS_KEY_ID", nullptr}, secret_{"AWS_SECRET_ACCESS_KEY", nullptr},
      session_{"AWS_SESSION_TOKEN", nullptr}, profile_{"AWS_PROFILE", nullptr},
      file_{"AWS_SHARED_CREDENTIALS_FILE", nullptr}, home_env_{"HOME", home_.str().c_str()},
      full_{"AWS_CONTAINER_CREDENTIALS_FULL_URI", nullptr},
      relative_{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", nullptr},
      auth_{"AWS_CONTAINER_AUTHORIZATION_TOKEN", nullptr},
      disabled_{"AWS_EC2_METADATA_DISABLED", nullptr},
      imds_{"AWS_EC2_METADATA_SERVICE_ENDPOINT", nullptr}, region_{"AWS_REGION", nullptr},
      default_region_{"AWS_DEFAULT_REGION", nullptr};
  testing::LoopbackHttpServer http_;
  std::atomic<int32_t> untokened_reads_{0};
};

TEST_F(AwsCredentialsTest, TheEnvironmentComesFirst) {
  ScopedEnv key("AWS_ACCESS_KEY_ID", "AKIAENV"), secret("AWS_SECRET_ACCESS_KEY", "env-secret");
  ScopedEnv imds("AWS_EC2_METADATA_SERVICE_ENDPOINT", Base().c_str());
  auto c = LoadAwsCredentials();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->key, "AKIAENV");
  EXPECT_EQ(c->token, "");
  EXPECT_EQ(c->source, "environment");
}

TEST_F(AwsCredentialsTest, TheProfileOfTheSharedFileComesNext) {
  std::string path = home_.str() + "/credentials";
  std::ofstream(path) << "[default]\naws_access_key_id = AKIADEF\naws_secret_access_key = d\n"
                         "[ops]\naws_access_key_id = AKIAOPS\naws_secret_access_key = o\n"
                         "aws_session_token = ops-session\n";
  ScopedEnv file("AWS_SHARED_CREDENTIALS_FILE", path.c_str()), profile("AWS_PROFILE", "ops");
  auto c = LoadAwsCredentials();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->key, "AKIAOPS");
  EXPECT_EQ(c->token, "ops-session");
  EXPECT_EQ(c->source, "profile ops");
}

TEST_F(AwsCredentialsTest, TheContainerEndpointSendsItsAuthorization) {
  ScopedEnv full("AWS_CONTAINER_CREDENTIALS_FULL_URI", (Base() + "/container").c_str());
  EXPECT_EQ(LoadAwsCredentials().status().code(), StatusCode::kIOError);  // 403 without it
  ScopedEnv auth("AWS_CONTAINER_AUTHORIZATION_TOKEN", "task-secret");
  auto c = LoadAwsCredentials();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->key, "ASIAROLE");
  EXPECT_EQ(c->token, "role-session");
  EXPECT_EQ(c->source, "container");
}

TEST_F(AwsCredentialsTest, TheInstanceRoleComesFromImdsV2WithASessionToken) {
  ScopedEnv imds("AWS_EC2_METADATA_SERVICE_ENDPOINT", (Base() + "/").c_str());
  auto c = LoadAwsCredentials();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->key, "ASIAROLE");
  EXPECT_EQ(c->secret, "role-secret");
  EXPECT_EQ(c->token, "role-session");
  EXPECT_EQ(c->source, "instance role emr-instance");
  EXPECT_EQ(untokened_reads_, 0);
  auto region = ResolveAwsRegion();
  ASSERT_TRUE(region.ok()) << region.status().ToString();
  EXPECT_EQ(*region, "eu-west-1");
}

TEST_F(AwsCredentialsTest, NoCredentialsNamesEveryPlaceLookedAt) {
  ScopedEnv disabled("AWS_EC2_METADATA_DISABLED", "true");
  auto c = LoadAwsCredentials();
  ASSERT_EQ(c.status().code(), StatusCode::kNotFound);
  for (const char* place : {"AWS_ACCESS_KEY_ID", "profile 'default'", "AWS_CONTAINER_CREDENTIALS",
                            "AWS_EC2_METADATA_DISABLED"}) {
    EXPECT_NE(c.status().message().find(place), std::string::npos) << c.status().message();
  }
  EXPECT_EQ(ResolveAwsRegion().status().code(), StatusCode::kNotFound);
}

TEST_F(AwsCredentialsTest, AnUnreachableMetadataServiceIsNamed) {
  ScopedEnv imds("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9");
  auto c = LoadAwsCredentials();
  ASSERT_EQ(c.status().code(), StatusCode::kNotFound);
  EXPECT_NE(c.status().message().find("instance metadata http://127.0.0.1:9"), std::string::npos)
      << c.status().message();
  auto region = ResolveAwsRegion();
  EXPECT_NE(region.status().message().find("AWS_REGION"), std::string::npos);
}

TEST_F(AwsCredentialsTest, RegionAndEndpointsFollowTheSdkVariables) {
  ScopedEnv region("AWS_REGION", "us-east-2");
  EXPECT_EQ(*ResolveAwsRegion(), "us-east-2");
  ScopedEnv general("AWS_ENDPOINT_URL", nullptr), logs("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", nullptr);
  EXPECT_EQ(AwsServiceEndpoint("CLOUDWATCH_LOGS", "logs", "us-east-2"),
            "https://logs.us-east-2.amazonaws.com/");
  ScopedEnv any("AWS_ENDPOINT_URL", "http://127.0.0.1:5000");
  EXPECT_EQ(AwsServiceEndpoint("CLOUDWATCH_LOGS", "logs", "us-east-2"), "http://127.0.0.1:5000");
  ScopedEnv specific("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "http://127.0.0.1:5001");
  EXPECT_EQ(AwsServiceEndpoint("CLOUDWATCH_LOGS", "logs", "us-east-2"), "http://127.0.0.1:5001");
}

}  // namespace
}  // namespace sensorlake::net
