// Reading the project's TOML config files (config/*.toml) into toml++ tables, with every
// failure a Status that names the file and line. Internal to the library.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "sensorlake/common/result.h"

namespace sensorlake {

// Parses TOML text; `origin` names the file in messages ("origin:line: what").
Result<toml::table> ParseTomlText(std::string_view text, std::string_view origin);

// The value of an integer key: a TOML integer only. toml++'s value<int64_t>() also converts
// a float, and one outside int64's range (target_file_bytes = 8.3e95, found by fuzz_config)
// is undefined behaviour; here a float is simply not an integer.
std::optional<int64_t> TomlInteger(const toml::node& node);

// The whole content of a config file; NotFound names the file.
Result<std::string> ReadConfigFile(const std::string& path);

}  // namespace sensorlake
