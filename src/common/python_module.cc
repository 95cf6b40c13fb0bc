#include "sensorlake/common/python_module.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

extern char** environ;

namespace sensorlake {

namespace {

namespace fs = std::filesystem;

bool HasPackage(const fs::path& repo) {
  std::error_code ec;
  return fs::is_regular_file(repo / "python" / "sensorlake" / "__init__.py", ec);
}

// The source tree that holds python/sensorlake: above the executable, else compiled in.
std::optional<fs::path> FindRepo() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path();
         dir = dir.parent_path()) {
      if (HasPackage(dir)) return dir;
    }
  }
#ifdef SENSORLAKE_SOURCE_DIR
  if (HasPackage(SENSORLAKE_SOURCE_DIR)) return fs::path(SENSORLAKE_SOURCE_DIR);
#endif
  return std::nullopt;
}

bool IsExecutable(const fs::path& p) { return ::access(p.c_str(), X_OK) == 0; }

// $SENSORLAKE_PYTHON, <repo>/.venv/bin/python, python3 on PATH; empty when none exists.
std::string FindPython(const std::optional<fs::path>& repo) {
  if (const char* env = std::getenv("SENSORLAKE_PYTHON"); env != nullptr && *env != '\0') {
    return env;
  }
  if (repo) {
    if (fs::path venv = *repo / ".venv" / "bin" / "python"; IsExecutable(venv)) return venv;
  }
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::string_view rest(path);
    while (!rest.empty()) {
      size_t colon = rest.find(':');
      std::string_view dir = rest.substr(0, colon);
      if (!dir.empty()) {
        fs::path candidate = fs::path(dir) / "python3";
        if (IsExecutable(candidate)) return candidate;
      }
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  return {};
}

// The folder that holds the engine's Python module built beside this executable
// (<build>/python/sensorlake/_engine*.so, from <build>/src/sensorlake), if there is one.
std::optional<fs::path> EngineModuleDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return std::nullopt;
  for (const fs::path& dir : {exe.parent_path(), exe.parent_path().parent_path()}) {
    if (fs::is_directory(dir / "python" / "sensorlake", ec)) return dir / "python";
  }
  return std::nullopt;
}

// This process's environment; from a source tree with PYTHONPATH = <repo>/python, then the
// engine module's folder, then the caller's PYTHONPATH.
std::vector<std::string> ChildEnvironment(const std::optional<fs::path>& repo) {
  std::vector<std::string> env;
  if (!repo) {
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
    return env;
  }
  std::string pythonpath = "PYTHONPATH=" + (*repo / "python").string();
  if (std::optional<fs::path> engine = EngineModuleDir()) pythonpath += ":" + engine->string();
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view kv(*e);
    if (kv.starts_with("PYTHONPATH=")) {
      if (kv.size() > 11) pythonpath += ":" + std::string(kv.substr(11));
    } else {
      env.emplace_back(kv);
    }
  }
  env.push_back(pythonpath);
  return env;
}

// Runs argv[0] with `argv` and `env` and returns its exit code.
Result<int> SpawnAndWait(std::vector<std::string> argv, std::vector<std::string> env) {
  std::vector<char*> cargv, cenv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  for (auto& e : env) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, cargv[0], nullptr, nullptr, cargv.data(), cenv.data());
  if (rc != 0) {
    return Status::NotImplemented("cannot run the Python interpreter {}: {}", argv[0],
                                  std::strerror(rc));
  }
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return Status::Internal("waitpid: {}", std::strerror(errno));
  }
  if (WIFSIGNALED(wstatus)) {
    return Status::Internal("{} ({}) was killed by signal {}", argv[2], argv[0], WTERMSIG(wstatus));
  }
  return WEXITSTATUS(wstatus);
}

}  // namespace

StatusCode StatusCodeFromName(const std::string& name) {
  for (StatusCode c :
       {StatusCode::kInvalid, StatusCode::kNotFound, StatusCode::kAlreadyExists,
        StatusCode::kIOError, StatusCode::kCorrupt, StatusCode::kBusy, StatusCode::kRefused,
        StatusCode::kNotImplemented, StatusCode::kCancelled, StatusCode::kInternal}) {
    if (StatusCodeName(c) == name) return c;
  }
  return StatusCode::kInternal;
}

Result<PythonModuleRun> RunPythonModule(const std::string& module,
                                        const std::vector<std::string>& args) {
  std::optional<fs::path> repo = FindRepo();
  PythonModuleRun run;
  run.python = FindPython(repo);
  if (run.python.empty()) {
    return Status::NotImplemented(
        "{} needs a Python interpreter with requirements.txt installed: set "
        "SENSORLAKE_PYTHON, or create <repo>/.venv (scripts/setup.sh)",
        module);
  }
  char summary_path[] = "/tmp/sensorlake-python-XXXXXX";
  int fd = ::mkstemp(summary_path);
  if (fd < 0) return Status::IOError("cannot create a temporary file in /tmp");
  ::close(fd);
  struct Cleanup {
    const char* path;
    ~Cleanup() { ::unlink(path); }
  } cleanup{summary_path};

  std::vector<std::string> argv = {run.python, "-m", module};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--summary-json", summary_path});
  SL_ASSIGN_OR_RETURN(run.exit_code, SpawnAndWait(std::move(argv), ChildEnvironment(repo)));
  std::ifstream in(summary_path);
  run.summary = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (run.summary.is_discarded()) run.summary = nlohmann::json();
  return run;
}

Status PythonModuleError(const PythonModuleRun& run, const std::string& what) {
  if (run.summary.is_object() && run.summary.contains("error")) {
    const auto& err = run.summary["error"];
    return Status(StatusCodeFromName(err.value("code", "Internal")), err.value("message", ""));
  }
  if (run.exit_code == 1) {
    // The interpreter failed before the module's main (an import): most likely an
    // interpreter without the project's packages, or no engine module.
    return Status::NotImplemented(
        "{} did not start with {} (exit 1, see the message above): install the package "
        "with its Iceberg extra into it (a wheel: pip install 'sensorlake[tables]'; the "
        "repository: requirements.txt, scripts/setup.sh) or set SENSORLAKE_PYTHON",
        what, run.python);
  }
  return Status::Internal("{} ({}) exited with code {} without a summary", what, run.python,
                          run.exit_code);
}

}  // namespace sensorlake
