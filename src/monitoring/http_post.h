// POSTing small JSON/form bodies for the monitoring layer (alert webhooks, SNS,
// OpenLineage) through the engine's HTTP client (net/http_client.h): a timeout per attempt,
// retries with the one policy on transient transport errors and HTTP 408/425/429/5xx.
// Internal to the library.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sensorlake/common/result.h"
#include "sensorlake/net/aws_credentials.h"

namespace sensorlake::monitoring {

struct PostOptions {
  std::vector<std::string> headers;  // "Content-Type: application/json"
  double timeout_seconds = 5;
  int32_t attempts = 3;
  double first_backoff_seconds = 0.5;
  // AWS SigV4 signing (net/aws_sigv4.h): "aws:amz:<region>:<service>".
  std::string aws_sigv4;
  std::string aws_key, aws_secret;
};

struct PostResult {
  int64_t http_status = 0;
  int32_t attempts = 0;
  std::string body;  // the response
};

// Signs the POST for `service` in `region` with `cred` (SigV4; the session token as
// X-Amz-Security-Token), adding to `options`' headers.
void SignForAws(const net::AwsCredentials& cred, std::string_view region, std::string_view service,
                PostOptions* options);

// OK only for a 2xx answer; IOError with the URL, the status or curl's error otherwise.
Result<PostResult> HttpPost(const std::string& url, const std::string& body,
                            const PostOptions& options);

}  // namespace sensorlake::monitoring
