// Reading the project's TOML config files (config/*.toml) into toml++ tables, with every
// failure a Status that names the file and line. Internal to the library.
#pragma once

#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "sensorlake/common/result.h"

namespace sensorlake {

// Parses TOML text; `origin` names the file in messages ("origin:line: what").
Result<toml::table> ParseTomlText(std::string_view text, std::string_view origin);

// The whole content of a config file; NotFound names the file.
Result<std::string> ReadConfigFile(const std::string& path);

}  // namespace sensorlake
