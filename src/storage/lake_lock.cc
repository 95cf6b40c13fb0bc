#include "sensorlake/storage/lake_lock.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <mutex>
#include <random>
#include <set>

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

// The locks this process holds, by lake and lock file. A lock file naming this process
// that is not among them was left by an earlier attempt of ours whose release failed (or
// whose creation failed after the object landed): ours to take over, where refusing it
// would make the stage's own retry Busy for as long as the process lives.
std::mutex held_mutex;
std::set<std::string>& HeldByThisProcess() {
  static std::set<std::string> held;
  return held;
}

std::string HeldKey(const Lake& lake, const std::string& rel) { return lake.uri() + "\n" + rel; }

// True when the lock names this very process.
bool NamesThisProcess(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return !j.is_discarded() && j.contains("pid") && j.contains("host") &&
         j["host"].get<std::string>() == HostName() && j["pid"].get<pid_t>() == getpid();
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

  // One acquisition at a time in this process: a lock being created is not yet among the
  // held ones, and must not look like a leftover to another thread.
  std::lock_guard<std::mutex> guard(held_mutex);
  const std::string key = HeldKey(lake, rel);
  auto held = [&] {
    HeldByThisProcess().insert(key);
    return std::unique_ptr<LakeLock>(new LakeLock(lake, rel, text));
  };
  std::string held_by;
  for (int attempt = 0; attempt < 2; ++attempt) {
    SL_ASSIGN_OR_RETURN(bool created, lake.WriteIfAbsent(rel, text));
    if (created) return held();
    auto current = lake.ReadText(rel);
    held_by = current.ok() ? *current : "(unreadable)";
    if (current.ok() && *current == text) {
      // Our own write (its token is new): the conditional PUT landed, its response was
      // lost, and the AWS SDK's retry of it found the object there.
      return held();
    }
    const bool leftover =
        current.ok() && NamesThisProcess(*current) && !HeldByThisProcess().contains(key);
    if (attempt == 0 && current.ok() && (IsStale(*current) || leftover)) {
      // Its holder died without releasing, or is this process and no longer holds it.
      (void)lake.DeleteFile(rel);
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
  // A failed read or delete (a transient S3 error) is tried again; a lock still left behind
  // is a leftover of this process once it is no longer held, which our next Acquire takes
  // over rather than refusing the run's own next attempt at the stage as Busy.
  for (int attempt = 0; attempt < kReleaseAttempts; ++attempt) {
    auto current = lake_.ReadText(rel_);
    if (current.ok() && *current != content_) break;
    if (current.ok() && lake_.DeleteFile(rel_).ok()) break;
  }
  std::lock_guard<std::mutex> guard(held_mutex);
  HeldByThisProcess().erase(HeldKey(lake_, rel_));
}

}  // namespace sensorlake::storage
