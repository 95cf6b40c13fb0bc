// Running one of the project's Python modules (`python -m sensorlake.<module>`) from the
// engine: the trainer (`sensorlake train`) and the Iceberg commits (tables/) are Python
// because their libraries are (scikit-learn, pyiceberg).
//
// Interpreter: $SENSORLAKE_PYTHON, else <repo>/.venv/bin/python, else python3 on PATH. The
// repository is the first folder above the executable that holds python/sensorlake, else
// the source tree the engine was built from (SENSORLAKE_SOURCE_DIR); from a source tree the
// child's PYTHONPATH is <repo>/python, then the engine module's folder beside the
// executable (<build>/python), then the caller's. Without a repository (an installed
// wheel) the interpreter must have the package installed: set SENSORLAKE_PYTHON.
//
// The module writes its result, or {"error": {"code", "message"}}, as JSON to the file
// named by `--summary-file`, which the runner appends to the arguments.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"

namespace sensorlake {

// Its nlohmann::json member's destructor may allocate (it frees nested values through a
// std::vector), which clang-tidy reads as an exception escaping the implicit destructor.
// NOLINTNEXTLINE(bugprone-exception-escape)
struct PythonModuleRun {
  int exit_code = 0;
  nlohmann::json summary;  // discarded when the file was not JSON
  std::string python;      // the interpreter that ran
};

// Runs `python -m <module> <args...> --summary-file <tmp>` and waits. NotImplemented when
// no interpreter is found or it cannot be started.
Result<PythonModuleRun> RunPythonModule(const std::string& module,
                                        const std::vector<std::string>& args);

// The error a failed run reports: its summary's {"error": {"code", "message"}} as a Status,
// else NotImplemented for exit 1 (the interpreter failed before the module's main: an
// interpreter without the project's packages) naming `what`, else Internal.
Status PythonModuleError(const PythonModuleRun& run, const std::string& what);

// The status code whose StatusCodeName() is `name`; kInternal for an unknown name.
StatusCode StatusCodeFromName(const std::string& name);

}  // namespace sensorlake
