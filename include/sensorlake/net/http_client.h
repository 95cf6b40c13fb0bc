// The one HTTP client of the engine (libcurl): the dataset download, the alert and lineage
// POSTs and the S3 lock's conditional PUT all send their requests through it, so timeouts,
// transport-error classes, redirects and SigV4 signing are set in one place, and every
// caller retries with the one policy (retry_policy.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sensorlake/net/retry_policy.h"

namespace sensorlake::net {

struct HttpRequest {
  std::string method = "GET";  // GET, POST or PUT
  std::string url;
  std::vector<std::string> headers;  // "Name: value"; "Expect:" removes curl's default
  std::string_view body;             // POST/PUT payload (must outlive Perform)
  std::string range;                 // "from-" for a Range request; "" for none
  int32_t connect_timeout_seconds = 10;
  double timeout_seconds = 0;  // the whole request; 0: no limit (a long download)
  // Less than 1 KiB/s for this long ends the transfer (a stalled download); 0: off.
  int32_t stall_seconds = 0;
  bool follow_redirects = false;  // http(s) only, at most 10
  // AWS SigV4 signing (net/aws_sigv4.h): "aws:amz:<region>:<service>" with the key pair;
  // "" for none.
  std::string aws_sigv4;
  std::string aws_key, aws_secret;
  // Streaming: every response header line, and the body in chunks. on_body returning false
  // stops the transfer (the caller keeps why). Without on_body the body is collected.
  std::function<void(std::string_view line)> on_header;
  std::function<bool(std::string_view chunk)> on_body;
};

struct HttpResponse {
  int64_t status = 0;           // the HTTP status; 0 when no answer came
  std::string body;             // collected when the request had no on_body (capped at 1 MiB)
  std::string transport_error;  // why no (complete) answer came; "" otherwise
  bool transient = false;       // the transport error is worth another attempt
  bool timed_out = false;       // the timeout or the stall limit ended the transfer
  bool stopped_by_caller = false;

  bool ok() const { return transport_error.empty() && status >= 200 && status < 300; }
  // A transient transport error, or an answer that IsRetryableHttpStatus accepts.
  bool retryable() const;
  // "HTTP 503: <start of body>" or the transport error, for messages.
  std::string Describe() const;
};

class HttpClient {
 public:
  HttpClient();  // one connection cache for the client's requests
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse Perform(const HttpRequest& request);
  // During on_body: the status and the announced length (-1 unknown) of the answer.
  int64_t CurrentStatus() const;
  int64_t CurrentContentLength() const;

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
};

// Perform, retried with `policy` while the answer is retryable(); `attempts` (optional)
// receives the number of requests made.
HttpResponse PerformWithRetry(HttpClient& client, const HttpRequest& request,
                              const RetryPolicy& policy, int32_t* attempts = nullptr);

}  // namespace sensorlake::net
