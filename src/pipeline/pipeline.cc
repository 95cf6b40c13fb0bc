#include "sensorlake/pipeline/pipeline.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "sensorlake/common/clock.h"
#include "sensorlake/common/crash_point.h"
#include "sensorlake/common/sha256.h"
#include "sensorlake/features/features.h"
#include "sensorlake/generate/generator.h"
#include "sensorlake/ingest/ingest.h"
#include "sensorlake/net/retry_policy.h"
#include "sensorlake/pipeline/publish.h"
#include "sensorlake/pipeline/stage_run.h"
#include "sensorlake/quality/quality.h"
#include "sensorlake/storage/lake_lock.h"
#include "sensorlake/storage/versioned_zone.h"
#include "sensorlake/transform/transform.h"

namespace sensorlake::pipeline {

namespace {

using zones::kRunsDir;

}  // namespace

// ---- running --------------------------------------------------------------------------

namespace {

class Runner {
 public:
  Runner(const storage::Lake& lake, const RunOptions& options,
         std::function<void(std::string_view)> log)
      : lake_(lake), o_(options), log_(std::move(log)) {}

  Result<RunRecord> Run() {
    auto start = std::chrono::steady_clock::now();
    // One pipeline run per lake at a time; a record left "running" without this lock held
    // is a run that was killed, and the next run resumes it.
    SL_ASSIGN_OR_RETURN(auto lock, storage::LakeLock::Acquire(lake_, "pipeline", "run"));
    SL_RETURN_NOT_OK(Prepare());
    for (int32_t i = 0; i < kNumStages && rec_.outcome == "running"; ++i) {
      SL_RETURN_NOT_OK(RunStage(static_cast<Stage>(i)));
    }
    if (rec_.outcome == "running") rec_.outcome = "succeeded";
    rec_.finished_at = UtcTimestamp();
    rec_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (o_.observer) o_.observer->OnRunEnd(&rec_);
    SL_RETURN_NOT_OK(Save());
    return rec_;
  }

 private:
  void Log(std::string_view msg) const {
    if (log_) log_(msg);
  }

  // The record is small and written often: a transient store error (a dropped connection,
  // a 503 the SDK gave up on) is retried here rather than failing a run whose data is fine.
  Status Save() const {
    std::string json = rec_.ToJson().dump(2) + "\n";
    Status st;
    const net::RetryPolicy policy{.max_attempts = o_.max_attempts + 2,
                                  .first_backoff_seconds = 0.25};
    for (int32_t attempt = 1;; ++attempt) {
      st = lake_.WriteAtomic(rec_.Path(), json);
      if (st.ok() || !net::IsRetryableStatus(st.code()) || !policy.MayRetry(attempt)) return st;
      policy.SleepBeforeRetry(attempt);
    }
  }

  // The input's identity: the source (or the generator's arguments) and the transform
  // config, what decides the data. The quality rules are not part of it, so a run stopped
  // by the gate is resumed at the check when run again with other rules.
  std::string InputKey() const {
    std::string what = o_.source.empty() ? fmt::format("generate scale={:g} seed={}",
                                                       o_.generate_scale, o_.generate_seed)
                                         : fmt::format("source={}", o_.source);
    return Sha256::Hex(fmt::format("{}\ntransform={}\n", what, o_.transform_config.Canonical()))
        .substr(0, 16);
  }

  Status Prepare() {
    if (o_.source.empty() == !(o_.generate_scale > 0)) {
      return Status::Invalid("give exactly one of --source and --generate-scale");
    }
    // Ids sort in time order (LastRunForInput relies on it): UTC to the millisecond.
    for (;;) {
      rec_.run_id = "r-" + UtcIdStamp(/*milliseconds=*/true);
      SL_ASSIGN_OR_RETURN(bool taken, lake_.Exists(rec_.Path()));
      if (!taken) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    rec_.input_key = InputKey();
    rec_.input = {{"source", o_.source},
                  {"generate_scale", o_.generate_scale},
                  {"generate_seed", o_.generate_seed},
                  {"transform_config", o_.transform_config_origin},
                  {"quality_rules", o_.quality_rules.origin},
                  {"from_stage", o_.from_stage}};
    rec_.started_at = UtcTimestamp();
    rec_.versions["engine"] = SENSORLAKE_VERSION;
    for (int32_t i = 0; i < kNumStages; ++i) {
      StageRecord stage;
      stage.stage = static_cast<Stage>(i);
      rec_.stages.push_back(std::move(stage));
    }
    SL_RETURN_NOT_OK(ChooseStart());
    return Save();
  }

  // Where to start: --from-stage, or after the stages an unfinished run for the same
  // input completed (their versions are carried over), or at the beginning.
  Status ChooseStart() {
    if (!o_.from_stage.empty()) {
      SL_ASSIGN_OR_RETURN(Stage s, ParseStage(o_.from_stage));
      start_ = static_cast<int32_t>(s);
      SL_ASSIGN_OR_RETURN(auto last, LastRunForInput(/*unfinished_only=*/false));
      if (start_ > 0 && last) CarryOver(*last, start_);
      if (start_ > 0 && !last) {
        return Status::NotFound(
            "--from-stage {}: no earlier run for this input in {}/ to take "
            "the earlier stages' versions from",
            o_.from_stage, kRunsDir);
      }
      Log(fmt::format("run: starting at stage {} (--from-stage)", o_.from_stage));
      return Status::OK();
    }
    SL_ASSIGN_OR_RETURN(auto last, LastRunForInput(/*unfinished_only=*/true));
    if (!last) return Status::OK();
    int32_t done = 0;
    while (done < kNumStages && last->stages[static_cast<size_t>(done)].status == "completed")
      ++done;
    if (done == 0) return Status::OK();
    start_ = done;
    rec_.resumed_from = last->run_id;
    CarryOver(*last, done);
    // Every stage completed and the process stopped before the run's outcome was written:
    // nothing is left to run but the record. (There is no stage number kNumStages to name.)
    const std::string next = done < kNumStages
                                 ? fmt::format("stage {}", StageName(static_cast<Stage>(done)))
                                 : std::string("the record (every stage had completed)");
    const std::string stopped_at = !last->failed_stage.empty() ? "stage " + last->failed_stage
                                   : done < kNumStages         ? next
                                                               : std::string("its record");
    Log(fmt::format(
        "run: resuming run {} ({} at {}): its completed stages are reused, "
        "starting at {}",
        last->run_id, last->outcome == "running" ? "stopped" : "failed", stopped_at, next));
    return Status::OK();
  }

  void CarryOver(const RunRecord& last, int32_t upto) {
    for (const char* k : {"raw", "curated", "quality_run", "features"}) {
      if (last.versions.contains(k)) rec_.versions[k] = last.versions[k];
    }
    for (int32_t i = 0; i < upto; ++i) {
      auto& s = rec_.stages[static_cast<size_t>(i)];
      s.status = "skipped";
      s.message = fmt::format("completed in run {}", last.run_id);
      s.summary = last.stages[static_cast<size_t>(i)].summary;
    }
  }

  // The newest earlier run for this input (only unfinished ones when asked).
  Result<std::optional<RunRecord>> LastRunForInput(bool unfinished_only) const {
    SL_ASSIGN_OR_RETURN(auto files, lake_.ListFiles(kRunsDir, /*recursive=*/false));
    for (auto it = files.rbegin(); it != files.rend(); ++it) {
      const std::string path = fmt::format("{}/{}", kRunsDir, it->path);
      if (path == rec_.Path() || !path.ends_with(".json")) continue;
      SL_ASSIGN_OR_RETURN(std::string text, lake_.ReadText(path));
      auto j = nlohmann::json::parse(text, nullptr, false);
      if (j.is_discarded()) continue;  // a record cut by a crash: nothing to reuse
      SL_ASSIGN_OR_RETURN(RunRecord r, RunRecord::FromJson(j, path));
      if (r.input_key != rec_.input_key) continue;
      if (unfinished_only && r.outcome == "succeeded") return std::optional<RunRecord>();
      return std::optional<RunRecord>(std::move(r));
    }
    return std::optional<RunRecord>();
  }

  Status RunStage(Stage stage) {
    auto& s = rec_.stages[static_cast<size_t>(stage)];
    if (static_cast<int32_t>(stage) < start_) return Status::OK();
    s.status = "running";
    SL_RETURN_NOT_OK(Save());
    if (o_.observer) o_.observer->OnStageStart(rec_, stage);
    CrashPoint("pipeline.stage.start");
    Log(fmt::format("run: stage {}", StageName(stage)));
    auto t0 = std::chrono::steady_clock::now();
    Status st;
    const net::RetryPolicy policy{.max_attempts = o_.max_attempts,
                                  .first_backoff_seconds = o_.first_backoff_seconds};
    for (s.attempts = 1;; ++s.attempts) {
      st = Execute(stage, &s);
      if (st.ok() || !net::IsRetryableStatus(st.code()) || !policy.MayRetry(s.attempts)) break;
      const double wait = policy.BackoffSeconds(s.attempts);
      Log(fmt::format("run: stage {} attempt {} failed ({}); retrying in {:.2f}s", StageName(stage),
                      s.attempts, st.ToString(), wait));
      std::this_thread::sleep_for(std::chrono::duration<double>(wait));
    }
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (st.ok()) {
      if (s.status == "running") s.status = "completed";
    } else {
      s.status = "failed";
      s.message = st.ToString();
      rec_.outcome = "failed";
      rec_.failed_stage = std::string(StageName(stage));
      rec_.error = fmt::format(
          "stage {} on input {}: {}", StageName(stage),
          o_.source.empty() ? fmt::format("generated scale {:g}", o_.generate_scale) : o_.source,
          st.ToString());
      rec_.failure = st;
    }
    s.metrics = StageMetrics(stage, s.summary, s.seconds, PeakRssBytes());
    if (o_.observer) o_.observer->OnStageEnd(rec_, stage);
    CrashPoint("pipeline.stage.before_record");
    return Save();
  }

  Status Execute(Stage stage, StageRecord* s) {
    switch (stage) {
      case Stage::kIngest:
        return IngestStage(s);
      case Stage::kTransform:
        return TransformStage(s);
      case Stage::kCheck:
        return CheckStage(s);
      case Stage::kFeatures:
        return FeaturesStage(s);
      case Stage::kPublish:
        return PublishStage(s);
    }
    return Status::Internal("unknown stage");
  }

  // Generated data is cached in the work folder: the same arguments give the same bytes.
  Result<std::string> GeneratedSource(StageRecord* s) {
    std::string dir = fmt::format("{}/generated/scale-{:g}-seed-{}", o_.work_dir, o_.generate_scale,
                                  o_.generate_seed);
    if (std::filesystem::exists(dir + "/generate.json")) {
      s->summary["generated"] = {{"out_dir", dir}, {"reused", true}};
      return dir;
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    generate::GenerateOptions g;
    g.out_dir = dir;
    g.scale = o_.generate_scale;
    g.seed = o_.generate_seed;
    g.threads = o_.threads;
    SL_ASSIGN_OR_RETURN(auto summary, generate::Generate(g));
    s->summary["generated"] = summary.ToJson();
    return dir;
  }

  Status IngestStage(StageRecord* s) {
    ingest::IngestOptions io;
    io.source = o_.source;
    io.threads = o_.threads;
    if (io.source.empty()) {
      SL_ASSIGN_OR_RETURN(io.source, GeneratedSource(s));
    }
    SL_ASSIGN_OR_RETURN(auto summary, ingest::Ingest(lake_, io));
    s->summary["ingest"] = summary.ToJson();
    s->message =
        summary.unchanged ? "unchanged: this content is already in the raw zone" : "landed";
    rec_.versions["raw"] = summary.version;
    return Status::OK();
  }

  Status TransformStage(StageRecord* s) {
    transform::TransformOptions to;
    to.dataset_version = rec_.versions.value("raw", "");
    to.threads = o_.threads;
    to.config = o_.transform_config;
    to.config_origin = o_.transform_config_origin;
    to.full = o_.full;
    SL_ASSIGN_OR_RETURN(auto summary, transform::RunTransform(lake_, to));
    s->summary = summary.ToJson();
    s->message = summary.unchanged ? "unchanged: this curated version is already published"
                                   : fmt::format("{} rows, {} quarantined", summary.totals.rows,
                                                 summary.totals.quarantined);
    rec_.versions["curated"] = summary.curated_version;
    return Status::OK();
  }

  Status CheckStage(StageRecord* s) {
    quality::CheckOptions co;
    co.rules = o_.quality_rules;
    co.curated_version = rec_.versions.value("curated", "");
    co.threads = o_.threads;
    co.catalog = o_.catalog;
    SL_ASSIGN_OR_RETURN(auto summary, quality::RunQualityCheck(lake_, co));
    s->summary = summary.ToJson();
    s->summary.erase("checks");  // in the quality run's result.json; the record stays small
    rec_.versions.update(VersionsFromSummary(Stage::kCheck, s->summary));
    s->message = fmt::format("{} errors, {} warnings; report {}", summary.Count("error"),
                             summary.Count("warn"), lake_.DisplayPath(summary.report_path));
    if (!summary.gate_passed) {
      rec_.gate_failed = true;
      return Status::Refused("the quality gate failed ({} rules of severity error); see {}",
                             summary.Count("error"), lake_.DisplayPath(summary.report_path));
    }
    return Status::OK();
  }

  Status FeaturesStage(StageRecord* s) {
    features::FeaturesOptions fo;
    fo.curated_version = rec_.versions.value("curated", "");
    fo.threads = o_.threads;
    fo.full = o_.full;
    SL_ASSIGN_OR_RETURN(auto summary, features::RunFeatures(lake_, fo));
    s->summary = summary.ToJson();
    s->message = summary.unchanged ? "unchanged: these features exist already"
                                   : fmt::format("{} windows", summary.windows);
    rec_.versions["features"] = summary.features_version;
    return Status::OK();
  }

  // Names the versions that passed the gate: curated/published and _published.json.
  Status PublishStage(StageRecord* s) {
    PublishRequest req;
    req.curated_version = rec_.versions.value("curated", "");
    req.quality_run = rec_.versions.value("quality_run", "");
    req.features_version = rec_.versions.value("features", "");
    req.run_id = rec_.run_id;
    req.catalog = o_.catalog;
    SL_ASSIGN_OR_RETURN(s->summary, Publish(lake_, req));
    rec_.versions.update(VersionsFromSummary(Stage::kPublish, s->summary));
    s->message = fmt::format("curated version {} is the published one", req.curated_version);
    return Status::OK();
  }

  const storage::Lake& lake_;
  const RunOptions& o_;
  std::function<void(std::string_view)> log_;
  RunRecord rec_;
  int32_t start_ = 0;
};

}  // namespace

Result<RunRecord> RunPipeline(const storage::Lake& lake, const RunOptions& options,
                              std::function<void(std::string_view)> log) {
  return Runner(lake, options, std::move(log)).Run();
}

}  // namespace sensorlake::pipeline
