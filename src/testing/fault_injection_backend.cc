#include "testing/fault_injection_backend.h"

#include <arrow/buffer.h>
#include <arrow/io/interfaces.h>
#include <arrow/result.h>

namespace sensorlake::testing {

namespace {

// Buffers what is written and hands it to the backend on Close (see the header).
class HeldUntilCloseStream : public arrow::io::OutputStream {
 public:
  HeldUntilCloseStream(const FaultInjectionBackend& owner, std::string rel)
      : owner_(owner), rel_(std::move(rel)) {}

  arrow::Status Close() override {
    if (closed_) return arrow::Status::OK();
    closed_ = true;
    Status st = owner_.FinishStream(rel_, data_);
    return st.ok() ? arrow::Status::OK() : arrow::Status::IOError(st.ToString());
  }
  bool closed() const override { return closed_; }
  arrow::Result<int64_t> Tell() const override { return static_cast<int64_t>(data_.size()); }
  arrow::Status Write(const void* data, int64_t nbytes) override {
    if (closed_) return arrow::Status::Invalid("write to a closed stream: ", rel_);
    data_.append(static_cast<const char*>(data), static_cast<size_t>(nbytes));
    return arrow::Status::OK();
  }

 private:
  const FaultInjectionBackend& owner_;
  std::string rel_;
  std::string data_;
  bool closed_ = false;
};

Status WriteStream(const storage::Backend& target, const std::string& rel, std::string_view data) {
  SL_ASSIGN_OR_RETURN(auto out, target.OpenOutputStream(rel));
  SL_RETURN_NOT_OK_ARROW(out->Write(data.data(), static_cast<int64_t>(data.size())));
  SL_RETURN_NOT_OK_ARROW(out->Close());
  return Status::OK();
}

}  // namespace

std::string_view FaultName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kNone:
      return "none";
    case FaultKind::kError:
      return "error";
    case FaultKind::kShortWrite:
      return "short-write";
    case FaultKind::kCrash:
      return "crash";
  }
  return "?";
}

std::string_view OpName(StorageOp op) {
  static constexpr std::string_view kNames[] = {"stat",
                                                "list",
                                                "open-read",
                                                "open-write",
                                                "close-write",
                                                "write-atomic",
                                                "write-if-absent",
                                                "create-dir",
                                                "delete-dir",
                                                "delete-file",
                                                "move",
                                                "link",
                                                "replace-symlink",
                                                "copy-from-file"};
  return kNames[static_cast<size_t>(op)];
}

FaultInjectionBackend::FaultInjectionBackend(std::unique_ptr<storage::Backend> target)
    : target_(std::move(target)) {}

void FaultInjectionBackend::InjectAt(int64_t index, FaultKind kind) {
  std::lock_guard<std::mutex> lock(mu_);
  fault_index_ = index;
  fault_kind_ = kind;
}

int64_t FaultInjectionBackend::operations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

std::vector<OpRecord> FaultInjectionBackend::log() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

bool FaultInjectionBackend::fault_fired() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fired_;
}

bool FaultInjectionBackend::crashed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return crashed_;
}

FaultKind FaultInjectionBackend::Next(StorageOp op, std::string_view rel) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (crashed_) return FaultKind::kCrash;  // a dead process does nothing more
  int64_t index = count_++;
  log_.push_back({op, std::string(rel)});
  if (index != fault_index_) return FaultKind::kNone;
  fired_ = true;
  if (fault_kind_ == FaultKind::kCrash) crashed_ = true;
  return fault_kind_;
}

Status FaultInjectionBackend::Gate(StorageOp op, std::string_view rel) const {
  FaultKind kind = Next(op, rel);
  if (kind == FaultKind::kNone) return Status::OK();
  return Status::IOError("injected {} at {} {}", FaultName(kind), OpName(op), rel);
}

Status FaultInjectionBackend::WritePrefix(const std::string& rel, std::string_view data) const {
  (void)WriteStream(*target_, rel, data.substr(0, data.size() / 2));
  return Status::IOError("injected short-write at {} ({} of {} bytes written)", rel,
                         data.size() / 2, data.size());
}

Result<storage::EntryType> FaultInjectionBackend::Stat(std::string_view rel) const {
  SL_RETURN_NOT_OK(Gate(StorageOp::kStat, rel));
  return target_->Stat(rel);
}

Result<std::vector<storage::BackendEntry>> FaultInjectionBackend::List(std::string_view rel_dir,
                                                                       bool recursive) const {
  SL_RETURN_NOT_OK(Gate(StorageOp::kList, rel_dir));
  return target_->List(rel_dir, recursive);
}

Result<std::shared_ptr<arrow::io::RandomAccessFile>> FaultInjectionBackend::OpenInputFile(
    std::string_view rel) const {
  SL_RETURN_NOT_OK(Gate(StorageOp::kOpenRead, rel));
  return target_->OpenInputFile(rel);
}

Result<std::shared_ptr<arrow::io::InputStream>> FaultInjectionBackend::OpenInputStream(
    std::string_view rel) const {
  SL_RETURN_NOT_OK(Gate(StorageOp::kOpenRead, rel));
  return target_->OpenInputStream(rel);
}

Result<std::shared_ptr<arrow::io::OutputStream>> FaultInjectionBackend::OpenOutputStream(
    std::string_view rel) const {
  SL_RETURN_NOT_OK(Gate(StorageOp::kOpenWrite, rel));
  std::shared_ptr<arrow::io::OutputStream> out =
      std::make_shared<HeldUntilCloseStream>(*this, std::string(rel));
  return out;
}

Status FaultInjectionBackend::FinishStream(const std::string& rel, std::string_view data) const {
  FaultKind kind = Next(StorageOp::kCloseWrite, rel);
  if (kind == FaultKind::kShortWrite) return WritePrefix(rel, data);
  if (kind != FaultKind::kNone) {
    return Status::IOError("injected {} at close-write {}", FaultName(kind), rel);
  }
  return WriteStream(*target_, rel, data);
}

Status FaultInjectionBackend::WriteAtomic(std::string_view rel, std::string_view content) const {
  FaultKind kind = Next(StorageOp::kWriteAtomic, rel);
  if (kind == FaultKind::kShortWrite) return WritePrefix(std::string(rel) + ".tmp-short", content);
  if (kind != FaultKind::kNone) {
    return Status::IOError("injected {} at write-atomic {}", FaultName(kind), rel);
  }
  return target_->WriteAtomic(rel, content);
}

Result<bool> FaultInjectionBackend::WriteIfAbsent(std::string_view rel,
                                                  std::string_view content) const {
  SL_RETURN_NOT_OK(Gate(StorageOp::kWriteIfAbsent, rel));
  return target_->WriteIfAbsent(rel, content);
}

Status FaultInjectionBackend::CreateDir(std::string_view rel) const {
  SL_RETURN_NOT_OK(Gate(StorageOp::kCreateDir, rel));
  return target_->CreateDir(rel);
}

Status FaultInjectionBackend::DeleteDir(std::string_view rel) const {
  SL_RETURN_NOT_OK(Gate(StorageOp::kDeleteDir, rel));
  return target_->DeleteDir(rel);
}

Status FaultInjectionBackend::DeleteFile(std::string_view rel) const {
  SL_RETURN_NOT_OK(Gate(StorageOp::kDeleteFile, rel));
  return target_->DeleteFile(rel);
}

Status FaultInjectionBackend::Move(std::string_view from_rel, std::string_view to_rel) const {
  SL_RETURN_NOT_OK(Gate(StorageOp::kMove, from_rel));
  return target_->Move(from_rel, to_rel);
}

Status FaultInjectionBackend::Link(std::string_view from_rel, std::string_view to_rel) const {
  SL_RETURN_NOT_OK(Gate(StorageOp::kLink, to_rel));
  return target_->Link(from_rel, to_rel);
}

Status FaultInjectionBackend::CopyFromFile(int fd, int64_t size, std::string_view to_rel) const {
  SL_RETURN_NOT_OK(Gate(StorageOp::kCopyFromFile, to_rel));
  return target_->CopyFromFile(fd, size, to_rel);
}

Status FaultInjectionBackend::ReplaceSymlink(std::string_view rel, std::string_view target) const {
  SL_RETURN_NOT_OK(Gate(StorageOp::kReplaceSymlink, rel));
  return target_->ReplaceSymlink(rel, target);
}

}  // namespace sensorlake::testing
