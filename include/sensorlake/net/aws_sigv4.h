// AWS Signature Version 4 for the engine's own AWS requests (the S3 lock's conditional PUT,
// SNS Publish). Written here rather than taken from libcurl: CURLOPT_AWS_SIGV4 needs curl
// 7.75, and the portable build links Debian 11's 7.74 (docs/infrastructure.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sensorlake::net {

struct SigV4Request {
  std::string method;
  std::string url;                   // scheme://host[:port]/path?query, path already encoded
  std::vector<std::string> headers;  // "Name: value"
  std::string_view body;
  std::string region, service;
  std::string key, secret;
  std::string amz_date;  // "YYYYMMDDTHHMMSSZ"; "" for now
};

// The headers that sign the request: "Host", "X-Amz-Date" and "Authorization" (host,
// content-type and every x-amz-* header are signed; the payload hash is the request's
// x-amz-content-sha256 when it has one, else the SHA-256 of the body).
std::vector<std::string> SigV4Headers(const SigV4Request& request);

}  // namespace sensorlake::net
