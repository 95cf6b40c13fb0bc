#include "sensorlake/net/retry_policy.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

namespace sensorlake::net {

double RetryPolicy::BackoffSeconds(int32_t attempt, std::mt19937_64& rng) const {
  const int32_t doublings = std::clamp(attempt - 1, 0, 62);
  const double full =
      std::min(max_backoff_seconds, first_backoff_seconds * std::ldexp(1.0, doublings));
  if (full <= 0) return 0;
  std::uniform_real_distribution<double> upper_half(full / 2, full);
  return upper_half(rng);
}

double RetryPolicy::BackoffSeconds(int32_t attempt) const {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return BackoffSeconds(attempt, rng);
}

double RetryPolicy::SleepBeforeRetry(int32_t attempt) const {
  const double seconds = BackoffSeconds(attempt);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  return seconds;
}

bool IsRetryableHttpStatus(int64_t http_status) {
  return http_status == 0 || http_status == 408 || http_status == 425 || http_status == 429 ||
         (http_status >= 500 && http_status <= 599);
}

bool IsRetryableStatus(StatusCode code) {
  return code == StatusCode::kIOError || code == StatusCode::kBusy;
}

}  // namespace sensorlake::net
