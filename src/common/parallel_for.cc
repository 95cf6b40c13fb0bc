#include "sensorlake/common/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace sensorlake {

int32_t ThreadsOrCores(int32_t threads) {
  if (threads > 0) return threads;
  return static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
}

Status ParallelFor(int64_t n, int32_t threads, const std::function<Status(int64_t)>& task) {
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  int64_t first_index = n;
  Status first;
  auto worker = [&] {
    for (int64_t i = next++; i < n && !failed; i = next++) {
      Status st = task(i);
      if (st.ok()) continue;
      failed = true;
      std::lock_guard<std::mutex> lock(mu);
      if (i < first_index) {
        first_index = i;
        first = std::move(st);
      }
    }
  };
  int64_t count = std::min<int64_t>(ThreadsOrCores(threads), n);
  if (count <= 1) {
    worker();  // no thread for one task: cheaper, and a debugger's stack stays whole
    return first;
  }
  std::vector<std::thread> pool;
  for (int64_t t = 0; t < count; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  return first;
}

}  // namespace sensorlake
