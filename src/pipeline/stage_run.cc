#include "sensorlake/pipeline/stage_run.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>

#include <fmt/format.h>

#include "sensorlake/common/clock.h"
#include "sensorlake/net/retry_policy.h"
#include "sensorlake/storage/lake_lock.h"
#include "sensorlake/tables/iceberg_tables.h"

namespace sensorlake::pipeline {

using zones::RunRecord;
using zones::Stage;
using zones::StageRecord;

Status ValidateRunId(std::string_view run_id) {
  if (run_id.empty() || run_id.size() > 200) {
    return Status::Invalid("run id '{}': give 1 to 200 characters", run_id);
  }
  for (char c : run_id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) {
      return Status::Invalid(
          "run id '{}': only letters, digits, '-', '_' and '.' (it names {}/<id>.json)", run_id,
          zones::kRunsDir);
    }
  }
  if (run_id.front() == '.') return Status::Invalid("run id '{}' may not start with '.'", run_id);
  return Status::OK();
}

nlohmann::json VersionsFromSummary(Stage stage, const nlohmann::json& summary) {
  nlohmann::json v = nlohmann::json::object();
  auto copy = [&](const nlohmann::json& from, const char* key, const char* as) {
    if (from.is_object() && from.contains(key) && from[key].is_string() &&
        !from[key].get<std::string>().empty()) {
      v[as] = from[key];
    }
  };
  // The Iceberg snapshot of sensor_readings a stage committed (tables/iceberg_tables.h).
  auto snapshot = [&](const char* as) {
    if (!summary.is_object() || !summary.contains("tables")) return;
    int64_t id = tables::SnapshotIdOf(summary["tables"], "sensor_readings");
    if (id != 0) v[as] = std::to_string(id);
  };
  switch (stage) {
    case Stage::kIngest:
      copy(summary.value("ingest", nlohmann::json::object()), "version", "raw");
      break;
    case Stage::kTransform:
      copy(summary, "raw_version", "raw");
      copy(summary, "curated_version", "curated");
      break;
    case Stage::kCheck:
      copy(summary, "curated_version", "curated");
      copy(summary, "run_id", "quality_run");
      snapshot("staged_snapshot");
      break;
    case Stage::kFeatures:
      copy(summary, "curated_version", "curated");
      copy(summary, "features_version", "features");
      break;
    case Stage::kPublish:
      copy(summary, "curated_version", "curated");
      copy(summary, "quality_run", "quality_run");
      copy(summary, "features_version", "features");
      snapshot("snapshot");
      break;
  }
  return v;
}

std::string StageMessage(Stage stage, const nlohmann::json& summary) {
  switch (stage) {
    case Stage::kIngest:
      return summary.value("ingest", nlohmann::json::object()).value("unchanged", false)
                 ? "unchanged: this content is already in the raw zone"
                 : "landed";
    case Stage::kTransform: {
      if (summary.value("unchanged", false))
        return "unchanged: this curated version is already published";
      const auto& t = summary.value("totals", nlohmann::json::object());
      return fmt::format("{} rows, {} quarantined", t.value("rows", int64_t{0}),
                         t.value("quarantined", int64_t{0}));
    }
    case Stage::kCheck: {
      const auto& c = summary.value("counts", nlohmann::json::object());
      return fmt::format("{} errors, {} warnings; report {}", c.value("error", int64_t{0}),
                         c.value("warn", int64_t{0}), summary.value("report", ""));
    }
    case Stage::kFeatures:
      return summary.value("unchanged", false)
                 ? "unchanged: these features exist already"
                 : fmt::format("{} windows", summary.value("windows", int64_t{0}));
    case Stage::kPublish:
      return fmt::format("curated version {} is the published one",
                         summary.value("curated_version", ""));
  }
  return "";
}

namespace {

// Reads, changes and writes the record under the run's own lock, so that two stage
// processes of one run (an orchestrator's retry overlapping a slow first try) never lose
// each other's update. The lock is held for the read-modify-write only, not the stage.
class RecordStore {
 public:
  RecordStore(const storage::Lake& lake, const StageRunOptions& o) : lake_(lake), o_(o) {}

  Result<RunRecord> Update(const std::function<void(RunRecord*)>& change) {
    SL_ASSIGN_OR_RETURN(auto lock, storage::LakeLock::Acquire(lake_, "run-" + o_.run_id, "record"));
    SL_ASSIGN_OR_RETURN(RunRecord rec, LoadOrCreate());
    change(&rec);
    SL_RETURN_NOT_OK(Save(rec));
    return rec;
  }

  Status Save(const RunRecord& rec) const {
    std::string json = rec.ToJson().dump(2) + "\n";
    const net::RetryPolicy policy{.max_attempts = o_.max_attempts + 2,
                                  .first_backoff_seconds = 0.25};
    for (int32_t attempt = 1;; ++attempt) {
      Status st = lake_.WriteAtomic(rec.Path(), json);
      if (st.ok() || !net::IsRetryableStatus(st.code()) || !policy.MayRetry(attempt)) return st;
      policy.SleepBeforeRetry(attempt);
    }
  }

 private:
  Result<RunRecord> LoadOrCreate() const {
    RunRecord fresh;
    fresh.run_id = o_.run_id;
    SL_ASSIGN_OR_RETURN(bool exists, lake_.Exists(fresh.Path()));
    if (exists) {
      SL_ASSIGN_OR_RETURN(std::string text, lake_.ReadText(fresh.Path()));
      auto j = nlohmann::json::parse(text, nullptr, false);
      if (j.is_discarded()) {
        return Status::Corrupt("{}: the run record is not JSON", lake_.DisplayPath(fresh.Path()));
      }
      return RunRecord::FromJson(j, lake_.DisplayPath(fresh.Path()));
    }
    // The same input fields as `sensorlake run` writes; the stages fill in the source.
    fresh.input = {{"source", ""},           {"generate_scale", 0.0}, {"generate_seed", 0},
                   {"transform_config", ""}, {"quality_rules", ""},   {"from_stage", ""}};
    // Without an orchestrator someone ran the stage commands by hand: say so, since an
    // empty one reads as `sensorlake run` (monitoring::StartedBy, the web app).
    fresh.orchestrator =
        o_.orchestrator.empty() ? nlohmann::json{{"name", "stage commands"}} : o_.orchestrator;
    fresh.started_at = UtcTimestamp();
    fresh.versions["engine"] = SENSORLAKE_VERSION;
    for (int32_t i = 0; i < zones::kNumStages; ++i) {
      StageRecord s;
      s.stage = static_cast<Stage>(i);
      fresh.stages.push_back(std::move(s));
    }
    return fresh;
  }

  const storage::Lake& lake_;
  const StageRunOptions& o_;
};

// Wall time since the record's UTC start ("2026-11-25T08:00:00Z"): the run's duration
// includes the orchestrator's time between its stages.
double SecondsSince(const std::string& started_at) {
  std::tm tm{};
  if (std::sscanf(started_at.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return std::difftime(std::time(nullptr), timegm(&tm));
}

}  // namespace

Result<RunRecord> RunStageOfRun(const storage::Lake& lake, const StageRunOptions& o, Stage stage,
                                const std::function<Result<StageOutcome>()>& body) {
  SL_RETURN_NOT_OK(ValidateRunId(o.run_id));
  RecordStore store(lake, o);
  const auto index = static_cast<size_t>(stage);
  SL_ASSIGN_OR_RETURN(RunRecord rec, store.Update([&](RunRecord* r) {
    auto& s = r->stages[index];
    s.status = "running";
    s.message.clear();
    // A stage run again after a failure (an orchestrator's retry) resumes the run.
    r->outcome = "running";
    r->failed_stage.clear();
    r->error.clear();
    r->gate_failed = false;
    r->finished_at.clear();
  }));
  if (o.observer) o.observer->OnStageStart(rec, stage);

  auto t0 = std::chrono::steady_clock::now();
  Result<StageOutcome> outcome = Status::Internal("the stage did not run");
  int32_t attempts = 0;
  const net::RetryPolicy policy{.max_attempts = o.max_attempts,
                                .first_backoff_seconds = o.first_backoff_seconds};
  for (attempts = 1;; ++attempts) {
    outcome = body();
    if (outcome.ok() || !net::IsRetryableStatus(outcome.status().code()) ||
        !policy.MayRetry(attempts)) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(policy.BackoffSeconds(attempts)));
  }
  const double seconds =
      o.elapsed_seconds >= 0
          ? o.elapsed_seconds
          : std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  Status failure = outcome.ok() ? Status::OK() : outcome.status();
  nlohmann::json summary = outcome.ok() ? outcome->summary : nlohmann::json::object();
  if (outcome.ok() && outcome->gate_failed) {
    const auto& c = summary.value("counts", nlohmann::json::object());
    failure = Status::Refused("the quality gate failed ({} rules of severity error); see {}",
                              c.value("error", int64_t{0}), summary.value("report", ""));
  }
  if (stage == Stage::kCheck) summary.erase("checks");  // in result.json; the record stays small

  SL_ASSIGN_OR_RETURN(rec, store.Update([&](RunRecord* r) {
    auto& s = r->stages[index];
    s.attempts += attempts;
    s.seconds = seconds;
    s.summary = summary;
    if (stage == Stage::kIngest) {
      const auto& src = summary.value("ingest", nlohmann::json::object())
                            .value("source", nlohmann::json::object());
      if (src.is_object() && src.contains("location")) r->input["source"] = src["location"];
    }
    const nlohmann::json versions = VersionsFromSummary(stage, summary);
    for (const auto& [k, v] : versions.items()) r->versions[k] = v;
    // A stage that ran elsewhere (Spark's executors): this process's memory says nothing.
    s.metrics = zones::StageMetrics(stage, summary, seconds,
                                    o.elapsed_seconds >= 0 ? 0 : zones::PeakRssBytes());
    if (failure.ok()) {
      s.status = "completed";
      s.message = StageMessage(stage, summary);
      if (stage == Stage::kPublish) r->outcome = "succeeded";
    } else {
      s.status = "failed";
      s.message = failure.ToString();
      r->outcome = "failed";
      r->failed_stage = std::string(StageName(stage));
      r->gate_failed = outcome.ok() && outcome->gate_failed;
      r->error =
          fmt::format("stage {} of run {}: {}", StageName(stage), r->run_id, failure.ToString());
    }
    r->failure = failure;
    if (r->outcome != "running") {
      r->finished_at = UtcTimestamp();
      r->seconds = SecondsSince(r->started_at);
    }
  }));
  rec.failure = failure;
  if (!o.observer) return rec;
  o.observer->OnStageEnd(rec, stage);
  if (rec.outcome != "running") {
    // The run ended with this stage: metrics, alerts and lineage of the whole run, kept in
    // the record as `sensorlake run` keeps them.
    o.observer->OnRunEnd(&rec);
  } else {
    o.observer->OnStageRecorded(&rec);
  }
  SL_ASSIGN_OR_RETURN(rec, store.Update([&](RunRecord* r) { r->monitoring = rec.monitoring; }));
  rec.failure = failure;
  return rec;
}

}  // namespace sensorlake::pipeline
