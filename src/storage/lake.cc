#include "sensorlake/storage/lake.h"

#include <algorithm>

#include <arrow/buffer.h>
#include <arrow/io/interfaces.h>
#include <arrow/result.h>

#include "storage/local_backend.h"
#include "storage/s3_backend.h"

namespace sensorlake::storage {

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string out(a);
  if (out.back() != '/') out.push_back('/');
  out.append(b.front() == '/' ? b.substr(1) : b);
  return out;
}

Result<std::unique_ptr<Backend>> OpenBackend(std::string_view uri, LakeOpenMode mode) {
  if (uri.empty()) return Status::Invalid("the lake URI is empty");
  if (uri.starts_with("s3://")) {
    SL_ASSIGN_OR_RETURN(auto s3, S3Backend::Open(uri));
    return std::unique_ptr<Backend>(std::move(s3));
  }
  SL_ASSIGN_OR_RETURN(auto local, LocalBackend::Open(uri, mode));
  return std::unique_ptr<Backend>(std::move(local));
}

Result<std::unique_ptr<Lake>> Lake::Open(std::string_view uri, LakeOpenMode mode) {
  SL_ASSIGN_OR_RETURN(auto backend, OpenBackend(uri, mode));
  return OpenWithBackend(std::move(backend));
}

std::unique_ptr<Lake> Lake::OpenWithBackend(std::unique_ptr<Backend> backend) {
  return std::unique_ptr<Lake>(new Lake(std::move(backend)));
}

Lake::~Lake() = default;

std::string Lake::FsPath(std::string_view rel) const { return backend_->FsPath(rel); }
std::string Lake::LocalPath(std::string_view rel) const { return backend_->FsPath(rel); }
std::string Lake::DisplayPath(std::string_view rel) const { return backend_->DisplayPath(rel); }

Result<bool> Lake::Exists(std::string_view rel) const {
  SL_ASSIGN_OR_RETURN(EntryType type, backend_->Stat(rel));
  return type != EntryType::kNotFound;
}

Result<bool> Lake::IsDirectory(std::string_view rel) const {
  SL_ASSIGN_OR_RETURN(EntryType type, backend_->Stat(rel));
  return type == EntryType::kDirectory;
}

Result<std::shared_ptr<arrow::Buffer>> Lake::ReadAll(std::string_view rel) const {
  SL_ASSIGN_OR_RETURN(auto file, OpenInputFile(rel));
  SL_ASSIGN_OR_RETURN_ARROW(int64_t size, file->GetSize());
  SL_ASSIGN_OR_RETURN_ARROW(auto buffer, file->ReadAt(0, size));
  return buffer;
}

Result<std::string> Lake::ReadText(std::string_view rel) const {
  SL_ASSIGN_OR_RETURN(auto buffer, ReadAll(rel));
  return buffer->ToString();
}

Status Lake::WriteAtomic(std::string_view rel, std::string_view content) const {
  return backend_->WriteAtomic(rel, content);
}

Result<std::shared_ptr<arrow::io::OutputStream>> Lake::OpenOutputStream(
    std::string_view rel) const {
  return backend_->OpenOutputStream(rel);
}

Result<std::shared_ptr<arrow::io::RandomAccessFile>> Lake::OpenInputFile(
    std::string_view rel) const {
  return backend_->OpenInputFile(rel);
}

Result<std::shared_ptr<arrow::io::InputStream>> Lake::OpenInputStream(std::string_view rel) const {
  return backend_->OpenInputStream(rel);
}

Result<std::vector<FileEntry>> Lake::ListFiles(std::string_view rel_dir, bool recursive) const {
  SL_ASSIGN_OR_RETURN(auto entries, backend_->List(rel_dir, recursive));
  std::vector<FileEntry> out;
  for (auto& e : entries) {
    if (e.type == EntryType::kFile) out.push_back({std::move(e.path), e.size});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return out;
}

Result<std::vector<std::string>> Lake::ListDirectories(std::string_view rel_dir) const {
  SL_ASSIGN_OR_RETURN(auto entries, backend_->List(rel_dir, /*recursive=*/false));
  std::vector<std::string> out;
  for (auto& e : entries) {
    if (e.type != EntryType::kDirectory) continue;
    size_t slash = e.path.rfind('/');
    out.push_back(slash == std::string::npos ? std::move(e.path) : e.path.substr(slash + 1));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status Lake::CreateDir(std::string_view rel) const { return backend_->CreateDir(rel); }

Status Lake::DeleteDir(std::string_view rel) const {
  SL_ASSIGN_OR_RETURN(bool exists, Exists(rel));
  if (!exists) return Status::OK();
  return backend_->DeleteDir(rel);
}

Status Lake::DeleteFile(std::string_view rel) const { return backend_->DeleteFile(rel); }

Status Lake::Move(std::string_view from_rel, std::string_view to_rel) const {
  return backend_->Move(from_rel, to_rel);
}

Status Lake::Link(std::string_view from_rel, std::string_view to_rel) const {
  return backend_->Link(from_rel, to_rel);
}

Status Lake::CopyFromFile(int fd, int64_t size, std::string_view to_rel) const {
  return backend_->CopyFromFile(fd, size, to_rel);
}

Result<bool> Lake::WriteIfAbsent(std::string_view rel, std::string_view content) const {
  return backend_->WriteIfAbsent(rel, content);
}

Status Lake::ReplaceSymlink(std::string_view rel, std::string_view target) const {
  return backend_->ReplaceSymlink(rel, target);
}

}  // namespace sensorlake::storage
