// The engine's EMF lines into a CloudWatch Logs group with PutLogEvents, so that the
// metrics reach CloudWatch wherever the engine runs (EMR, MWAA, a laptop) with no agent on
// the host: CloudWatch extracts the metrics of events sent with the json/emf log format.
// Internal to the library (docs/monitoring.md, "Metrics in CloudWatch").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sensorlake/common/result.h"

namespace sensorlake::monitoring {

struct CloudWatchLogsTarget {
  std::string log_group;   // created by Terraform (modules/monitoring); never created here
  std::string log_stream;  // created when missing
  double timeout_seconds = 10;
  int32_t attempts = 3;
};

// Sends `lines` (EMF documents) as one PutLogEvents batch stamped `timestamp_ms`, signed
// with the credential chain (net/aws_credentials.h) for the region AWS_REGION or the
// instance's; endpoint AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, AWS_ENDPOINT_URL or AWS's. Returns
// how many events were sent; an event CloudWatch rejects is an error naming why.
Result<int64_t> PutEmfLogEvents(const CloudWatchLogsTarget& target,
                                const std::vector<std::string>& lines, int64_t timestamp_ms);

// A log stream name CloudWatch accepts (no ':' or '*', at most 512 characters).
std::string LogStreamName(const std::string& run_id);

}  // namespace sensorlake::monitoring
