// Writes the curated and quarantine Parquet files of one partition
// (device=<d>/sensor=<s>/): one row group per raw file (= one subject, already sorted),
// part files rolled past TransformConfig::target_file_bytes. Encodings and compression
// come from TransformConfig; the choices and their measured effect are in docs/curated.md.
// The schemas themselves are the zones layer's (zones/curated_schema.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/transform/cleaning_rules.h"
#include "sensorlake/transform/file_cleaner.h"

namespace sensorlake::transform {

struct WrittenFile {
  std::string path;  // lake path
  int64_t rows = 0;
  int64_t bytes = 0;
  int32_t row_groups = 0;
};

// `lake` must outlive the writer.
class CuratedPartitionWriter {
 public:
  // Parts are named <part_prefix><NNNNN>.parquet: "part-" on one node, "part-<task>-" for
  // the tasks of a distributed run, whose parts end up side by side in one partition.
  CuratedPartitionWriter(const storage::Lake& lake, std::string dir, wisdm::Folder folder,
                         const TransformConfig& config, std::string part_prefix = "part-");
  ~CuratedPartitionWriter();
  // Appends one cleaned file's rows as one row group. Files must come in subject order.
  Status Append(const CleanedFile& file);
  Status Close();
  const std::vector<WrittenFile>& files() const { return files_; }

 private:
  Status OpenNextPart();
  Status ClosePart();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<WrittenFile> files_;
};

class QuarantineWriter {
 public:
  QuarantineWriter(const storage::Lake& lake, std::string path, const TransformConfig& config);
  ~QuarantineWriter();
  Status Append(const CleanedFile& file);
  Status Close();  // writes the file, with zero rows if nothing was set aside
  const WrittenFile& file() const { return file_; }

 private:
  Status Flush();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  WrittenFile file_;
};

}  // namespace sensorlake::transform
