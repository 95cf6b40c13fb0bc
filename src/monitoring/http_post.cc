#include "monitoring/http_post.h"

#include <fmt/format.h>

#include "sensorlake/net/http_client.h"
#include "sensorlake/net/retry_policy.h"

namespace sensorlake::monitoring {

void SignForAws(const net::AwsCredentials& cred, std::string_view region, std::string_view service,
                PostOptions* options) {
  if (!cred.token.empty()) options->headers.push_back("X-Amz-Security-Token: " + cred.token);
  options->aws_sigv4 = fmt::format("aws:amz:{}:{}", region, service);
  options->aws_key = cred.key;
  options->aws_secret = cred.secret;
}

Result<PostResult> HttpPost(const std::string& url, const std::string& body,
                            const PostOptions& options) {
  net::HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.headers = options.headers;
  request.body = body;
  request.timeout_seconds = options.timeout_seconds;
  request.aws_sigv4 = options.aws_sigv4;
  request.aws_key = options.aws_key;
  request.aws_secret = options.aws_secret;
  const net::RetryPolicy policy{.max_attempts = options.attempts,
                                .first_backoff_seconds = options.first_backoff_seconds};
  net::HttpClient client;
  PostResult r;
  net::HttpResponse answer = net::PerformWithRetry(client, request, policy, &r.attempts);
  r.http_status = answer.status;
  if (!answer.ok()) {
    return Status::IOError("POST {}: {} (after {} attempts)", url, answer.Describe(), r.attempts);
  }
  r.body = std::move(answer.body);
  return r;
}

}  // namespace sensorlake::monitoring
