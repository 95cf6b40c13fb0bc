#include "storage/arrow_fs_backend.h"

#include <arrow/filesystem/filesystem.h>
#include <arrow/io/interfaces.h>
#include <arrow/result.h>

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

}  // namespace sensorlake::storage
