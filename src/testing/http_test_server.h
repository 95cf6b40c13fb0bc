// A small HTTP/1.1 server on 127.0.0.1 for download tests: serves one byte buffer at one
// path, answers Range requests (206, 416), and can misbehave on demand: cut the
// connection at a byte offset of the body, or answer with an error status first.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sensorlake::testing {

struct HttpTestServerOptions {
  std::string body;
  std::string path = "/dataset.zip";
  std::string etag = "\"v1\"";
  // Closes the connection once the body reaches this absolute offset (headers announce the
  // full length, so the client sees a cut transfer). -1: never.
  int64_t cut_at_offset = -1;
  int32_t cut_requests = 1;  // how many of the first requests are cut; -1: all of them
  // At the cut, stall this long (sending nothing) before closing: a hung transfer. -1: until
  // the client closes the connection (its stall timeout), or the server stops.
  int32_t stall_ms = 0;
  // Answers the first `fail_requests` requests with this status (503: a transient error).
  int32_t fail_status = 0;
  int32_t fail_requests = 0;
  bool support_ranges = true;
};

struct HttpTestRequest {
  std::string method;
  std::string target;
  std::string range;      // the Range header, "" when absent
  std::string if_range;   // the If-Range header
  int32_t status = 0;     // what was answered
  int64_t body_sent = 0;  // body bytes written to the socket (fewer than announced when cut)
};

class HttpTestServer {
 public:
  explicit HttpTestServer(HttpTestServerOptions options);  // listens at once; aborts on failure
  ~HttpTestServer();
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  int port() const { return port_; }
  std::string url() const;  // http://127.0.0.1:<port><path>
  std::vector<HttpTestRequest> requests() const;
  // From now on serves every request correctly (a network that recovered).
  void StopMisbehaving() { healed_ = true; }

 private:
  void Serve();
  void Handle(int fd);
  HttpTestServerOptions options_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> healed_{false};
  std::thread thread_;
  std::vector<std::thread> connections_;  // one per connection: a stalled one blocks no other
  mutable std::mutex mu_;
  std::vector<HttpTestRequest> requests_;
};

}  // namespace sensorlake::testing
