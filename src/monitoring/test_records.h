// Run records for the monitoring unit tests: what `sensorlake run` would have written.
#pragma once

#include <string>

#include "sensorlake/zones/run_record.h"

namespace sensorlake::monitoring::testing {

inline zones::RunRecord MakeRecord(const std::string& id, double seconds, int64_t rows,
                                   int64_t quarantined = 0, std::string outcome = "succeeded") {
  zones::RunRecord r;
  r.run_id = id;
  r.input_key = "k1";
  r.started_at = "2026-11-25T10:00:00Z";
  r.outcome = std::move(outcome);
  r.seconds = seconds;
  for (int32_t i = 0; i < zones::kNumStages; ++i) {
    zones::StageRecord s;
    s.stage = static_cast<zones::Stage>(i);
    s.status = "completed";
    s.seconds = seconds / zones::kNumStages;
    s.metrics = zones::StageMetrics(s.stage, {}, s.seconds, 1 << 20);
    r.stages.push_back(s);
  }
  auto& t = r.stages[1];
  t.summary = {{"totals",
                {{"lines", rows + quarantined},
                 {"rows", rows},
                 {"quarantined", quarantined},
                 {"quarantined_by_reason", {{"bad_subject", quarantined}}}}}};
  t.metrics = zones::StageMetrics(t.stage, t.summary, t.seconds, 2 << 20);
  r.stages[2].summary = {{"counts", {{"error", 0}, {"warn", 1}, {"pass", 12}}}};
  return r;
}

}  // namespace sensorlake::monitoring::testing
