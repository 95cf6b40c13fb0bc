// The AWS credentials and region for the engine's own AWS requests (SNS alerts, CloudWatch
// Logs, the S3 lock goes through Arrow's SDK instead). The chain follows the AWS SDKs'
// order so that the engine needs nothing beyond what the service that runs it provides:
// EMR nodes get the instance role from the instance metadata service (IMDSv2), MWAA and ECS
// tasks from the container credentials endpoint.
#pragma once

#include <string>
#include <string_view>

#include "sensorlake/common/result.h"

namespace sensorlake::net {

struct AwsCredentials {
  std::string key, secret, token;  // token: "" for long-term keys
  std::string source;  // "environment", "profile NAME", "container", "instance role NAME"
};

// Environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then the shared
// credentials file's profile (AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE or default), then the
// container endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI, or _RELATIVE_URI on 169.254.170.2,
// with AWS_CONTAINER_AUTHORIZATION_TOKEN), then IMDSv2 (AWS_EC2_METADATA_SERVICE_ENDPOINT,
// default http://169.254.169.254; AWS_EC2_METADATA_DISABLED=true skips it). NotFound names
// every place it looked.
Result<AwsCredentials> LoadAwsCredentials();

// AWS_REGION, AWS_DEFAULT_REGION, else the instance's region from IMDSv2.
Result<std::string> ResolveAwsRegion();

// AWS_ENDPOINT_URL_<SERVICE_ENV> (e.g. SNS, CLOUDWATCH_LOGS), AWS_ENDPOINT_URL, else
// https://<host_prefix>.<region>.amazonaws.com/ (the SDKs' service-specific endpoints).
std::string AwsServiceEndpoint(std::string_view service_env, std::string_view host_prefix,
                               std::string_view region);

}  // namespace sensorlake::net
