#include "sensorlake/common/crash_point.h"

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include <fcntl.h>
#include <unistd.h>

namespace sensorlake {
namespace {

struct CrashPlan {
  bool active = false;
  std::string target;  // the point to die at; empty = trace only
  int64_t occurrence = 1;
  int64_t seen = 0;
  int trace_fd = -1;
  std::mutex mu;
};

CrashPlan& Plan() {
  static CrashPlan* plan = [] {
    auto* p = new CrashPlan();  // never destroyed: points may be reached during exit
    if (const char* at = std::getenv("SENSORLAKE_CRASH_AT"); at != nullptr && *at != '\0') {
      std::string spec(at);
      size_t hash = spec.rfind('#');
      p->target = spec.substr(0, hash);
      if (hash != std::string::npos)
        p->occurrence = std::max<int64_t>(1, std::atoll(at + hash + 1));
      p->active = true;
    }
    if (const char* trace = std::getenv("SENSORLAKE_CRASH_TRACE");
        trace != nullptr && *trace != '\0') {
      p->trace_fd = ::open(trace, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      p->active = p->active || p->trace_fd >= 0;
    }
    return p;
  }();
  return *plan;
}

}  // namespace

void CrashPoint(std::string_view name) {
  CrashPlan& plan = Plan();
  if (!plan.active) return;
  std::lock_guard<std::mutex> lock(plan.mu);
  if (plan.trace_fd >= 0) {
    std::string line = std::string(name) + "\n";
    // One write(2) per line on an O_APPEND file: lines from threads never interleave.
    (void)!::write(plan.trace_fd, line.data(), line.size());
  }
  if (!plan.target.empty() && name == plan.target && ++plan.seen == plan.occurrence) {
    std::fprintf(stderr, "crash point %s#%lld reached: SIGKILL\n", plan.target.c_str(),
                 static_cast<long long>(plan.occurrence));
    std::fflush(stderr);
    ::kill(::getpid(), SIGKILL);
  }
}

}  // namespace sensorlake
