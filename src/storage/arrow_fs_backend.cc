#include "storage/arrow_fs_backend.h"

#include <arrow/filesystem/filesystem.h>
#include <arrow/io/interfaces.h>
#include <arrow/result.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace sensorlake::storage {

namespace fs = arrow::fs;

namespace {

EntryType TypeOf(const fs::FileInfo& info) {
  switch (info.type()) {
    case fs::FileType::File:
      return EntryType::kFile;
    case fs::FileType::Directory:
      return EntryType::kDirectory;
    default:
      return EntryType::kNotFound;
  }
}

}  // namespace

Result<EntryType> ArrowFsBackend::Stat(std::string_view rel) const {
  SL_ASSIGN_OR_RETURN_ARROW(fs::FileInfo info, fs().GetFileInfo(FsPath(rel)));
  return TypeOf(info);
}

Result<std::vector<BackendEntry>> ArrowFsBackend::List(std::string_view rel_dir,
                                                       bool recursive) const {
  fs::FileSelector sel;
  sel.base_dir = FsPath(rel_dir);
  sel.recursive = recursive;
  sel.allow_not_found = true;
  SL_ASSIGN_OR_RETURN_ARROW(auto infos, fs().GetFileInfo(sel));
  std::vector<BackendEntry> out;
  const std::string prefix = sel.base_dir + "/";
  for (const auto& info : infos) {
    std::string p = info.path();
    if (p.starts_with(prefix)) p = p.substr(prefix.size());
    out.push_back({std::move(p), TypeOf(info), info.size()});
  }
  return out;
}

Result<std::shared_ptr<arrow::io::RandomAccessFile>> ArrowFsBackend::OpenInputFile(
    std::string_view rel) const {
  auto res = fs().OpenInputFile(FsPath(rel));
  if (!res.ok()) return Status::FromArrow(res.status()).WithContext(std::string(rel));
  return *res;
}

Result<std::shared_ptr<arrow::io::InputStream>> ArrowFsBackend::OpenInputStream(
    std::string_view rel) const {
  auto res = fs().OpenInputStream(FsPath(rel));
  if (!res.ok()) return Status::FromArrow(res.status()).WithContext(std::string(rel));
  return *res;
}

Status ArrowFsBackend::CopyFromFile(int fd, int64_t size, std::string_view to_rel) const {
  SL_ASSIGN_OR_RETURN(EntryType existing, Stat(to_rel));
  if (existing != EntryType::kNotFound) {
    return Status::AlreadyExists("cannot copy onto {}: it exists", DisplayPath(to_rel));
  }
  SL_ASSIGN_OR_RETURN(auto out, OpenOutputStream(to_rel));
  constexpr size_t kChunk = size_t{8} << 20;  // S3's multipart part size is at least 5 MB
  std::vector<char> buf(kChunk);
  int64_t done = 0;
  Status st;
  while (st.ok()) {
    ssize_t got = pread(fd, buf.data(), kChunk, done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      st = Status::IOError("cannot read the file copied to {}: {}", DisplayPath(to_rel),
                           strerror(errno));
    } else if (got == 0) {
      break;
    } else if (done + got > size) {
      st = Status::Corrupt("the file copied to {} holds more than its {} bytes",
                           DisplayPath(to_rel), size);
    } else {
      st = Status::FromArrow(out->Write(buf.data(), got));
      done += got;
    }
  }
  if (st.ok() && done != size) {
    st = Status::Corrupt("the file copied to {} holds {} bytes, not {}", DisplayPath(to_rel), done,
                         size);
  }
  // An upload that failed is aborted rather than completed, so no part becomes an object.
  if (!st.ok()) {
    (void)out->Abort();
    return st;
  }
  return Status::FromArrow(out->Close());
}

}  // namespace sensorlake::storage
