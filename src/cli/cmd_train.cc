// `sensorlake train`: the activity-classifier baseline. The model is LightGBM's or
// scikit-learn's, so this command runs the Python trainer (python/sensorlake/ml/train.py) with the
// project's interpreter and reports what it wrote (docs/features.md, "Model baseline").
//
// The interpreter and its PYTHONPATH are common/python_module.h's. The trainer's errors are
// the documented ones (docs/cli.md) and pass through; a missing interpreter or package is
// NotImplemented (10). The trainer reads and writes the lake through sensorlake.Lake, the
// engine's own Lake.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/command.h"
#include "sensorlake/common/python_module.h"
#include "sensorlake/common/result.h"

namespace sensorlake::cli {

namespace {

struct TrainArgs {
  std::string lake;
  std::string features_version;
  std::string model = "lgbm";
  std::string attributes = "all";
  std::string combinations;  // empty: the trainer's default (every single and fused one)
  int32_t trees = 0;         // 0: the model's own default (the trainer's DEFAULT_TREES)
  int32_t folds = 5;
  int64_t seed = 1;
  int32_t threads = 0;
  bool force = false;
  bool quiet = false;
};

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

// The trainer's arguments (`python -m sensorlake.ml.train ...`) from the command's options.
std::vector<std::string> TrainerArgs(const TrainArgs& args) {
  std::vector<std::string> argv = {
      "--lake",       args.lake,
      "--model",      args.model,
      "--attributes", args.attributes,
      "--folds",      std::to_string(args.folds),
      "--seed",       std::to_string(args.seed),
      "--jobs",       std::to_string(args.threads > 0 ? args.threads : -1)};
  if (args.trees > 0) argv.insert(argv.end(), {"--trees", std::to_string(args.trees)});
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

// The command's result from the trainer's exit code and the summary it wrote.
Status TrainerResult(const PythonModuleRun& run, CommandOutput* out) {
  if (run.exit_code == 0 && run.summary.is_object()) {
    out->summary = run.summary;
    out->text = SummaryText(run.summary);
    return Status::OK();
  }
  if (run.exit_code == 2 && !(run.summary.is_object() && run.summary.contains("error"))) {
    return Status::Invalid("the trainer refused its arguments (see above)");
  }
  return PythonModuleError(run, "the Python trainer");
}

Status RunTrainCommand(const TrainArgs& args, CommandOutput* out) {
  SL_ASSIGN_OR_RETURN(PythonModuleRun run,
                      RunPythonModule("sensorlake.ml.train", TrainerArgs(args)));
  return TrainerResult(run, out);
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
                  "lgbm LightGBM's gradient boosting, rf RandomForest (10x slower), et "
                  "ExtraTrees, hgb scikit-learn's HistGradientBoosting (slow)")
      ->check(CLI::IsMember({"lgbm", "rf", "et", "hgb"}))
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
  sub->add_option("--trees", args->trees,
                  "Trees (rf, et) or boosting iterations (lgbm, hgb) (default: lgbm 60, the "
                  "others 200)")
      ->check(CLI::Range(1, 100000));
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
