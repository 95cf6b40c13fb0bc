#include "cli/exit_codes.h"

#include <fmt/format.h>

namespace sensorlake::cli {

std::string ExitCodesHelp() {
  std::string out = "Exit codes:";
  std::string line;
  auto flush = [&] {
    while (line.ends_with(' ')) line.pop_back();  // no trailing blanks in --help
    out += "\n" + line;
    line.clear();
  };
  for (size_t i = 0; i < kExitCodes.size(); ++i) {
    if (i > 0 && i % 3 == 0) flush();
    line += fmt::format("{:>3} {:<22}", kExitCodes[i].code, kExitCodes[i].name);
  }
  flush();
  return out;
}

}  // namespace sensorlake::cli
