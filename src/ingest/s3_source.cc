#include "ingest/s3_source.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/io/interfaces.h>
#include <fmt/format.h>

#include "ingest/http_download.h"
#include "ingest/source.h"
#include "sensorlake/common/progress.h"
#include "sensorlake/common/sha256.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::ingest {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kS3ReadChunk = 8 << 20;

// Streams `in` into the file `path`; the bytes written.
Result<int64_t> WriteStream(arrow::io::InputStream* in, const fs::path& path, Progress* progress) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IOError("cannot write {}", path.string());
  int64_t copied = 0;
  for (;;) {
    SL_ASSIGN_OR_RETURN_ARROW(std::shared_ptr<arrow::Buffer> chunk, in->Read(kS3ReadChunk));
    if (chunk->size() == 0) break;
    out.write(reinterpret_cast<const char*>(chunk->data()), chunk->size());
    copied += chunk->size();
    progress->Add(chunk->size());
  }
  out.close();
  if (!out) return Status::IOError("cannot write {}", path.string());
  return copied;
}

// Copies the lake file `rel` to the local `target` (via target.part, renamed when whole,
// removed when not) and checks that the bytes copied are the bytes listed.
Status CopyObject(const storage::Lake& s3, const std::string& rel, int64_t listed,
                  const fs::path& target, Progress* progress) {
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) {
    return Status::IOError("cannot create {}: {}", target.parent_path().string(), ec.message());
  }
  SL_ASSIGN_OR_RETURN(auto in, s3.OpenInputStream(rel));
  fs::path part = target.string() + ".part";
  Result<int64_t> copied = WriteStream(in.get(), part, progress);
  Status st = copied.status();
  if (st.ok() && listed >= 0 && *copied != listed) {
    st = Status::IOError("{}: read {} bytes of the {} S3 listed", s3.DisplayPath(rel), *copied,
                         listed);
  }
  if (st.ok()) fs::rename(part, target, ec);
  if (st.ok() && ec) st = Status::IOError("cannot rename {}: {}", part.string(), ec.message());
  if (!st.ok()) fs::remove(part, ec);
  return st;
}

Result<FetchedS3Source> FetchObject(const storage::Lake& s3, const std::string& cache_dir) {
  SL_ASSIGN_OR_RETURN(auto file, s3.OpenInputFile(""));
  SL_ASSIGN_OR_RETURN_ARROW(int64_t size, file->GetSize());
  FetchedS3Source f{s3.uri(), DownloadCachePath(cache_dir, s3.uri()), false, size, 1};
  Progress progress("download", size, "bytes");
  SL_RETURN_NOT_OK(CopyObject(s3, "", size, f.local_path, &progress));
  progress.Finish();
  return f;
}

Result<FetchedS3Source> FetchPrefix(const storage::Lake& s3, const std::string& cache_dir) {
  SL_ASSIGN_OR_RETURN(std::vector<storage::FileEntry> objects, s3.ListFiles("", true));
  fs::path folder = fs::path(cache_dir) / "s3" / Sha256::Hex(s3.uri()).substr(0, 16) / "source";
  std::error_code ec;
  fs::remove_all(folder, ec);  // a copy from an earlier run may hold objects deleted since
  FetchedS3Source f{s3.uri(), folder.string(), true, 0, 0};
  for (const auto& o : objects) f.bytes += o.size;
  Progress progress("download", f.bytes, "bytes");
  for (const auto& o : objects) {
    SL_ASSIGN_OR_RETURN(std::string rel, SafeRelativePath(o.path));
    SL_RETURN_NOT_OK(CopyObject(s3, o.path, o.size, folder / rel, &progress));
    ++f.objects;
  }
  progress.Finish();
  return f;
}

}  // namespace

Result<FetchedS3Source> FetchS3Source(const std::string& uri, const std::string& cache_dir) {
  SL_ASSIGN_OR_RETURN(auto s3, storage::Lake::Open(uri, storage::LakeOpenMode::kExisting));
  SL_ASSIGN_OR_RETURN(bool is_prefix, s3->IsDirectory(""));
  if (is_prefix) return FetchPrefix(*s3, cache_dir);
  SL_ASSIGN_OR_RETURN(bool is_object, s3->Exists(""));
  if (!is_object) {
    return Status::NotFound("source {} does not exist (no object, and no objects below it)",
                            s3->uri());
  }
  return FetchObject(*s3, cache_dir);
}

}  // namespace sensorlake::ingest
