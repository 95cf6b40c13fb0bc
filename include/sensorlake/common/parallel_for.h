// Runs independent tasks 0..n-1 on a few threads and reports the first failure by index,
// so that the error a user sees does not depend on which thread got there first.
#pragma once

#include <cstdint>
#include <functional>

#include "sensorlake/common/status.h"

namespace sensorlake {

// One thread per core when `threads` <= 0; never more threads than tasks. After a task
// fails, tasks not yet started are skipped (their index is above the failure's, or they
// would only add work to an already failed run); running ones finish.
Status ParallelFor(int64_t n, int32_t threads, const std::function<Status(int64_t)>& task);

// `threads`, or one per core when it is <= 0.
int32_t ThreadsOrCores(int32_t threads);

}  // namespace sensorlake
