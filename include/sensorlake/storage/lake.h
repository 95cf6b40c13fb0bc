// The lake: a root URI (file://, a plain path, or s3://bucket/prefix) and every read and
// write a stage makes, through a storage::Backend (backend.h: local or S3, built on Arrow's
// filesystem layer; docs/storage.md). Stages speak in paths
// relative to the lake root ("raw/wisdm/v1/_manifest.json") and never learn which
// filesystem is behind them.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/backend.h"

namespace arrow {
class Buffer;
}  // namespace arrow

namespace sensorlake::storage {

struct FileEntry {
  std::string path;  // relative to the directory that was listed
  int64_t size = 0;
};

class Lake {
 public:
  // "file:///abs/path", "/abs/path" or "relative/path" (made absolute; the root folder is
  // created when missing, NotFound with kExisting), or "s3://bucket/prefix[?endpoint_override=
  // host:port&scheme=http&region=...]" (the bucket must exist; credentials and region from
  // the default AWS chain; endpoint from the query or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL).
  static Result<std::unique_ptr<Lake>> Open(std::string_view uri,
                                            LakeOpenMode mode = LakeOpenMode::kCreate);
  // A lake over a given backend (tests wrap OpenBackend's in a fault-injecting one).
  static std::unique_ptr<Lake> OpenWithBackend(std::unique_ptr<Backend> backend);
  ~Lake();

  // "file:///abs/path" or "s3://bucket/prefix" (no query: no endpoint, no credentials).
  const std::string& uri() const { return backend_->uri(); }
  bool is_local() const { return backend_->is_local(); }
  // Absolute local path of a lake path; only meaningful when is_local().
  std::string LocalPath(std::string_view rel) const;
  // What to show a person: the local path, or the s3:// URI of the object or prefix.
  std::string DisplayPath(std::string_view rel) const;
  arrow::fs::FileSystem& fs() const { return backend_->fs(); }
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
  // Renames a file or directory; atomic for directories on a local lake. On S3 (no
  // renames) a directory is copied object by object, every `_manifest.json` last, then
  // the source is deleted: a reader that finds a manifest finds everything beside it.
  Status Move(std::string_view from_rel, std::string_view to_rel) const;
  // A second name for an immutable file: a hard link on a local lake (no bytes copied; a
  // copy where the file system refuses links), a server-side copy on S3.
  Status Link(std::string_view from_rel, std::string_view to_rel) const;
  // A new file with the `size` bytes of an open local file: copied in the kernel on a local
  // lake (nothing read into this process), streamed to S3 (see Backend::CopyFromFile).
  Status CopyFromFile(int fd, int64_t size, std::string_view to_rel) const;
  // Creates the file with `content` only if nothing is there: true when this call created
  // it, false when it existed. Locally O_CREAT|O_EXCL; on S3 a PUT with If-None-Match: *
  // (after a HEAD, and read back: see docs/storage.md for servers that ignore the header).
  Result<bool> WriteIfAbsent(std::string_view rel, std::string_view content) const;
  // Points the symlink `rel` at `target` (relative to the link's folder) in one step
  // (a new link renamed over the old). Local lakes only: object stores have no links.
  Status ReplaceSymlink(std::string_view rel, std::string_view target) const;

 private:
  explicit Lake(std::unique_ptr<Backend> backend) : backend_(std::move(backend)) {}
  std::unique_ptr<Backend> backend_;
};

// What an s3:// lake URI resolves to, without touching the network (unit-testable).
struct S3LakeConfig {
  std::string bucket;
  std::string prefix;       // no leading or trailing '/'
  std::string endpoint;     // "host:port" or empty for AWS
  std::string scheme;       // "https" or "http"
  std::string region;       // empty: the AWS SDK's chain decides
  std::string display_uri;  // "s3://bucket/prefix"
  std::string fs_root;      // "bucket/prefix" (Arrow's path of the lake root)
};
// Parses the URI (query: endpoint_override, scheme, region; and the AWS_ENDPOINT_URL_S3 /
// AWS_ENDPOINT_URL / AWS_REGION / AWS_DEFAULT_REGION environment when the query is silent).
Result<S3LakeConfig> ParseS3LakeUri(std::string_view uri);

// Shuts Arrow's S3 support down if a lake initialized it (idempotent). Call before exit;
// ObjectStoreShutdown does it from a destructor at the end of main.
void FinalizeObjectStores();
struct ObjectStoreShutdown {
  ObjectStoreShutdown() = default;
  ~ObjectStoreShutdown() { FinalizeObjectStores(); }
  ObjectStoreShutdown(const ObjectStoreShutdown&) = delete;
  ObjectStoreShutdown& operator=(const ObjectStoreShutdown&) = delete;
};

// Joins lake path segments with single '/' separators.
std::string JoinPath(std::string_view a, std::string_view b);

}  // namespace sensorlake::storage
