#include "sensorlake/net/retry_policy.h"

#include <gtest/gtest.h>

namespace sensorlake::net {
namespace {

TEST(RetryPolicy, BackoffDoublesWithinItsJitterBand) {
  RetryPolicy p{.max_attempts = 6, .first_backoff_seconds = 0.2, .max_backoff_seconds = 30};
  std::mt19937_64 rng(7);
  for (int32_t attempt = 1; attempt <= 5; ++attempt) {
    const double full = 0.2 * (1 << (attempt - 1));
    for (int32_t i = 0; i < 200; ++i) {
      const double d = p.BackoffSeconds(attempt, rng);
      EXPECT_GE(d, full / 2) << attempt;
      EXPECT_LE(d, full) << attempt;
    }
  }
}

TEST(RetryPolicy, BackoffIsCappedEvenAfterManyAttempts) {
  RetryPolicy p{.max_attempts = 100, .first_backoff_seconds = 1, .max_backoff_seconds = 8};
  std::mt19937_64 rng(1);
  for (int32_t attempt : {4, 10, 64, 1000}) {
    const double d = p.BackoffSeconds(attempt, rng);
    EXPECT_GE(d, 4);
    EXPECT_LE(d, 8);
  }
}

TEST(RetryPolicy, JitterSpreadsClientsThatFailedTogether) {
  RetryPolicy p;
  std::mt19937_64 a(1), b(2);
  EXPECT_NE(p.BackoffSeconds(3, a), p.BackoffSeconds(3, b));
  std::mt19937_64 c(5), d(5);  // the same seed draws the same wait: reproducible tests
  EXPECT_EQ(p.BackoffSeconds(3, c), p.BackoffSeconds(3, d));
}

TEST(RetryPolicy, MayRetryCountsTheFirstAttempt) {
  RetryPolicy p{.max_attempts = 3};
  EXPECT_TRUE(p.MayRetry(1));
  EXPECT_TRUE(p.MayRetry(2));
  EXPECT_FALSE(p.MayRetry(3));
  EXPECT_FALSE(RetryPolicy{.max_attempts = 1}.MayRetry(1));
}

TEST(RetryPolicy, ZeroBackoffNeverSleeps) {
  RetryPolicy p{.first_backoff_seconds = 0};
  EXPECT_EQ(p.BackoffSeconds(4), 0);
}

TEST(RetryableClasses, HttpStatuses) {
  for (int64_t s : {0, 408, 425, 429, 500, 502, 503, 504, 599})
    EXPECT_TRUE(IsRetryableHttpStatus(s)) << s;
  for (int64_t s : {200, 204, 301, 400, 401, 403, 404, 409, 412, 600}) {
    EXPECT_FALSE(IsRetryableHttpStatus(s)) << s;
  }
}

TEST(RetryableClasses, EngineStatusCodes) {
  EXPECT_TRUE(IsRetryableStatus(StatusCode::kIOError));
  EXPECT_TRUE(IsRetryableStatus(StatusCode::kBusy));
  for (StatusCode c : {StatusCode::kOk, StatusCode::kInvalid, StatusCode::kNotFound,
                       StatusCode::kCorrupt, StatusCode::kRefused, StatusCode::kInternal}) {
    EXPECT_FALSE(IsRetryableStatus(c)) << StatusCodeName(c);
  }
}

}  // namespace
}  // namespace sensorlake::net
