#include "monitoring/cloudwatch_logs.h"

#include <nlohmann/json.hpp>

#include "monitoring/http_post.h"
#include "sensorlake/net/aws_credentials.h"

namespace sensorlake::monitoring {

namespace {

struct Caller {
  std::string region;
  net::AwsCredentials cred;
};

// CloudWatch Logs' JSON protocol: one POST per action, named by X-Amz-Target.
Result<PostResult> CallLogs(const Caller& caller, const std::string& action,
                            const nlohmann::json& request, const CloudWatchLogsTarget& target,
                            std::vector<std::string> extra) {
  PostOptions o;
  o.headers = {"Content-Type: application/x-amz-json-1.1", "X-Amz-Target: Logs_20140328." + action};
  for (auto& h : extra) o.headers.push_back(std::move(h));
  o.timeout_seconds = target.timeout_seconds;
  o.attempts = target.attempts;
  SignForAws(caller.cred, caller.region, "logs", &o);
  return HttpPost(net::AwsServiceEndpoint("CLOUDWATCH_LOGS", "logs", caller.region), request.dump(),
                  o);
}

}  // namespace

std::string LogStreamName(const std::string& run_id) {
  std::string name;
  for (char c : run_id) name += (c == ':' || c == '*') ? '_' : c;
  return name.substr(0, 512);
}

Result<int64_t> PutEmfLogEvents(const CloudWatchLogsTarget& target,
                                const std::vector<std::string>& lines, int64_t timestamp_ms) {
  if (lines.empty()) return 0;
  Caller caller;
  SL_ASSIGN_OR_RETURN(caller.region, net::ResolveAwsRegion());
  SL_ASSIGN_OR_RETURN(caller.cred, net::LoadAwsCredentials());
  auto created = CallLogs(
      caller, "CreateLogStream",
      {{"logGroupName", target.log_group}, {"logStreamName", target.log_stream}}, target, {});
  // A stream an earlier stage or run of this id created is the one to append to.
  if (!created.ok() &&
      created.status().message().find("ResourceAlreadyExistsException") == std::string::npos) {
    return Status::IOError("CloudWatch Logs group '{}': cannot create the stream '{}': {}",
                           target.log_group, target.log_stream, created.status().message());
  }
  nlohmann::json events = nlohmann::json::array();
  for (const auto& line : lines) events.push_back({{"timestamp", timestamp_ms}, {"message", line}});
  auto put = CallLogs(caller, "PutLogEvents",
                      {{"logGroupName", target.log_group},
                       {"logStreamName", target.log_stream},
                       {"logEvents", events}},
                      target, {"x-amzn-logs-format: json/emf"});
  if (!put.ok()) {
    return Status::IOError("CloudWatch Logs group '{}': {}", target.log_group,
                           put.status().message());
  }
  nlohmann::json answer = nlohmann::json::parse(put->body, nullptr, false);
  if (answer.is_object() && answer.contains("rejectedLogEventsInfo")) {
    return Status::IOError("CloudWatch Logs group '{}' rejected events: {}", target.log_group,
                           answer["rejectedLogEventsInfo"].dump());
  }
  return static_cast<int64_t>(lines.size());
}

}  // namespace sensorlake::monitoring
