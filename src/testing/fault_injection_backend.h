// A storage backend that wraps another and fails one chosen operation, in the style of
// RocksDB's FaultInjectionTestFS: tests count the operations of a clean run, then fail
// operation 0, 1, ... in turn and check what readers and a rerun see.
//
// Every call that reaches storage counts as one operation (a stat, a listing, opening a
// file, closing a written stream, an atomic write, ...). Faults:
//   kError      the operation fails with IOError and does nothing;
//   kShortWrite a write stores a prefix of its data and then fails (a closed stream leaves
//               the prefix in its file; an atomic write leaves it in a temporary sibling,
//               as a process stopped before the rename would); other operations: kError;
//   kCrash      the operation and every later one fail without reaching the wrapped
//               backend, as if the process had died there: no cleanup code of the run
//               (destructors releasing locks, error paths deleting staging) gets through.
// Written streams are buffered and reach the wrapped backend on Close, so that a crash
// before the close leaves nothing behind them.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sensorlake/storage/backend.h"

namespace sensorlake::testing {

enum class FaultKind : uint8_t { kNone, kError, kShortWrite, kCrash };
inline constexpr FaultKind kAllFaults[] = {FaultKind::kError, FaultKind::kShortWrite,
                                           FaultKind::kCrash};
std::string_view FaultName(FaultKind kind);

enum class StorageOp : uint8_t {
  kStat,
  kList,
  kOpenRead,
  kOpenWrite,
  kCloseWrite,
  kWriteAtomic,
  kWriteIfAbsent,
  kCreateDir,
  kDeleteDir,
  kDeleteFile,
  kMove,
  kLink,
  kReplaceSymlink,
  kCopyFromFile,
};
std::string_view OpName(StorageOp op);

struct OpRecord {
  StorageOp op;
  std::string path;
};

class FaultInjectionBackend : public storage::Backend {
 public:
  explicit FaultInjectionBackend(std::unique_ptr<storage::Backend> target);

  // Fails operation `index` (0-based, counted from construction) with `kind`.
  void InjectAt(int64_t index, FaultKind kind);
  int64_t operations() const;         // counted so far
  std::vector<OpRecord> log() const;  // every counted operation, in order
  bool fault_fired() const;
  bool crashed() const;

  const std::string& uri() const override { return target_->uri(); }
  bool is_local() const override { return target_->is_local(); }
  std::string FsPath(std::string_view rel) const override { return target_->FsPath(rel); }
  std::string DisplayPath(std::string_view rel) const override { return target_->DisplayPath(rel); }
  arrow::fs::FileSystem& fs() const override { return target_->fs(); }

  Result<storage::EntryType> Stat(std::string_view rel) const override;
  Result<std::vector<storage::BackendEntry>> List(std::string_view rel_dir,
                                                  bool recursive) const override;
  Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenInputFile(
      std::string_view rel) const override;
  Result<std::shared_ptr<arrow::io::InputStream>> OpenInputStream(
      std::string_view rel) const override;
  Result<std::shared_ptr<arrow::io::OutputStream>> OpenOutputStream(
      std::string_view rel) const override;
  Status WriteAtomic(std::string_view rel, std::string_view content) const override;
  Result<bool> WriteIfAbsent(std::string_view rel, std::string_view content) const override;
  Status CreateDir(std::string_view rel) const override;
  Status DeleteDir(std::string_view rel) const override;
  Status DeleteFile(std::string_view rel) const override;
  Status Move(std::string_view from_rel, std::string_view to_rel) const override;
  Status Link(std::string_view from_rel, std::string_view to_rel) const override;
  Status CopyFromFile(int fd, int64_t size, std::string_view to_rel) const override;
  Status ReplaceSymlink(std::string_view rel, std::string_view target) const override;

  // Called by the buffered output stream when it is closed.
  Status FinishStream(const std::string& rel, std::string_view data) const;

 private:
  // Counts the operation and says which fault, if any, applies to it.
  FaultKind Next(StorageOp op, std::string_view rel) const;
  // Next(), with every fault turned into its error.
  Status Gate(StorageOp op, std::string_view rel) const;
  Status WritePrefix(const std::string& rel, std::string_view data) const;

  std::unique_ptr<storage::Backend> target_;
  mutable std::mutex mu_;
  mutable int64_t count_ = 0;
  mutable std::vector<OpRecord> log_;
  mutable bool fired_ = false;
  mutable bool crashed_ = false;
  int64_t fault_index_ = -1;
  FaultKind fault_kind_ = FaultKind::kNone;
};

}  // namespace sensorlake::testing
