#include "ingest/folder_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace sensorlake::ingest {
namespace {

namespace fs = std::filesystem;

class FdStream : public EntryStream {
 public:
  FdStream(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~FdStream() override { close(fd_); }
  Result<int64_t> Read(char* buf, int64_t n) override {
    while (true) {
      ssize_t got = read(fd_, buf, static_cast<size_t>(n));
      if (got >= 0) return static_cast<int64_t>(got);
      if (errno != EINTR) return Status::IOError("cannot read {}: {}", path_, strerror(errno));
    }
  }
  int fd() const override { return fd_; }

 private:
  int fd_;
  std::string path_;
};

std::string_view KindOf(fs::file_type t) {
  switch (t) {
    case fs::file_type::symlink:
      return "a symbolic link";
    case fs::file_type::block:
      return "a block device";
    case fs::file_type::character:
      return "a character device";
    case fs::file_type::fifo:
      return "a named pipe";
    case fs::file_type::socket:
      return "a socket";
    default:
      return "not a regular file";
  }
}

class FolderSource : public Source {
 public:
  explicit FolderSource(fs::path root) : root_(std::move(root)) {}

  Status Scan() {
    std::error_code ec;
    fs::recursive_directory_iterator it(root_, fs::directory_options::none, ec);
    if (ec) return Status::IOError("cannot list {}: {}", root_.string(), ec.message());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      SL_RETURN_NOT_OK(Add(*it));
    }
    if (ec) return Status::IOError("cannot list {}: {}", root_.string(), ec.message());
    std::sort(entries_.begin(), entries_.end(),
              [](const auto& a, const auto& b) { return a.path < b.path; });
    return Status::OK();
  }

  const std::vector<SourceEntry>& entries() const override { return entries_; }
  bool concurrent_reads() const override { return true; }

  Result<std::unique_ptr<EntryStream>> Open(const SourceEntry& entry) const override {
    std::string path = (root_ / entry.name).string();
    // O_NOFOLLOW: a file swapped for a link after the scan is still refused.
    int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return Status::IOError("cannot open {}: {}", path, strerror(errno));
    return std::unique_ptr<EntryStream>(new FdStream(fd, path));
  }

 private:
  Status Add(const fs::directory_entry& de) {
    std::error_code ec;
    fs::file_status st = de.symlink_status(ec);
    if (ec) return Status::IOError("cannot stat {}: {}", de.path().string(), ec.message());
    std::string rel = de.path().lexically_relative(root_).generic_string();
    if (st.type() == fs::file_type::directory) return Status::OK();
    if (st.type() != fs::file_type::regular) {
      return Status::Refused(
          "'{}' in {} is refused: it is {}; a folder source may hold only "
          "regular files and folders",
          rel, root_.string(), KindOf(st.type()));
    }
    SL_ASSIGN_OR_RETURN(std::string safe, SafeRelativePath(rel));
    auto size = de.file_size(ec);
    if (ec) return Status::IOError("cannot stat {}: {}", de.path().string(), ec.message());
    entries_.push_back({rel, std::move(safe), static_cast<int64_t>(size), 0});
    return Status::OK();
  }

  fs::path root_;
  std::vector<SourceEntry> entries_;
};

}  // namespace

Result<std::unique_ptr<Source>> OpenFolderSource(const std::string& dir) {
  std::error_code ec;
  fs::path root = fs::canonical(dir, ec);
  if (ec) return Status::NotFound("source folder {} does not exist: {}", dir, ec.message());
  if (!fs::is_directory(root, ec)) return Status::Invalid("source {} is not a folder", dir);
  auto source = std::make_unique<FolderSource>(root);
  SL_RETURN_NOT_OK(source->Scan());
  return std::unique_ptr<Source>(std::move(source));
}

}  // namespace sensorlake::ingest
