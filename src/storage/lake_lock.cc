#include "sensorlake/storage/lake_lock.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <random>

#include <nlohmann/json.hpp>

namespace sensorlake::storage {
namespace {

constexpr int kReleaseAttempts = 3;

std::string HostName() {
  char buf[256] = {0};
  gethostname(buf, sizeof(buf) - 1);
  return buf;
}

// True when the lock names a process on this host that no longer exists.
bool IsStale(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.contains("pid") || !j.contains("host")) {
    // A local lock file being written right now is briefly empty: not stale.
    return false;
  }
  if (j["host"].get<std::string>() != HostName()) return false;
  pid_t pid = j["pid"].get<pid_t>();
  return kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace

Result<std::unique_ptr<LakeLock>> LakeLock::Acquire(const Lake& lake, std::string_view name,
                                                    std::string_view purpose) {
  std::string rel = fmt::format("_locks/{}.lock", name);
  std::random_device rd;
  nlohmann::json holder = {{"host", HostName()},
                           {"pid", static_cast<int64_t>(getpid())},
                           {"purpose", std::string(purpose)},
                           {"token", fmt::format("{:08x}{:08x}", rd(), rd())},
                           {"since_unix_s", std::chrono::duration_cast<std::chrono::seconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count()}};
  std::string text = holder.dump();

  std::string held_by;
  for (int attempt = 0; attempt < 2; ++attempt) {
    SL_ASSIGN_OR_RETURN(bool created, lake.WriteIfAbsent(rel, text));
    if (created) return std::unique_ptr<LakeLock>(new LakeLock(lake, rel, text));
    auto current = lake.ReadText(rel);
    held_by = current.ok() ? *current : "(unreadable)";
    if (current.ok() && *current == text) {
      // Our own write (its token is new): the conditional PUT landed, its response was
      // lost, and the AWS SDK's retry of it found the object there.
      return std::unique_ptr<LakeLock>(new LakeLock(lake, rel, text));
    }
    if (attempt == 0 && current.ok() && IsStale(*current)) {
      (void)lake.DeleteFile(rel);  // its holder died without releasing; take it over
      continue;
    }
  }
  return Status::Busy(
      "the lake {} is busy: lock '{}' is held by {} (remove {} only if that "
      "process is gone)",
      lake.uri(), name, held_by, lake.DisplayPath(rel));
}

LakeLock::~LakeLock() {
  // Only our own lock: one taken over after we were presumed dead is not ours to remove.
  // A failed read or delete (a transient S3 error) is tried again: a lock left behind by
  // this live process would refuse the run's own next attempt at the stage as Busy.
  for (int attempt = 0; attempt < kReleaseAttempts; ++attempt) {
    auto current = lake_.ReadText(rel_);
    if (current.ok() && *current != content_) return;
    if (current.ok() && lake_.DeleteFile(rel_).ok()) return;
  }
}

}  // namespace sensorlake::storage
