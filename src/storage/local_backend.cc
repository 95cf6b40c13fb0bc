#include "storage/local_backend.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include <arrow/filesystem/localfs.h>
#include <arrow/io/buffered.h>
#include <arrow/io/interfaces.h>
#include <arrow/memory_pool.h>
#include <arrow/result.h>

#include "sensorlake/common/crash_point.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::storage {

namespace fs = arrow::fs;

namespace {

std::string ParentOf(const std::string& path) {
  return std::filesystem::path(path).parent_path().string();
}

// copy_file_range from `in` (offset 0) to `out`: the kernel moves the bytes (or shares the
// blocks, on btrfs and XFS), nothing is read into this process. NotImplemented when the
// kernel cannot do it for this pair of files before any byte moved.
Status KernelCopy(int in, int out, int64_t size, const std::string& to) {
  loff_t offset = 0;
  while (offset < size) {
    ssize_t n = copy_file_range(in, &offset, out, nullptr, static_cast<size_t>(size - offset), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && offset == 0 &&
        (errno == ENOSYS || errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP)) {
      return Status::NotImplemented("copy_file_range: {}", strerror(errno));
    }
    if (n < 0) return Status::IOError("cannot copy to {}: {}", to, strerror(errno));
    if (n == 0) break;  // the file ends early
  }
  if (offset != size) {
    return Status::Corrupt("the file copied to {} holds {} bytes, not {}", to, offset, size);
  }
  char extra = 0;
  ssize_t more = pread(in, &extra, 1, size);
  if (more > 0) {
    return Status::Corrupt("the file copied to {} holds more than its {} bytes", to, size);
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<LocalBackend>> LocalBackend::Open(std::string_view uri, LakeOpenMode mode) {
  std::string path(uri);
  if (uri.starts_with("file://"))
    path = std::string(uri.substr(7));
  else if (uri.find("://") != std::string_view::npos) {
    return Status::Invalid("unsupported lake URI scheme in '{}' (use file:// or a path)", uri);
  }
  if (path.empty()) return Status::Invalid("the lake URI '{}' names no folder", uri);
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec).lexically_normal();
  if (ec) return Status::Invalid("cannot resolve lake path '{}': {}", path, ec.message());
  std::string root = abs.string();
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (mode == LakeOpenMode::kCreate) {
    std::filesystem::create_directories(root, ec);
    if (ec) return Status::IOError("cannot create lake folder '{}': {}", root, ec.message());
  }
  if (!std::filesystem::is_directory(root, ec)) {
    return Status::NotFound("no lake at {} (no such folder)", root);
  }
  return std::unique_ptr<LocalBackend>(
      new LocalBackend(std::move(root), std::make_shared<fs::LocalFileSystem>()));
}

std::string LocalBackend::FsPath(std::string_view rel) const { return JoinPath(root_, rel); }

Result<std::shared_ptr<arrow::io::OutputStream>> LocalBackend::OpenOutputStream(
    std::string_view rel) const {
  std::string target = FsPath(rel);
  SL_RETURN_NOT_OK_ARROW(fs_->CreateDir(ParentOf(target), /*recursive=*/true));
  SL_ASSIGN_OR_RETURN_ARROW(auto out, fs_->OpenOutputStream(target));
  // A Parquet writer hands over every page header, page and footer piece on its own: about
  // 600 writes for a features file of 400 windows. Buffered, they are a few system calls.
  // (Larger writes pass straight through; Close flushes, then closes the file.)
  constexpr int64_t kWriteBufferBytes = 1 << 20;
  SL_ASSIGN_OR_RETURN_ARROW(auto buffered,
                            arrow::io::BufferedOutputStream::Create(
                                kWriteBufferBytes, arrow::default_memory_pool(), std::move(out)));
  return std::shared_ptr<arrow::io::OutputStream>(std::move(buffered));
}

Status LocalBackend::WriteAtomic(std::string_view rel, std::string_view content) const {
  std::string target = FsPath(rel);
  SL_RETURN_NOT_OK_ARROW(fs_->CreateDir(ParentOf(target), /*recursive=*/true));
  // A unique temporary name, so two writers never share one half-written file.
  std::random_device rd;
  std::string tmp = fmt::format("{}.tmp-{:08x}", target, rd());
  {
    SL_ASSIGN_OR_RETURN_ARROW(auto out, fs_->OpenOutputStream(tmp));
    Status st = Status::FromArrow(out->Write(content.data(), static_cast<int64_t>(content.size())));
    if (st.ok()) st = Status::FromArrow(out->Close());
    if (!st.ok()) {
      (void)fs_->DeleteFile(tmp);
      return st.WithContext(fmt::format("writing {}", target));
    }
  }
  CrashPoint("lake.write_atomic.before_rename");
  SL_RETURN_NOT_OK_ARROW(fs_->Move(tmp, target));
  return Status::OK();
}

Result<bool> LocalBackend::WriteIfAbsent(std::string_view rel, std::string_view content) const {
  std::string target = FsPath(rel);
  std::error_code ec;
  std::filesystem::create_directories(ParentOf(target), ec);
  if (ec) return Status::IOError("cannot create the folder of {}: {}", target, ec.message());
  int fd = open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) {
    if (errno == EEXIST) return false;
    return Status::IOError("cannot create {}: {}", target, strerror(errno));
  }
  ssize_t n = write(fd, content.data(), content.size());
  close(fd);
  if (n != static_cast<ssize_t>(content.size())) {
    unlink(target.c_str());
    return Status::IOError("cannot write {}", target);
  }
  return true;
}

Status LocalBackend::CreateDir(std::string_view rel) const {
  SL_RETURN_NOT_OK_ARROW(fs_->CreateDir(FsPath(rel), /*recursive=*/true));
  return Status::OK();
}

Status LocalBackend::DeleteDir(std::string_view rel) const {
  SL_RETURN_NOT_OK_ARROW(fs_->DeleteDir(FsPath(rel)));
  return Status::OK();
}

Status LocalBackend::DeleteFile(std::string_view rel) const {
  SL_RETURN_NOT_OK_ARROW(fs_->DeleteFile(FsPath(rel)));
  return Status::OK();
}

Status LocalBackend::Move(std::string_view from_rel, std::string_view to_rel) const {
  std::string to = FsPath(to_rel);
  SL_RETURN_NOT_OK_ARROW(fs_->CreateDir(ParentOf(to), /*recursive=*/true));
  SL_RETURN_NOT_OK_ARROW(fs_->Move(FsPath(from_rel), to));  // rename(2): atomic
  return Status::OK();
}

Status LocalBackend::Link(std::string_view from_rel, std::string_view to_rel) const {
  std::string from = FsPath(from_rel), to = FsPath(to_rel);
  SL_RETURN_NOT_OK_ARROW(fs_->CreateDir(ParentOf(to), /*recursive=*/true));
  std::error_code ec;
  std::filesystem::create_hard_link(from, to, ec);
  if (!ec) return Status::OK();
  // Another file system, or one without hard links: copy the bytes instead. Anything else
  // (no source, the target exists) is an error, never an overwrite.
  if (ec == std::errc::cross_device_link || ec == std::errc::operation_not_permitted ||
      ec == std::errc::operation_not_supported) {
    SL_RETURN_NOT_OK_ARROW(fs_->CopyFile(from, to));
    return Status::OK();
  }
  return Status::IOError("cannot link {} to {}: {}", DisplayPath(from_rel), DisplayPath(to_rel),
                         ec.message());
}

Status LocalBackend::CopyFromFile(int fd, int64_t size, std::string_view to_rel) const {
  std::string to = FsPath(to_rel);
  SL_RETURN_NOT_OK_ARROW(fs_->CreateDir(ParentOf(to), /*recursive=*/true));
  int out = open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0) return Status::IOError("cannot create {}: {}", to, strerror(errno));
  Status st = KernelCopy(fd, out, size, to);
  if (close(out) != 0 && st.ok()) st = Status::IOError("cannot close {}: {}", to, strerror(errno));
  if (st.code() == StatusCode::kNotImplemented) {
    // A kernel or file-system pair without copy_file_range: the bytes go through a buffer.
    unlink(to.c_str());
    return ArrowFsBackend::CopyFromFile(fd, size, to_rel);
  }
  if (!st.ok()) unlink(to.c_str());
  return st;
}

Status LocalBackend::ReplaceSymlink(std::string_view rel, std::string_view target) const {
  // A new link under a temporary name renamed over the old one (rename(2) is atomic).
  std::string link = FsPath(rel);
  std::random_device rd;
  std::string tmp = fmt::format("{}.tmp-{:08x}", link, rd());
  std::string to(target);
  if (symlink(to.c_str(), tmp.c_str()) != 0) {
    return Status::IOError("cannot create symlink {}: {}", tmp, strerror(errno));
  }
  if (rename(tmp.c_str(), link.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return Status::IOError("cannot publish {} -> {}: {}", link, to, strerror(err));
  }
  return Status::OK();
}

}  // namespace sensorlake::storage
