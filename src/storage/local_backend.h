// The backend of a lake in a local folder: Arrow's LocalFileSystem plus the POSIX calls it
// lacks (O_EXCL create, symlinks).
#pragma once

#include <memory>
#include <string>

#include "storage/arrow_fs_backend.h"

namespace sensorlake::storage {

class LocalBackend : public ArrowFsBackend {
 public:
  // "file:///abs/path", "/abs/path" or "relative/path"; a missing folder is created
  // (kCreate) or NotFound (kExisting).
  static Result<std::unique_ptr<LocalBackend>> Open(std::string_view uri,
                                                    LakeOpenMode mode = LakeOpenMode::kCreate);

  const std::string& uri() const override { return uri_; }
  bool is_local() const override { return true; }
  std::string FsPath(std::string_view rel) const override;
  std::string DisplayPath(std::string_view rel) const override { return FsPath(rel); }
  arrow::fs::FileSystem& fs() const override { return *fs_; }

  Result<std::shared_ptr<arrow::io::OutputStream>> OpenOutputStream(
      std::string_view rel) const override;
  Status WriteAtomic(std::string_view rel, std::string_view content) const override;
  Result<bool> WriteIfAbsent(std::string_view rel, std::string_view content) const override;
  Status CreateDir(std::string_view rel) const override;
  Status DeleteDir(std::string_view rel) const override;
  Status DeleteFile(std::string_view rel) const override;
  Status Move(std::string_view from_rel, std::string_view to_rel) const override;
  Status Link(std::string_view from_rel, std::string_view to_rel) const override;
  Status CopyFromFile(int fd, int64_t size, std::string_view to_rel) const override;
  Status ReplaceSymlink(std::string_view rel, std::string_view target) const override;

 private:
  LocalBackend(std::string root, std::shared_ptr<arrow::fs::FileSystem> fs)
      : uri_("file://" + root), root_(std::move(root)), fs_(std::move(fs)) {}
  std::string uri_;
  std::string root_;                           // absolute, no trailing '/'
  std::shared_ptr<arrow::fs::FileSystem> fs_;  // Arrow's API hands out shared_ptr
};

}  // namespace sensorlake::storage
