// A storage backend: the few primitive operations the lake is built from, one
// implementation per kind of storage (as Arrow's FileSystem is), so that the Lake holds no
// local/S3 branches and a test can put a fault-injecting backend under it
// (src/testing/fault_injection_backend.h). Paths are relative to the lake root.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sensorlake/common/result.h"

namespace arrow {
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

enum class EntryType : uint8_t { kNotFound, kFile, kDirectory };

struct BackendEntry {
  std::string path;  // relative to the directory that was listed
  EntryType type = EntryType::kNotFound;
  int64_t size = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // "file:///abs/path" or "s3://bucket/prefix" (no query).
  virtual const std::string& uri() const = 0;
  virtual bool is_local() const = 0;
  virtual std::string FsPath(std::string_view rel) const = 0;  // as the filesystem names it
  virtual std::string DisplayPath(std::string_view rel) const = 0;
  virtual arrow::fs::FileSystem& fs() const = 0;

  virtual Result<EntryType> Stat(std::string_view rel) const = 0;
  // Entries below `rel_dir` (files and directories), unsorted; a missing directory is empty.
  virtual Result<std::vector<BackendEntry>> List(std::string_view rel_dir,
                                                 bool recursive) const = 0;
  virtual Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenInputFile(
      std::string_view rel) const = 0;
  virtual Result<std::shared_ptr<arrow::io::InputStream>> OpenInputStream(
      std::string_view rel) const = 0;
  // The file appears when the stream is closed (object stores) or as it is written (local).
  virtual Result<std::shared_ptr<arrow::io::OutputStream>> OpenOutputStream(
      std::string_view rel) const = 0;
  // Readers see the old content or the new, never a part (temp + rename; one PUT).
  virtual Status WriteAtomic(std::string_view rel, std::string_view content) const = 0;
  // True when this call created the file; false when something was there.
  virtual Result<bool> WriteIfAbsent(std::string_view rel, std::string_view content) const = 0;
  virtual Status CreateDir(std::string_view rel) const = 0;
  virtual Status DeleteDir(std::string_view rel) const = 0;  // an existing directory tree
  virtual Status DeleteFile(std::string_view rel) const = 0;
  // A file or a directory; see Lake::Move for what is atomic where.
  virtual Status Move(std::string_view from_rel, std::string_view to_rel) const = 0;
  // A second name for an immutable file: a hard link where the file system has them (no
  // bytes copied), else a copy (S3: a server-side CopyObject). Creates the target's folders.
  virtual Status Link(std::string_view from_rel, std::string_view to_rel) const = 0;
  // A new file `to_rel` with the `size` bytes of the open local file `fd` (from offset 0),
  // copied without passing through this process where the store allows it (a local lake:
  // copy_file_range, which shares blocks on file systems that can). Fails, leaving no
  // file, when `fd` holds more or fewer than `size` bytes or `to_rel` exists.
  virtual Status CopyFromFile(int fd, int64_t size, std::string_view to_rel) const = 0;
  // Points the symlink `rel` at `target` in one step; only local backends have symlinks.
  virtual Status ReplaceSymlink(std::string_view rel, std::string_view target) const = 0;
};

// Whether opening a local lake creates its folder (writers) or requires it (a reader such
// as the trainer, which should say "no lake" rather than leave an empty folder behind).
// An S3 lake's bucket must exist either way.
enum class LakeOpenMode { kCreate, kExisting };

// The backend a lake URI names (see Lake::Open for the forms).
Result<std::unique_ptr<Backend>> OpenBackend(std::string_view uri,
                                             LakeOpenMode mode = LakeOpenMode::kCreate);

}  // namespace sensorlake::storage
