#include "sensorlake/common/clock.h"

#include <chrono>
#include <ctime>

#include <fmt/format.h>

namespace sensorlake {

namespace {

struct Now {
  std::tm tm{};
  int32_t ms = 0;
};

Now UtcNow() {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  Now n;
  gmtime_r(&secs, &n.tm);
  n.ms = static_cast<int32_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  return n;
}

}  // namespace

std::string UtcTimestamp() {
  Now n = UtcNow();
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z", n.tm.tm_year + 1900,
                     n.tm.tm_mon + 1, n.tm.tm_mday, n.tm.tm_hour, n.tm.tm_min, n.tm.tm_sec);
}

std::string UtcIdStamp(bool milliseconds) {
  Now n = UtcNow();
  std::string s =
      fmt::format("{:04d}{:02d}{:02d}T{:02d}{:02d}{:02d}", n.tm.tm_year + 1900, n.tm.tm_mon + 1,
                  n.tm.tm_mday, n.tm.tm_hour, n.tm.tm_min, n.tm.tm_sec);
  if (milliseconds) s += fmt::format("{:03d}", n.ms);
  return s + "Z";
}

}  // namespace sensorlake
