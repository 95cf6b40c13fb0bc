#include "sensorlake/net/http_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <mutex>

namespace sensorlake::net {

namespace {

constexpr size_t kMaxCollectedBody = 1 << 20;  // error bodies and small answers only

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Transport errors that another attempt may not meet: the network, not the request.
bool IsTransient(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

struct Exchange {
  const HttpRequest* request;
  HttpResponse* response;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  if (x->request->on_header) x->request->on_header(std::string_view(data, size * n));
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  std::string_view chunk(data, size * n);
  if (x->request->on_body) {
    if (x->request->on_body(chunk)) return chunk.size();
    x->response->stopped_by_caller = true;
    return 0;  // curl ends the transfer with CURLE_WRITE_ERROR
  }
  std::string& body = x->response->body;
  body.append(chunk.substr(0, kMaxCollectedBody - std::min(body.size(), kMaxCollectedBody)));
  return chunk.size();
}

// Lists the request's headers; freed by the caller with curl_slist_free_all.
curl_slist* HeaderList(const HttpRequest& r) {
  curl_slist* list = nullptr;
  for (const auto& h : r.headers) list = curl_slist_append(list, h.c_str());
  return list;
}

void Configure(CURL* curl, const HttpRequest& r, Exchange* x) {
  curl_easy_setopt(curl, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for timeouts: thread-safe
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "sensorlake/" SENSORLAKE_VERSION);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(r.connect_timeout_seconds));
  if (r.timeout_seconds > 0) {
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout_seconds * 1000));
  }
  if (r.stall_seconds > 0) {
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(r.stall_seconds));
  }
  if (r.follow_redirects) {
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  }
  if (r.method == "POST" || r.method == "PUT") {
    if (r.method == "POST") curl_easy_setopt(curl, CURLOPT_POST, 1L);
    if (r.method == "PUT") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, r.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  }
  if (!r.range.empty()) curl_easy_setopt(curl, CURLOPT_RANGE, r.range.c_str());
  if (!r.aws_sigv4.empty()) {
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, r.aws_sigv4.c_str());
    curl_easy_setopt(curl, CURLOPT_USERNAME, r.aws_key.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, r.aws_secret.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, x);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, x);
}

}  // namespace

struct HttpClient::Handle {
  CURL* curl = nullptr;
};

HttpClient::HttpClient() : handle_(std::make_unique<Handle>()) {
  InitCurlOnce();
  handle_->curl = curl_easy_init();
}

HttpClient::~HttpClient() {
  if (handle_->curl != nullptr) curl_easy_cleanup(handle_->curl);
}

HttpResponse HttpClient::Perform(const HttpRequest& request) {
  HttpResponse response;
  CURL* curl = handle_->curl;
  if (curl == nullptr) {
    response.transport_error = "curl_easy_init failed";
    return response;
  }
  curl_easy_reset(curl);  // keeps the connection cache, forgets the last request's options
  Exchange exchange{&request, &response};
  Configure(curl, request, &exchange);
  curl_slist* headers = HeaderList(request);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = status;
  if (rc != CURLE_OK) {
    response.transport_error = curl_easy_strerror(rc);
    response.transient = IsTransient(rc);
    response.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
  }
  return response;
}

int64_t HttpClient::CurrentStatus() const {
  long status = 0;
  curl_easy_getinfo(handle_->curl, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

int64_t HttpClient::CurrentContentLength() const {
  curl_off_t length = -1;
  curl_easy_getinfo(handle_->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  return length;
}

bool HttpResponse::retryable() const {
  if (stopped_by_caller) return false;
  if (!transport_error.empty()) return transient;
  return IsRetryableHttpStatus(status);
}

std::string HttpResponse::Describe() const {
  if (!transport_error.empty()) return transport_error;
  return fmt::format("HTTP {}: {}", status, body.substr(0, 200));
}

HttpResponse PerformWithRetry(HttpClient& client, const HttpRequest& request,
                              const RetryPolicy& policy, int32_t* attempts) {
  for (int32_t attempt = 1;; ++attempt) {
    HttpResponse response = client.Perform(request);
    if (attempts != nullptr) *attempts = attempt;
    if (response.ok() || !response.retryable() || !policy.MayRetry(attempt)) return response;
    policy.SleepBeforeRetry(attempt);
  }
}

}  // namespace sensorlake::net
