#include "sensorlake/storage/lake.h"

#include <algorithm>
#include <filesystem>
#include <random>

#include <arrow/buffer.h>
#include <arrow/filesystem/localfs.h>
#include <arrow/io/interfaces.h>
#include <arrow/result.h>

namespace sensorlake::storage {

namespace fs = arrow::fs;

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string out(a);
  if (out.back() != '/') out.push_back('/');
  out.append(b.front() == '/' ? b.substr(1) : b);
  return out;
}

Result<std::unique_ptr<Lake>> Lake::Open(std::string_view uri) {
  if (uri.empty()) return Status::Invalid("the lake URI is empty");
  if (uri.starts_with("s3://")) {
    return Status::NotImplemented(
        "s3:// lakes are not built yet (they come with the S3 issue); use file:// or a path");
  }
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
  std::filesystem::create_directories(root, ec);
  if (ec) return Status::IOError("cannot create lake folder '{}': {}", root, ec.message());

  std::unique_ptr<Lake> lake(new Lake());
  lake->uri_ = "file://" + root;
  lake->root_ = root;
  lake->is_local_ = true;
  lake->fs_ = std::make_shared<fs::LocalFileSystem>();
  return lake;
}

Lake::~Lake() = default;

std::string Lake::FsPath(std::string_view rel) const { return JoinPath(root_, rel); }
std::string Lake::LocalPath(std::string_view rel) const { return JoinPath(root_, rel); }

Result<bool> Lake::Exists(std::string_view rel) const {
  SL_ASSIGN_OR_RETURN_ARROW(fs::FileInfo info, fs_->GetFileInfo(FsPath(rel)));
  return info.type() != fs::FileType::NotFound;
}

Result<bool> Lake::IsDirectory(std::string_view rel) const {
  SL_ASSIGN_OR_RETURN_ARROW(fs::FileInfo info, fs_->GetFileInfo(FsPath(rel)));
  return info.type() == fs::FileType::Directory;
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
  std::string target = FsPath(rel);
  std::string parent = std::filesystem::path(target).parent_path().string();
  SL_RETURN_NOT_OK_ARROW(fs_->CreateDir(parent, /*recursive=*/true));
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
  SL_RETURN_NOT_OK_ARROW(fs_->Move(tmp, target));
  return Status::OK();
}

Result<std::shared_ptr<arrow::io::OutputStream>> Lake::OpenOutputStream(
    std::string_view rel) const {
  std::string target = FsPath(rel);
  SL_RETURN_NOT_OK_ARROW(
      fs_->CreateDir(std::filesystem::path(target).parent_path().string(), true));
  SL_ASSIGN_OR_RETURN_ARROW(auto out, fs_->OpenOutputStream(target));
  return out;
}

Result<std::shared_ptr<arrow::io::RandomAccessFile>> Lake::OpenInputFile(
    std::string_view rel) const {
  auto res = fs_->OpenInputFile(FsPath(rel));
  if (!res.ok()) return Status::FromArrow(res.status()).WithContext(std::string(rel));
  return *res;
}

Result<std::shared_ptr<arrow::io::InputStream>> Lake::OpenInputStream(std::string_view rel) const {
  auto res = fs_->OpenInputStream(FsPath(rel));
  if (!res.ok()) return Status::FromArrow(res.status()).WithContext(std::string(rel));
  return *res;
}

Result<std::vector<FileEntry>> Lake::ListFiles(std::string_view rel_dir, bool recursive) const {
  fs::FileSelector sel;
  sel.base_dir = FsPath(rel_dir);
  sel.recursive = recursive;
  sel.allow_not_found = true;
  SL_ASSIGN_OR_RETURN_ARROW(auto infos, fs_->GetFileInfo(sel));
  std::vector<FileEntry> out;
  std::string prefix = sel.base_dir + "/";
  for (const auto& info : infos) {
    if (info.type() != fs::FileType::File) continue;
    std::string p = info.path();
    if (p.starts_with(prefix)) p = p.substr(prefix.size());
    out.push_back({std::move(p), info.size()});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return out;
}

Result<std::vector<std::string>> Lake::ListDirectories(std::string_view rel_dir) const {
  fs::FileSelector sel;
  sel.base_dir = FsPath(rel_dir);
  sel.recursive = false;
  sel.allow_not_found = true;
  SL_ASSIGN_OR_RETURN_ARROW(auto infos, fs_->GetFileInfo(sel));
  std::vector<std::string> out;
  for (const auto& info : infos) {
    if (info.type() == fs::FileType::Directory) out.push_back(info.base_name());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status Lake::CreateDir(std::string_view rel) const {
  SL_RETURN_NOT_OK_ARROW(fs_->CreateDir(FsPath(rel), true));
  return Status::OK();
}

Status Lake::DeleteDir(std::string_view rel) const {
  SL_ASSIGN_OR_RETURN(bool exists, Exists(rel));
  if (!exists) return Status::OK();
  SL_RETURN_NOT_OK_ARROW(fs_->DeleteDir(FsPath(rel)));
  return Status::OK();
}

Status Lake::DeleteFile(std::string_view rel) const {
  SL_RETURN_NOT_OK_ARROW(fs_->DeleteFile(FsPath(rel)));
  return Status::OK();
}

Status Lake::Move(std::string_view from_rel, std::string_view to_rel) const {
  std::string to = FsPath(to_rel);
  SL_RETURN_NOT_OK_ARROW(fs_->CreateDir(std::filesystem::path(to).parent_path().string(), true));
  SL_RETURN_NOT_OK_ARROW(fs_->Move(FsPath(from_rel), to));
  return Status::OK();
}

}  // namespace sensorlake::storage
