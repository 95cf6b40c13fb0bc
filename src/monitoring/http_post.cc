#include "monitoring/http_post.h"

#include <chrono>
#include <thread>

#include <curl/curl.h>
#include <fmt/format.h>

#include "sensorlake/net/retry_policy.h"

namespace sensorlake::monitoring {

namespace {

size_t Collect(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// One request; status 0 with `error` set when there was no HTTP answer.
int64_t PostOnce(const std::string& url, const std::string& body, const PostOptions& o,
                 std::string* response, std::string* error) {
  CURL* curl = curl_easy_init();
  if (!curl) {
    *error = "curl_easy_init failed";
    return 0;
  }
  struct curl_slist* headers = nullptr;
  for (const auto& h : o.headers) headers = curl_slist_append(headers, h.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout_seconds * 1000));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, response);
  std::string userpwd = o.aws_key + ":" + o.aws_secret;
  if (!o.aws_sigv4.empty()) {
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, o.aws_sigv4.c_str());
    curl_easy_setopt(curl, CURLOPT_USERPWD, userpwd.c_str());
  }
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  if (rc == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  } else {
    *error = curl_easy_strerror(rc);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return status;
}

}  // namespace

Result<PostResult> HttpPost(const std::string& url, const std::string& body,
                            const PostOptions& options) {
  PostResult r;
  const net::RetryPolicy policy{.max_attempts = options.attempts,
                                .first_backoff_seconds = options.first_backoff_seconds};
  std::string last;
  for (r.attempts = 1;; ++r.attempts) {
    std::string error;
    r.body.clear();
    r.http_status = PostOnce(url, body, options, &r.body, &error);
    if (r.http_status >= 200 && r.http_status < 300) return r;
    last = r.http_status ? fmt::format("HTTP {}: {}", r.http_status, r.body.substr(0, 200)) : error;
    if (!net::IsRetryableHttpStatus(r.http_status) || !policy.MayRetry(r.attempts)) break;
    policy.SleepBeforeRetry(r.attempts);
  }
  return Status::IOError("POST {}: {} (after {} attempts)", url, last, r.attempts);
}

}  // namespace sensorlake::monitoring
