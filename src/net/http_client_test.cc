// The HTTP client against a loopback server: bodies and headers both ways, which answers
// and transport errors are retried, and a body the caller stops.
#include "sensorlake/net/http_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include <gtest/gtest.h>
#include <httplib.h>

#include "testing/loopback_http_server.h"

namespace sensorlake::net {
namespace {

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_.server().Get("/hello", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("X-Greeting", "yes");
      res.set_content("hello", "text/plain");
    });
    http_.server().Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("POST " + req.body + " " + req.get_header_value("X-Tag"), "text/plain");
    });
    http_.server().Put("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("PUT " + req.body + " " + req.get_header_value("X-Tag"), "text/plain");
    });
    http_.server().Get("/flaky", [this](const httplib::Request&, httplib::Response& res) {
      res.status = ++flaky_calls_ <= 2 ? 503 : 200;
      res.set_content(res.status == 200 ? "recovered" : "busy", "text/plain");
    });
    http_.server().Get("/broken", [this](const httplib::Request&, httplib::Response& res) {
      ++broken_calls_;
      res.status = 500;
    });
    http_.server().Get("/missing", [this](const httplib::Request&, httplib::Response& res) {
      ++missing_calls_;
      res.status = 404;
      res.set_content("no such thing", "text/plain");
    });
    ASSERT_TRUE(http_.Start());
  }
  std::string Url(const std::string& path) const { return http_.Url(path); }

  static constexpr RetryPolicy kFast{.max_attempts = 3, .first_backoff_seconds = 0.001};
  testing::LoopbackHttpServer http_;
  std::atomic<int32_t> flaky_calls_{0}, broken_calls_{0}, missing_calls_{0};
};

TEST_F(HttpClientTest, GetCollectsTheBodyAndShowsTheHeaders) {
  HttpClient client;
  std::string greeting;
  HttpRequest get{.url = Url("/hello"), .on_header = [&](std::string_view line) {
                    if (line.starts_with("X-Greeting")) greeting = std::string(line);
                  }};
  HttpResponse r = client.Perform(get);
  EXPECT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");
  EXPECT_NE(greeting.find("yes"), std::string::npos);
}

TEST_F(HttpClientTest, PostAndPutSendTheirBodyAndHeaders) {
  HttpClient client;
  for (const char* method : {"POST", "PUT"}) {
    HttpRequest request{
        .method = method, .url = Url("/echo"), .headers = {"X-Tag: t1"}, .body = "payload"};
    HttpResponse r = client.Perform(request);
    ASSERT_TRUE(r.ok()) << method << ": " << r.Describe();
    EXPECT_EQ(r.body, std::string(method) + " payload t1");
  }
}

TEST_F(HttpClientTest, RetriesRetryableAnswersUntilOneSucceeds) {
  HttpClient client;
  int32_t attempts = 0;
  HttpResponse r = PerformWithRetry(client, {.url = Url("/flaky")}, kFast, &attempts);
  EXPECT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(flaky_calls_, 3);
  EXPECT_EQ(r.body, "recovered");
}

TEST_F(HttpClientTest, GivesUpAfterTheLastAttempt) {
  HttpClient client;
  int32_t attempts = 0;
  HttpResponse r = PerformWithRetry(client, {.url = Url("/broken")}, kFast, &attempts);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.retryable());
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(broken_calls_, 3);
  EXPECT_NE(r.Describe().find("HTTP 500"), std::string::npos) << r.Describe();
}

TEST_F(HttpClientTest, AFinalAnswerIsNotRetried) {
  HttpClient client;
  int32_t attempts = 0;
  HttpResponse r = PerformWithRetry(client, {.url = Url("/missing")}, kFast, &attempts);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.retryable());
  EXPECT_EQ(attempts, 1);
  EXPECT_EQ(missing_calls_, 1);
  EXPECT_EQ(r.Describe(), "HTTP 404: no such thing");
}

TEST_F(HttpClientTest, TheBodyStreamsToTheCallerWhoCanStopIt) {
  HttpClient client;
  int64_t status_seen = 0, length_seen = 0;
  HttpRequest get{.url = Url("/hello"), .on_body = [&](std::string_view chunk) {
                    status_seen = client.CurrentStatus();
                    length_seen = client.CurrentContentLength();
                    return false;
                  }};
  int32_t attempts = 0;
  HttpResponse r = PerformWithRetry(client, get, kFast, &attempts);
  EXPECT_EQ(status_seen, 200);
  EXPECT_EQ(length_seen, 5);
  EXPECT_TRUE(r.stopped_by_caller);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.retryable());  // the caller's reason is not the network's
  EXPECT_EQ(attempts, 1);
  EXPECT_TRUE(r.body.empty());
}

// A port nothing listens on: no HTTP answer, a transient transport error, retried.
TEST(HttpClientTransportTest, ARefusedConnectionIsTransient) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);  // bound, never listened: connections to it are refused
  HttpClient client;
  int32_t attempts = 0;
  HttpResponse r = PerformWithRetry(
      client, {.url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/"},
      {.max_attempts = 2, .first_backoff_seconds = 0.001}, &attempts);
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.transport_error.empty());
  EXPECT_TRUE(r.transient);
  EXPECT_EQ(attempts, 2);
}

TEST(HttpClientTransportTest, AnUnsupportedSchemeIsFinal) {
  HttpClient client;
  int32_t attempts = 0;
  HttpResponse r = PerformWithRetry(client, {.url = "ftp://127.0.0.1/x"},
                                    {.max_attempts = 3, .first_backoff_seconds = 0.001}, &attempts);
  EXPECT_FALSE(r.transport_error.empty());
  EXPECT_FALSE(r.transient);
  EXPECT_EQ(attempts, 1);
}

}  // namespace
}  // namespace sensorlake::net
