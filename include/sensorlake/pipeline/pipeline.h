// `sensorlake run`: the whole pipeline in one command, on one lake:
//
//   [generate] -> ingest -> transform -> check (the gate) -> features -> publish
//
// Every stage is idempotent; the run is recorded in the lake as it goes
// (_runs/<run id>.json, rewritten after each stage), so a run that failed or was killed
// is resumed by the next run for the same input at the first stage it did not complete.
// Transient errors (I/O, a busy lake) are retried with backoff; anything else stops the
// run with the stage, the input and the cause. `publish` points _published.json (and
// curated/published) at the versions that passed the gate: what consumers should read.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "sensorlake/common/result.h"
#include "sensorlake/quality/rules.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/transform/cleaning_rules.h"
#include "sensorlake/zones/run_record.h"

namespace sensorlake::pipeline {

// The run record, its stages and the observer interface live in zones/run_record.h (below
// monitoring and serve, which read them); the pipeline names them as its own.
using zones::kNumStages;
using zones::ParseStage;
using zones::PeakRssBytes;
using zones::RunObserver;
using zones::RunRecord;
using zones::Stage;
using zones::StageMetrics;
using zones::StageName;
using zones::StageRecord;

struct RunOptions {
  std::string source;         // URL, zip or folder; or empty with generate_scale > 0
  double generate_scale = 0;  // > 0: generate the data first (cached in work_dir)
  uint64_t generate_seed = 1;
  std::string work_dir = "work";  // generated data: <work_dir>/generated/scale-S-seed-N
  std::string from_stage;         // empty: resume where the last run for this input stopped
  int32_t threads = 0;
  int32_t max_attempts = 3;          // per stage, for transient errors
  double first_backoff_seconds = 1;  // doubled after each failed attempt, with jitter
  transform::TransformConfig transform_config;
  std::string transform_config_origin = "built-in defaults";
  bool full = false;  // transform every raw file, compute every window (TransformOptions::full)
  quality::QualityRules quality_rules = quality::DefaultQualityRules();
  // The Iceberg catalog check stages in and publish moves (tables/iceberg_tables.h); empty
  // or "none": no tables. The CLI's default is the lake's own SQLite catalog.
  std::string catalog;
  RunObserver* observer = nullptr;  // not owned; may be null
};

// Runs the pipeline. A stage that fails still gives a record (stored in the lake, outcome
// "failed", `failure` set); an error Status means the run could not start (bad options,
// the lake cannot be written).
Result<RunRecord> RunPipeline(const storage::Lake& lake, const RunOptions& options,
                              std::function<void(std::string_view)> log = nullptr);

}  // namespace sensorlake::pipeline
