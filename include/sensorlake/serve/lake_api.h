// What the web app's JSON API knows about a lake: run records, quality results, the
// published curated dataset (its files, a subject x activity index, signals). Read-only:
// nothing here writes to the lake.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"
#include "sensorlake/serve/signal.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/wisdm/schema.h"

namespace sensorlake::serve {

// Per folder, subject and activity: readings and sampling rate (rows per second of block).
struct DatasetIndex {
  std::string curated_version;
  std::string version_dir;         // curated/_versions/<v>
  std::vector<std::string> parts;  // lake paths of the parts, sorted
  // The lake path of the part that holds each subject of each folder (empty: none): one
  // file per raw file in the transform's layout.
  std::array<std::array<std::string, wisdm::kNumSubjects>, 4> part_of_subject;
  // [folder][subject - kFirstSubject][activity]
  std::array<std::array<std::array<int64_t, wisdm::kNumActivities>, wisdm::kNumSubjects>, 4> rows{};
  std::array<std::array<std::array<double, wisdm::kNumActivities>, wisdm::kNumSubjects>, 4>
      seconds{};
  std::array<std::array<std::array<int64_t, wisdm::kNumActivities>, wisdm::kNumSubjects>, 4>
      blocks{};
};

// Checks a path below the published dataset asked for over HTTP: relative, no empty, "." or
// ".." segment, no backslash or NUL, only [A-Za-z0-9._=-] characters. Refused otherwise.
Status CheckDataPath(std::string_view rel);

class LakeApi {
 public:
  explicit LakeApi(std::unique_ptr<storage::Lake> lake);

  const storage::Lake& lake() const { return *lake_; }
  // The run records, newest first, summarized for the history table.
  Result<nlohmann::json> Runs() const;
  // One run record with its quality result and lineage.
  Result<nlohmann::json> Run(std::string_view run_id) const;
  // A quality run's result.json, and the lake path of its report.html.
  Result<nlohmann::json> QualityResult(std::string_view quality_run) const;
  Result<std::string> QualityReportPath(std::string_view quality_run) const;
  // The heatmap: counts and rates per folder, subject, activity; quality flags per cell.
  Result<nlohmann::json> Dataset();
  // The published dataset's parts, for the SQL page.
  Result<nlohmann::json> Files();
  Result<SignalResult> Signal(const SignalQuery& q);
  // The lake path of `rel` (below the published sensor_readings) when it is one of its
  // parts; Refused for a malformed or escaping path, NotFound for anything else.
  Result<std::string> DataFile(std::string_view rel);
  // Builds the index now (the server warms it at start so the first page is fast).
  Status Warm();

 private:
  std::unique_ptr<storage::Lake> lake_;
  std::mutex mu_;
  std::unique_ptr<DatasetIndex> index_;  // of the curated version published when built

  Result<const DatasetIndex*> Index();
  Result<std::string> PublishedVersionDir() const;
  Result<nlohmann::json> LatestQualityFor(const std::string& curated_version) const;
};

// Lake-relative name checks for run and quality ids ("r-2026...", "q-2026...").
Status CheckId(std::string_view id, std::string_view what);

}  // namespace sensorlake::serve
