// The backend of a lake in an S3 bucket (AWS or a compatible server): Arrow's S3FileSystem,
// plus a conditional PUT through libcurl (Arrow has none) for WriteIfAbsent.
#pragma once

#include <memory>
#include <string>

#include "sensorlake/storage/lake.h"
#include "storage/arrow_fs_backend.h"

namespace arrow::fs {
class S3FileSystem;
}  // namespace arrow::fs

namespace sensorlake::storage {

class S3Backend : public ArrowFsBackend {
 public:
  // "s3://bucket/prefix[?...]" (see ParseS3LakeUri); the bucket must exist.
  static Result<std::unique_ptr<S3Backend>> Open(std::string_view uri);

  const std::string& uri() const override { return config_.display_uri; }
  bool is_local() const override { return false; }
  std::string FsPath(std::string_view rel) const override;
  std::string DisplayPath(std::string_view rel) const override { return "s3://" + FsPath(rel); }
  arrow::fs::FileSystem& fs() const override;

  Result<std::shared_ptr<arrow::io::OutputStream>> OpenOutputStream(
      std::string_view rel) const override;
  Status WriteAtomic(std::string_view rel, std::string_view content) const override;
  Result<bool> WriteIfAbsent(std::string_view rel, std::string_view content) const override;
  Status CreateDir(std::string_view rel) const override;
  Status DeleteDir(std::string_view rel) const override;
  Status DeleteFile(std::string_view rel) const override;
  Status Move(std::string_view from_rel, std::string_view to_rel) const override;
  Status Link(std::string_view from_rel, std::string_view to_rel) const override;
  Status ReplaceSymlink(std::string_view rel, std::string_view target) const override;

 private:
  S3Backend(S3LakeConfig config, std::shared_ptr<arrow::fs::S3FileSystem> fs);
  Status DeleteTree(const std::string& fs_path) const;
  Status MoveDirectory(const std::string& from, const std::string& to) const;

  S3LakeConfig config_;
  std::shared_ptr<arrow::fs::S3FileSystem> fs_;  // Arrow's API hands out shared_ptr
};

}  // namespace sensorlake::storage
