// The quality stage: profile the published curated version, evaluate the rules, store the
// result with the run (JSON, a self-contained HTML report, a baseline for later drift
// checks) and say whether the gate passes:
//
//   quality/runs/<run id>/result.json    every check: status, observed, expected, failures
//   quality/runs/<run id>/report.html    for people; opens without a network
//   quality/runs/<run id>/baseline.json  magnitude histograms (--baseline <run id>)
//   quality/_latest.json                 the latest run: id, curated version, gate
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"
#include "sensorlake/quality/checks.h"
#include "sensorlake/quality/rules.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::quality {

struct CheckOptions {
  QualityRules rules = DefaultQualityRules();
  std::string curated_version;  // empty: the published one
  std::string baseline_run;     // empty: none; "latest": the latest earlier run
  int32_t threads = 0;
  // The Iceberg catalog the audited version is staged in (tables/iceberg_tables.h); empty or
  // "none": no tables.
  std::string catalog;
};

// Its nlohmann::json member's destructor may allocate (it frees nested values through a
// std::vector), which clang-tidy reads as an exception escaping the implicit destructor.
// NOLINTNEXTLINE(bugprone-exception-escape)
struct CheckSummary {
  std::string run_id;
  std::string curated_version;
  std::string raw_version;
  std::string baseline_run;
  bool gate_passed = true;  // no rule of severity error failed
  std::vector<CheckResult> results;
  double seconds = 0;
  std::string result_path;  // lake paths
  std::string report_path;
  // The staged snapshots ({"catalog", "namespace", "tables": {...}}); null without a catalog.
  nlohmann::json tables;

  int32_t Count(std::string_view outcome) const;  // results with this Outcome()
  nlohmann::json ToJson() const;
  std::string ToText() const;  // failures first, then a one-line verdict
};

Result<CheckSummary> RunQualityCheck(const storage::Lake& lake, const CheckOptions& options);

// The HTML report (self-contained: inline CSS and SVG, no scripts from a network).
std::string RenderHtmlReport(const CheckSummary& summary, const DatasetProfile& profile);

}  // namespace sensorlake::quality
