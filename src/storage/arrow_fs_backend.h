// What the local and the S3 backends share: both are an Arrow filesystem under a root, so
// stat, list and opening for reading are the same calls on either; each backend adds the
// writes its store does differently (atomic rename or PUT, O_EXCL or conditional PUT).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sensorlake/storage/backend.h"

namespace sensorlake::storage {

class ArrowFsBackend : public Backend {
 public:
  Result<EntryType> Stat(std::string_view rel) const override;
  Result<std::vector<BackendEntry>> List(std::string_view rel_dir, bool recursive) const override;
  Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenInputFile(
      std::string_view rel) const override;
  Result<std::shared_ptr<arrow::io::InputStream>> OpenInputStream(
      std::string_view rel) const override;
  // Streamed through an output stream: what a store without a server-side copy from a
  // local file does (S3's multipart upload).
  Status CopyFromFile(int fd, int64_t size, std::string_view to_rel) const override;
};

}  // namespace sensorlake::storage
