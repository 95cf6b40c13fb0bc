// The lake: a root URI (file:// or a plain path now; s3:// with the S3 issue) and every
// read and write a stage makes, through Arrow's filesystem layer. Stages speak in paths
// relative to the lake root ("raw/wisdm/v1/_manifest.json") and never learn which
// filesystem is behind them.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sensorlake/common/result.h"

namespace arrow {
class Buffer;
namespace fs {
class FileSystem;
}  // namespace fs
namespace io {
class OutputStream;
class RandomAccessFile;
class InputStream;
}  // namespace io
}  // namespace arrow

namespace sensorlake::storage {

struct FileEntry {
  std::string path;  // relative to the directory that was listed
  int64_t size = 0;
};

class Lake {
 public:
  // "file:///abs/path", "/abs/path" or "relative/path" (made absolute). The root folder is
  // created when missing. "s3://bucket/prefix" is refused with NotImplemented for now.
  static Result<std::unique_ptr<Lake>> Open(std::string_view uri);
  ~Lake();

  const std::string& uri() const { return uri_; }
  bool is_local() const { return is_local_; }
  // Absolute local path of a lake path; only meaningful when is_local().
  std::string LocalPath(std::string_view rel) const;
  arrow::fs::FileSystem& fs() const { return *fs_; }
  std::string FsPath(std::string_view rel) const;  // path as the filesystem names it

  Result<bool> Exists(std::string_view rel) const;
  Result<bool> IsDirectory(std::string_view rel) const;
  Result<std::string> ReadText(std::string_view rel) const;
  Result<std::shared_ptr<arrow::Buffer>> ReadAll(std::string_view rel) const;
  // Writes the whole content so that readers see the old file or the new one, never a part:
  // a temporary sibling renamed over the target locally; a single PUT on object stores.
  Status WriteAtomic(std::string_view rel, std::string_view content) const;
  Result<std::shared_ptr<arrow::io::OutputStream>> OpenOutputStream(std::string_view rel) const;
  Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenInputFile(std::string_view rel) const;
  Result<std::shared_ptr<arrow::io::InputStream>> OpenInputStream(std::string_view rel) const;

  // Regular files below `rel_dir`, sorted by path; paths relative to `rel_dir`.
  // A missing directory gives an empty list.
  Result<std::vector<FileEntry>> ListFiles(std::string_view rel_dir, bool recursive) const;
  // Names of the immediate subdirectories of `rel_dir`, sorted.
  Result<std::vector<std::string>> ListDirectories(std::string_view rel_dir) const;

  Status CreateDir(std::string_view rel) const;
  Status DeleteDir(std::string_view rel) const;  // missing is fine
  Status DeleteFile(std::string_view rel) const;
  // Renames a file or directory; atomic for directories on a local lake.
  Status Move(std::string_view from_rel, std::string_view to_rel) const;

 private:
  Lake() = default;
  std::string uri_;
  std::string root_;  // filesystem path of the lake root, no trailing '/'
  bool is_local_ = true;
  std::shared_ptr<arrow::fs::FileSystem> fs_;  // Arrow's API hands out shared_ptr
};

// Joins lake path segments with single '/' separators.
std::string JoinPath(std::string_view a, std::string_view b);

}  // namespace sensorlake::storage
