#include "sensorlake/common/parallel_for.h"

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

namespace sensorlake {
namespace {

TEST(ParallelForTest, RunsEveryTaskOnceOnSeveralThreads) {
  std::mutex mu;
  std::multiset<int64_t> seen;
  std::set<std::thread::id> threads;
  ASSERT_TRUE(ParallelFor(200, 3, [&](int64_t i) {
                std::lock_guard<std::mutex> lock(mu);
                seen.insert(i);
                threads.insert(std::this_thread::get_id());
                return Status::OK();
              }).ok());
  ASSERT_EQ(seen.size(), 200u);
  for (int64_t i = 0; i < 200; ++i) EXPECT_EQ(seen.count(i), 1u) << i;
  EXPECT_GE(threads.size(), 1u);
  EXPECT_LE(threads.size(), 3u);
}

TEST(ParallelForTest, ReportsTheFailureWithTheLowestIndex) {
  // Tasks 5 and 7 fail; whichever thread gets there first, the error is task 5's.
  for (int32_t threads : {1, 2, 4}) {
    Status st = ParallelFor(8, threads, [](int64_t i) {
      if (i == 7) return Status::IOError("task 7");
      if (i == 5) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return Status::Corrupt("task 5");
      }
      return Status::OK();
    });
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code(), StatusCode::kCorrupt) << threads << " threads: " << st.ToString();
  }
}

TEST(ParallelForTest, StopsStartingTasksAfterAFailure) {
  std::atomic<int64_t> started{0};
  Status st = ParallelFor(1000, 1, [&](int64_t i) {
    ++started;
    return i == 3 ? Status::IOError("stop") : Status::OK();
  });
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(started.load(), 4);
}

TEST(ParallelForTest, NoTasksIsOk) {
  EXPECT_TRUE(ParallelFor(0, 2, [](int64_t) { return Status::IOError("never"); }).ok());
}

}  // namespace
}  // namespace sensorlake
