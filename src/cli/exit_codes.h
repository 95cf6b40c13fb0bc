// The program's exit codes: one table that the help footer, `sensorlake constants` (and
// through it the Python package and the DAG) read. The codes of failed Status values come
// from ExitCodeFor (common/status.h); exit_codes_test.cc checks the table agrees with it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sensorlake/common/status.h"

namespace sensorlake::cli {

// Exit codes that stand for no Status: a verdict and a command-line problem.
inline constexpr int32_t kExitGateFailed = 1;  // the quality gate failed (`check`)
inline constexpr int32_t kExitUsage = 2;       // bad or missing option (CLI11)

struct ExitCode {
  int32_t code = 0;
  std::string_view name;             // "lake busy"
  std::optional<StatusCode> status;  // the Status code it reports, if any
  bool transient = false;            // a retry may succeed (orchestrators retry these)
};

inline constexpr std::array<ExitCode, 13> kExitCodes = {{
    {0, "ok", StatusCode::kOk, false},
    {kExitGateFailed, "quality gate failed", std::nullopt, false},
    {kExitUsage, "usage error", std::nullopt, false},
    {3, "invalid input", StatusCode::kInvalid, false},
    {4, "not found", StatusCode::kNotFound, false},
    {5, "already exists", StatusCode::kAlreadyExists, false},
    {6, "I/O or storage error", StatusCode::kIOError, true},
    {7, "corrupt data", StatusCode::kCorrupt, false},
    {8, "lake busy", StatusCode::kBusy, true},
    {9, "input refused", StatusCode::kRefused, false},
    {10, "not implemented", StatusCode::kNotImplemented, false},
    {11, "cancelled", StatusCode::kCancelled, false},
    {70, "internal error", StatusCode::kInternal, false},
}};

// The "Exit codes:" footer of `sensorlake --help`, three codes a line.
std::string ExitCodesHelp();

}  // namespace sensorlake::cli
