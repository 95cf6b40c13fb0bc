#include "sensorlake/net/aws_credentials.h"

#include <cstdlib>
#include <fstream>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sensorlake/net/http_client.h"

namespace sensorlake::net {

namespace {

std::string EnvOr(const char* name, std::string_view fallback = "") {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::string(fallback);
}

AwsCredentials FromProfile(const std::string& file, const std::string& profile) {
  AwsCredentials c;
  std::ifstream in(file);
  std::string line, section;
  static const std::regex kv(R"(^\s*([A-Za-z_]+)\s*=\s*(\S+)\s*$)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (line.starts_with("[")) {
      section = line.substr(1, line.find(']') - 1);
    } else if (section == profile && std::regex_match(line, m, kv)) {
      if (m[1] == "aws_access_key_id") c.key = m[2];
      if (m[1] == "aws_secret_access_key") c.secret = m[2];
      if (m[1] == "aws_session_token") c.token = m[2];
    }
  }
  c.source = "profile " + profile;
  return c;
}

// The metadata services answer within milliseconds where they exist; where they do not
// (a laptop), a short connect timeout keeps the chain from stalling.
HttpResponse MetadataRequest(HttpClient& client, const std::string& method, const std::string& url,
                             std::vector<std::string> headers) {
  HttpRequest r;
  r.method = method;
  r.url = url;
  r.headers = std::move(headers);
  r.connect_timeout_seconds = 1;
  r.timeout_seconds = 3;
  return PerformWithRetry(client, r, {.max_attempts = 2, .first_backoff_seconds = 0.2});
}

// The JSON both metadata services answer with: AccessKeyId, SecretAccessKey, Token.
Result<AwsCredentials> ParseCredentialsDocument(const std::string& body, const std::string& url,
                                                std::string source) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("AccessKeyId") || !doc.contains("SecretAccessKey")) {
    return Status::IOError("{}: not a credentials document (AccessKeyId, SecretAccessKey)", url);
  }
  return AwsCredentials{doc["AccessKeyId"].get<std::string>(),
                        doc["SecretAccessKey"].get<std::string>(), doc.value("Token", ""),
                        std::move(source)};
}

std::string ContainerCredentialsUrl() {
  std::string full = EnvOr("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (!full.empty()) return full;
  std::string relative = EnvOr("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  return relative.empty() ? "" : "http://169.254.170.2" + relative;
}

Result<AwsCredentials> FromContainer(const std::string& url) {
  std::vector<std::string> headers;
  if (std::string token = EnvOr("AWS_CONTAINER_AUTHORIZATION_TOKEN"); !token.empty()) {
    headers.push_back("Authorization: " + token);
  }
  HttpClient client;
  HttpResponse r = MetadataRequest(client, "GET", url, headers);
  if (!r.ok()) return Status::IOError("container credentials {}: {}", url, r.Describe());
  return ParseCredentialsDocument(r.body, url, "container");
}

bool MetadataDisabled() {
  std::string v = EnvOr("AWS_EC2_METADATA_DISABLED");
  return v == "true" || v == "TRUE" || v == "True";
}

std::string MetadataEndpoint() {
  std::string e = EnvOr("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://169.254.169.254");
  while (e.ends_with('/')) e.pop_back();
  return e;
}

// One IMDSv2 read: a session token first (PUT), then the GET with it. IMDSv1 is not
// tried: EMR's launch templates and the platform's require tokens (docs/infrastructure.md).
Result<std::string> MetadataGet(const std::string& path) {
  const std::string base = MetadataEndpoint();
  HttpClient client;
  HttpResponse token = MetadataRequest(client, "PUT", base + "/latest/api/token",
                                       {"X-aws-ec2-metadata-token-ttl-seconds: 300"});
  if (!token.ok()) {
    return Status::IOError("instance metadata {}: no session token: {}", base, token.Describe());
  }
  HttpResponse r =
      MetadataRequest(client, "GET", base + path, {"X-aws-ec2-metadata-token: " + token.body});
  if (!r.ok()) return Status::IOError("instance metadata {}{}: {}", base, path, r.Describe());
  return r.body;
}

Result<AwsCredentials> FromInstanceRole() {
  const std::string dir = "/latest/meta-data/iam/security-credentials/";
  SL_ASSIGN_OR_RETURN(std::string roles, MetadataGet(dir));
  std::string role = roles.substr(0, roles.find('\n'));
  if (role.empty()) return Status::NotFound("instance metadata: the instance has no role");
  SL_ASSIGN_OR_RETURN(std::string doc, MetadataGet(dir + role));
  return ParseCredentialsDocument(doc, MetadataEndpoint() + dir + role, "instance role " + role);
}

}  // namespace

Result<AwsCredentials> LoadAwsCredentials() {
  AwsCredentials env{EnvOr("AWS_ACCESS_KEY_ID"), EnvOr("AWS_SECRET_ACCESS_KEY"),
                     EnvOr("AWS_SESSION_TOKEN"), "environment"};
  if (!env.key.empty() && !env.secret.empty()) return env;
  const std::string file =
      EnvOr("AWS_SHARED_CREDENTIALS_FILE", EnvOr("HOME", ".") + "/.aws/credentials");
  const std::string profile = EnvOr("AWS_PROFILE", "default");
  AwsCredentials from_file = FromProfile(file, profile);
  if (!from_file.key.empty() && !from_file.secret.empty()) return from_file;
  std::vector<std::string> tried = {"AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
                                    fmt::format("profile '{}' in {}", profile, file)};
  // A configured container endpoint is authoritative: its failure is the answer.
  if (std::string url = ContainerCredentialsUrl(); !url.empty()) return FromContainer(url);
  tried.push_back("AWS_CONTAINER_CREDENTIALS_FULL_URI/_RELATIVE_URI (not set)");
  if (MetadataDisabled()) {
    tried.push_back("instance metadata (AWS_EC2_METADATA_DISABLED)");
  } else {
    auto role = FromInstanceRole();
    if (role.ok()) return role;
    tried.push_back(role.status().message());
  }
  return Status::NotFound("no AWS credentials; tried: {}", fmt::join(tried, "; "));
}

Result<std::string> ResolveAwsRegion() {
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (std::string v = EnvOr(name); !v.empty()) return v;
  }
  if (MetadataDisabled()) {
    return Status::NotFound("no AWS region: set AWS_REGION (instance metadata is disabled)");
  }
  auto region = MetadataGet("/latest/meta-data/placement/region");
  if (!region.ok()) {
    return Status::NotFound("no AWS region: AWS_REGION and AWS_DEFAULT_REGION are unset and {}",
                            region.status().message());
  }
  return *region;
}

std::string AwsServiceEndpoint(std::string_view service_env, std::string_view host_prefix,
                               std::string_view region) {
  std::string specific = fmt::format("AWS_ENDPOINT_URL_{}", service_env);
  std::string endpoint = EnvOr(specific.c_str(), EnvOr("AWS_ENDPOINT_URL"));
  if (!endpoint.empty()) return endpoint;
  return fmt::format("https://{}.{}.amazonaws.com/", host_prefix, region);
}

}  // namespace sensorlake::net
