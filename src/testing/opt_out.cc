#include "testing/opt_out.h"

#include <cstdlib>
#include <string>

namespace sensorlake::testing {

bool OptedOut(std::string_view component) {
  const char* env = std::getenv(kOptOutEnv);
  if (env == nullptr) return false;
  std::string_view list(env);
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name == component) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace sensorlake::testing
