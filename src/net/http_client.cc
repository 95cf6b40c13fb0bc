#include "sensorlake/net/http_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <unistd.h>

#include <cstdlib>
#include <mutex>

#include "sensorlake/net/aws_sigv4.h"

namespace sensorlake::net {

namespace {

constexpr size_t kMaxCollectedBody = 1 << 20;  // error bodies and small answers only

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The certificate authorities for https: $SSL_CERT_FILE or $CURL_CA_BUNDLE when set, else the
// first system bundle that exists. libcurl's compiled-in default is its build machine's path
// (Debian's for the portable build), which Amazon Linux does not have.
const std::string& CaBundle() {
  static const std::string path = [] {
    for (const char* var : {"SSL_CERT_FILE", "CURL_CA_BUNDLE"}) {
      if (const char* v = std::getenv(var); v != nullptr && *v != '\0') return std::string(v);
    }
    for (const char* candidate :
         {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
          "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem"}) {
      if (access(candidate, R_OK) == 0) return std::string(candidate);
    }
    return std::string();
  }();
  return path;
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

// "aws:amz:<region>:<service>" (curl's CURLOPT_AWS_SIGV4 form) signs the request here.
std::vector<std::string> SignatureHeaders(const HttpRequest& r) {
  std::string_view spec = r.aws_sigv4;
  constexpr std::string_view kPrefix = "aws:amz:";
  size_t colon = spec.find(':', kPrefix.size());
  if (!spec.starts_with(kPrefix) || colon == std::string_view::npos) return {};
  return SigV4Headers({.method = r.method,
                       .url = r.url,
                       .headers = r.headers,
                       .body = r.body,
                       .region = std::string(spec.substr(kPrefix.size(), colon - kPrefix.size())),
                       .service = std::string(spec.substr(colon + 1)),
                       .key = r.aws_key,
                       .secret = r.aws_secret,
                       .amz_date = ""});
}

// Lists the request's headers, signed when it asks for SigV4; freed by the caller with
// curl_slist_free_all.
curl_slist* HeaderList(const HttpRequest& r) {
  curl_slist* list = nullptr;
  for (const auto& h : r.headers) list = curl_slist_append(list, h.c_str());
  if (!r.aws_sigv4.empty()) {
    for (const auto& h : SignatureHeaders(r)) list = curl_slist_append(list, h.c_str());
  }
  return list;
}

void Configure(CURL* curl, const HttpRequest& r, Exchange* x) {
  curl_easy_setopt(curl, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for timeouts: thread-safe
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "sensorlake/" SENSORLAKE_VERSION);
  if (!CaBundle().empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, CaBundle().c_str());
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
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS,
                     static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  }
  if (r.method == "POST" || r.method == "PUT") {
    if (r.method == "POST") curl_easy_setopt(curl, CURLOPT_POST, 1L);
    if (r.method == "PUT") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, r.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  }
  if (!r.range.empty()) curl_easy_setopt(curl, CURLOPT_RANGE, r.range.c_str());
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
