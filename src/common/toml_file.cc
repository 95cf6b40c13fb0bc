#include "common/toml_file.h"

#include <fstream>
#include <sstream>

namespace sensorlake {

Result<toml::table> ParseTomlText(std::string_view text, std::string_view origin) {
  // Debian's toml++ is built with exceptions: contain them here, return a Status.
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& err) {
    return Status::Invalid("{}:{}: {}", origin, err.source().begin.line, err.description());
  }
}

Result<std::string> ReadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read config file {}", path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<int64_t> TomlInteger(const toml::node& node) { return node.value_exact<int64_t>(); }

}  // namespace sensorlake
