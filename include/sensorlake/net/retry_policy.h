// The one retry policy of every caller that talks to a network or a store: the HTTP
// download, the alert/lineage POSTs, the S3 lock's conditional PUT, and the pipeline's
// stage and run-record retries. Exponential backoff with equal jitter (half of each wait
// fixed, half random), so that clients that failed together do not retry together, and one
// definition of what is worth retrying.
#pragma once

#include <cstdint>
#include <random>

#include "sensorlake/common/status.h"

namespace sensorlake::net {

struct RetryPolicy {
  int32_t max_attempts = 5;  // attempts in all, the first included
  double first_backoff_seconds = 0.2;
  double max_backoff_seconds = 30;

  // Whether failed attempt `attempt` (1-based) may be followed by another.
  bool MayRetry(int32_t attempt) const { return attempt < max_attempts; }

  // The wait after failed attempt `attempt` (1-based): first_backoff * 2^(attempt-1),
  // capped at max_backoff, of which the upper half is drawn uniformly from `rng`.
  double BackoffSeconds(int32_t attempt, std::mt19937_64& rng) const;
  // The same with a per-thread generator seeded from std::random_device.
  double BackoffSeconds(int32_t attempt) const;

  // Sleeps BackoffSeconds(attempt) and returns the seconds slept.
  double SleepBeforeRetry(int32_t attempt) const;
};

// HTTP answers worth another attempt: none at all (0: a transport error), 408 (timeout),
// 425 (too early), 429 (throttled) and every 5xx. Anything else is the server's final word.
bool IsRetryableHttpStatus(int64_t http_status);

// The engine's transient failures: a storage or network error, a lake busy with another
// writer. Invalid input, corrupt data or a refusal fail the same way every time.
bool IsRetryableStatus(StatusCode code);

}  // namespace sensorlake::net
