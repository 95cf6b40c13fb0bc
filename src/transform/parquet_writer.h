// Writes the curated and quarantine Parquet files of one raw file (= one subject of one
// partition device=<d>/sensor=<s>/, already sorted). Encodings and compression come from
// TransformConfig; the choices and their measured effect are in docs/curated.md.
// The schemas themselves are the zones layer's (zones/curated_schema.h).
#pragma once

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
  std::string source;  // the raw file it was made from, as the raw manifest names it
};

// Writes one raw file's clean rows as one Parquet file of one row group at `path` (nothing
// when the file has no clean rows). One file per raw file is what makes an incremental run
// possible: a changed raw file replaces exactly its own files, in the folder and in the
// Iceberg tables.
Result<WrittenFile> WriteCuratedFile(const storage::Lake& lake, const std::string& path,
                                     const TransformConfig& config, const CleanedFile& file);

// Writes one raw file's quarantined lines at `path`, with zero rows when nothing was set
// aside: every raw file has its quarantine file, so replacing a raw file replaces both.
Result<WrittenFile> WriteQuarantineFile(const storage::Lake& lake, const std::string& path,
                                        const TransformConfig& config, const CleanedFile& file);

}  // namespace sensorlake::transform
