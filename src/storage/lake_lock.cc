#include "sensorlake/storage/lake_lock.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace sensorlake::storage {
namespace {

std::string HostName() {
  char buf[256] = {0};
  gethostname(buf, sizeof(buf) - 1);
  return buf;
}

// True when the lock file names a process on this host that no longer exists.
bool IsStale(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.contains("pid") || !j.contains("host")) {
    // A lock file being written right now is briefly empty: not stale.
    return false;
  }
  if (j["host"].get<std::string>() != HostName()) return false;
  pid_t pid = j["pid"].get<pid_t>();
  return kill(pid, 0) != 0 && errno == ESRCH;
}

std::string Describe(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Result<std::unique_ptr<LakeLock>> LakeLock::Acquire(const Lake& lake, std::string_view name,
                                                    std::string_view purpose) {
  if (!lake.is_local()) {
    return Status::NotImplemented("locks on object-store lakes come with the S3 issue");
  }
  std::string dir = lake.LocalPath("_locks");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create {}: {}", dir, ec.message());
  std::string path = fmt::format("{}/{}.lock", dir, name);

  nlohmann::json holder = {{"host", HostName()},
                           {"pid", static_cast<int64_t>(getpid())},
                           {"purpose", std::string(purpose)},
                           {"since_unix_s", std::chrono::duration_cast<std::chrono::seconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count()}};
  std::string text = holder.dump();

  for (int attempt = 0; attempt < 2; ++attempt) {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd >= 0) {
      ssize_t n = write(fd, text.data(), text.size());
      close(fd);
      if (n != static_cast<ssize_t>(text.size())) {
        unlink(path.c_str());
        return Status::IOError("cannot write lock {}", path);
      }
      return std::unique_ptr<LakeLock>(new LakeLock(path));
    }
    if (errno != EEXIST) return Status::IOError("cannot create lock {}: {}", path, strerror(errno));
    if (attempt == 0 && IsStale(path)) {
      unlink(path.c_str());  // its holder died without releasing; take it over
      continue;
    }
  }
  return Status::Busy(
      "the lake {} is busy: lock '{}' is held by {} (remove {} only if that "
      "process is gone)",
      lake.uri(), name, Describe(path), path);
}

LakeLock::~LakeLock() { unlink(path_.c_str()); }

}  // namespace sensorlake::storage
