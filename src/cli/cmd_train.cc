// `sensorlake train`: the activity-classifier baseline. The model is scikit-learn, so this
// command runs the Python trainer (python/sensorlake/ml/train.py) with the project's
// interpreter and reports what it wrote (docs/features.md, "Model baseline").
//
// Interpreter: $SENSORLAKE_PYTHON, else <repo>/.venv/bin/python, else python3 on PATH. The
// repository is the first folder above the executable that holds python/sensorlake/ml, else
// SENSORLAKE_SOURCE_DIR (compile time). The trainer's exit codes are the documented ones
// (docs/cli.md) and pass through; a missing interpreter or package is NotImplemented (10).
// The trainer reads and writes the lake through sensorlake.Lake, the engine's own Lake: from
// a build tree its module is <build>/python/sensorlake/_engine*.so (the release preset
// builds it), put on the trainer's PYTHONPATH here.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/command.h"
#include "sensorlake/common/result.h"

extern char** environ;

namespace sensorlake::cli {

namespace {

namespace fs = std::filesystem;

struct TrainArgs {
  std::string lake;
  std::string features_version;
  std::string model = "rf";
  std::string attributes = "all";
  std::string combinations;  // empty: the trainer's default (every single and fused one)
  int32_t trees = 200;
  int32_t folds = 5;
  int64_t seed = 1;
  int32_t threads = 0;
  bool force = false;
  bool quiet = false;
};

bool HasTrainer(const fs::path& repo) {
  std::error_code ec;
  return fs::is_regular_file(repo / "python" / "sensorlake" / "ml" / "train.py", ec);
}

// The source tree that holds python/sensorlake/ml: above the executable, else compiled in.
std::optional<fs::path> FindRepo() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path();
         dir = dir.parent_path()) {
      if (HasTrainer(dir)) return dir;
    }
  }
#ifdef SENSORLAKE_SOURCE_DIR
  if (HasTrainer(SENSORLAKE_SOURCE_DIR)) return fs::path(SENSORLAKE_SOURCE_DIR);
#endif
  return std::nullopt;
}

bool IsExecutable(const fs::path& p) { return ::access(p.c_str(), X_OK) == 0; }

// $SENSORLAKE_PYTHON, <repo>/.venv/bin/python, python3 on PATH; empty when none exists.
std::string FindPython(const fs::path& repo) {
  if (const char* env = std::getenv("SENSORLAKE_PYTHON"); env != nullptr && *env != '\0') {
    return env;
  }
  if (fs::path venv = repo / ".venv" / "bin" / "python"; IsExecutable(venv)) return venv;
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

StatusCode CodeFromName(const std::string& name) {
  for (StatusCode c :
       {StatusCode::kInvalid, StatusCode::kNotFound, StatusCode::kAlreadyExists,
        StatusCode::kIOError, StatusCode::kCorrupt, StatusCode::kBusy, StatusCode::kRefused,
        StatusCode::kNotImplemented, StatusCode::kCancelled, StatusCode::kInternal}) {
    if (StatusCodeName(c) == name) return c;
  }
  return StatusCode::kInternal;
}

std::string SummaryText(const nlohmann::json& s) {
  std::string text = fmt::format("model {} ({}) on features {}\n", s.value("model_id", "?"),
                                 s.value("status", "?"), s.value("features_version", "?"));
  if (s.contains("combinations")) {
    for (const auto& [combo, m] : s["combinations"].items()) {
      text +=
          fmt::format("  {:<22} {:>6} windows  accuracy {:.3f}  macro F1 {:.3f}\n", combo,
                      m.value("windows", 0), m.value("accuracy", 0.0), m.value("macro_f1", 0.0));
    }
  }
  if (s.contains("skipped")) {
    for (const auto& [combo, why] : s["skipped"].items()) {
      text += fmt::format("  {:<22} skipped: {}\n", combo, why.get<std::string>());
    }
  }
  text += fmt::format("  written: {}\n", s.value("path", "?"));
  return text;
}

// The trainer's command line: `python -m sensorlake.ml.train` with the command's options.
std::vector<std::string> TrainerArgv(const TrainArgs& args, const std::string& python,
                                     const std::string& summary_path) {
  std::vector<std::string> argv = {python,
                                   "-m",
                                   "sensorlake.ml.train",
                                   "--lake",
                                   args.lake,
                                   "--model",
                                   args.model,
                                   "--attributes",
                                   args.attributes,
                                   "--trees",
                                   std::to_string(args.trees),
                                   "--folds",
                                   std::to_string(args.folds),
                                   "--seed",
                                   std::to_string(args.seed),
                                   "--jobs",
                                   std::to_string(args.threads > 0 ? args.threads : -1),
                                   "--summary-json",
                                   summary_path};
  if (!args.features_version.empty()) {
    argv.insert(argv.end(), {"--features-version", args.features_version});
  }
  if (!args.combinations.empty()) {
    argv.insert(argv.end(), {"--combinations", args.combinations});
  }
  if (args.force) argv.emplace_back("--force");
  if (args.quiet) argv.emplace_back("--quiet");
  return argv;
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

// This process's environment with PYTHONPATH = <repo>/python, then the engine module's
// folder (the trainer imports sensorlake.Lake), then the caller's PYTHONPATH.
std::vector<std::string> TrainerEnvironment(const fs::path& repo) {
  std::string pythonpath = "PYTHONPATH=" + (repo / "python").string();
  if (std::optional<fs::path> engine = EngineModuleDir()) pythonpath += ":" + engine->string();
  std::vector<std::string> env;
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
    return Status::Internal("the trainer ({}) was killed by signal {}", argv[0], WTERMSIG(wstatus));
  }
  return WEXITSTATUS(wstatus);
}

// The command's result from the trainer's exit code and the summary it wrote.
Status TrainerResult(int code, const std::string& summary_path, const std::string& python,
                     CommandOutput* out) {
  nlohmann::json summary;
  {
    std::ifstream in(summary_path);
    summary = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  }
  if (code == 0 && summary.is_object()) {
    out->summary = summary;
    out->text = SummaryText(summary);
    return Status::OK();
  }
  if (summary.is_object() && summary.contains("error")) {
    const auto& err = summary["error"];
    return Status(CodeFromName(err.value("code", "Internal")), err.value("message", ""));
  }
  if (code == 1) {
    // The interpreter failed before the trainer's main (an import): most likely an
    // interpreter without the project's packages, or no engine module.
    return Status::NotImplemented(
        "the Python trainer did not start with {} (exit 1, see the message above): install "
        "requirements.txt into it (scripts/setup.sh) or set SENSORLAKE_PYTHON; the engine's "
        "module comes from the build (make build) or the installed wheel",
        python);
  }
  if (code == 2) return Status::Invalid("the trainer refused its arguments (see above)");
  return Status::Internal("the trainer ({}) exited with code {} without a summary", python, code);
}

Status RunTrainCommand(const TrainArgs& args, CommandOutput* out) {
  std::optional<fs::path> repo = FindRepo();
  if (!repo) {
    return Status::NotImplemented(
        "train needs the Python trainer python/sensorlake/ml, found neither above this "
        "executable nor in the source tree it was built from");
  }
  std::string python = FindPython(*repo);
  if (python.empty()) {
    return Status::NotImplemented(
        "train needs a Python interpreter with requirements.txt installed: set "
        "SENSORLAKE_PYTHON, or create {}/.venv (scripts/setup.sh)",
        repo->string());
  }

  char summary_path[] = "/tmp/sensorlake-train-XXXXXX";
  int fd = ::mkstemp(summary_path);
  if (fd < 0) return Status::IOError("cannot create a temporary file in /tmp");
  ::close(fd);
  struct Cleanup {
    const char* path;
    ~Cleanup() { ::unlink(path); }
  } cleanup{summary_path};

  SL_ASSIGN_OR_RETURN(
      int code, SpawnAndWait(TrainerArgv(args, python, summary_path), TrainerEnvironment(*repo)));
  return TrainerResult(code, summary_path, python, out);
}

}  // namespace

void AddTrainCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* sub = app.add_subcommand(
      "train",
      "Train the activity classifier on the lake's features (one model per device and "
      "sensor, and fused ones, subject-wise cross-validation); write the model, "
      "metrics.json and a confusion-matrix PNG to <lake>/models/");
  sub->add_option("--lake", args->lake, "Lake URI (a path, file:///path or s3://bucket/prefix)")
      ->required();
  sub->add_option("--features-version", args->features_version,
                  "Features version to train on (default: the current one)");
  sub->add_option("--model", args->model,
                  "rf RandomForest, et ExtraTrees, hgb HistGradientBoosting (slow)")
      ->check(CLI::IsMember({"rf", "et", "hgb"}))
      ->capture_default_str();
  sub->add_option("--attributes", args->attributes,
                  "all 91 numeric attributes, or 'published': the 46 the WISDM papers used "
                  "(no MFCC, cosine, correlation)")
      ->check(CLI::IsMember({"all", "published"}))
      ->capture_default_str();
  sub->add_option("--combinations", args->combinations,
                  "Comma-separated combinations to train: phone/accel, phone/gyro, "
                  "watch/accel, watch/gyro, phone/accel+gyro, watch/accel+gyro, "
                  "phone+watch/accel+gyro (default: all)");
  sub->add_option("--trees", args->trees, "Trees (rf, et) or boosting iterations (hgb)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  sub->add_option("--folds", args->folds, "Subject-wise cross-validation folds (GroupKFold)")
      ->check(CLI::Range(2, 1000))
      ->capture_default_str();
  sub->add_option("--seed", args->seed, "Seed of the split and the model")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--threads", args->threads, "Worker threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--force", args->force, "Retrain when the same model id already exists");
  sub->footer(
      "Docs: docs/features.md (Model baseline). Runs the Python trainer "
      "(python/sensorlake/ml) with $SENSORLAKE_PYTHON, <repo>/.venv/bin/python or python3.");
  sub->callback([run, args, &global] {
    args->quiet = global.quiet || global.json;
    *run = [args](CommandOutput* out) { return RunTrainCommand(*args, out); };
  });
}

}  // namespace sensorlake::cli
