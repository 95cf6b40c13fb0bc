#include "ingest/zip_source.h"

#include <sys/stat.h>
#include <zip.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>

#include <fmt/format.h>

namespace sensorlake::ingest {

// Far above any real dataset archive, far below what would exhaust memory listing it.
constexpr zip_int64_t kMaxZipEntries = 100'000;
// An entry may expand at most 100:1, the limit common ZIP-bomb defences use: WISDM's text
// deflates about 3:1, so only a crafted entry passes it. Entries below 1 MiB are exempt (a
// small file of one repeated byte is harmless whatever its ratio).
constexpr int64_t kMaxExpansionRatio = 100;
constexpr int64_t kRatioExemptBytes = int64_t{1} << 20;
namespace {

namespace fs = std::filesystem;

std::string ZipErrorText(int code) {
  zip_error_t err;
  zip_error_init_with_code(&err, code);
  std::string text = zip_error_strerror(&err);
  zip_error_fini(&err);
  return text;
}

Status OpenError(const std::string& path, int code) {
  std::string why = ZipErrorText(code);
  switch (code) {
    case ZIP_ER_NOENT:
      return Status::NotFound("zip source {} does not exist", path);
    case ZIP_ER_NOZIP:
      return Status::Invalid("source {} is not a zip archive ({})", path, why);
    case ZIP_ER_INCONS:
    case ZIP_ER_CRC:
      return Status::Corrupt("zip source {} is damaged: {}", path, why);
    default:
      return Status::IOError("cannot open zip source {}: {}", path, why);
  }
}

// Why a unix mode is not a regular file or folder; empty when it is one (or unset).
std::string_view UnsafeMode(uint32_t mode) {
  switch (mode & S_IFMT) {
    case S_IFLNK:
      return "it is a symbolic link";
    case S_IFCHR:
      return "it is a character device";
    case S_IFBLK:
      return "it is a block device";
    case S_IFIFO:
      return "it is a named pipe";
    case S_IFSOCK:
      return "it is a socket";
    default:
      return {};
  }
}

class ZipEntryStream : public EntryStream {
 public:
  ZipEntryStream(zip_file_t* file, std::string name, int64_t declared)
      : file_(file), name_(std::move(name)), declared_(declared) {}
  ~ZipEntryStream() override { zip_fclose(file_); }
  Result<int64_t> Read(char* buf, int64_t n) override {
    zip_int64_t got = zip_fread(file_, buf, static_cast<zip_uint64_t>(n));
    if (got >= 0) {
      // A header that lies about the size must not get past the expansion limits, which
      // were checked against the declared sizes.
      if ((read_ += got) > declared_) {
        return Status::Corrupt("zip entry '{}' inflates past its declared size of {} bytes", name_,
                               declared_);
      }
      return static_cast<int64_t>(got);
    }
    zip_error_t* err = zip_file_get_error(file_);
    int code = zip_error_code_zip(err);
    std::string why = zip_error_strerror(err);
    if (code == ZIP_ER_CRC || code == ZIP_ER_ZLIB || code == ZIP_ER_INCONS ||
        code == ZIP_ER_COMPRESSED_DATA) {
      return Status::Corrupt("zip entry '{}' is damaged: {}", name_, why);
    }
    return Status::IOError("cannot read zip entry '{}': {}", name_, why);
  }

 private:
  zip_file_t* file_;
  std::string name_;
  int64_t declared_;
  int64_t read_ = 0;
};

class ZipSource : public Source {
 public:
  ZipSource(zip_t* za, std::string path) : za_(za), path_(std::move(path)) {}
  ~ZipSource() override {
    zip_discard(za_);
    std::error_code ec;
    if (!owned_temp_.empty()) fs::remove(owned_temp_, ec);
  }

  const std::vector<SourceEntry>& entries() const override { return entries_; }
  std::string nested_archive() const override { return nested_; }

  Result<std::unique_ptr<EntryStream>> Open(const SourceEntry& entry) const override {
    zip_file_t* file = zip_fopen_index(za_, entry.index, 0);
    if (file == nullptr) {
      int code = zip_error_code_zip(zip_get_error(za_));
      if (code == ZIP_ER_NOPASSWD || code == ZIP_ER_WRONGPASSWD) {
        return Status::Invalid("zip entry '{}' is encrypted", entry.path);
      }
      return Status::IOError("cannot open zip entry '{}' of {}: {}", entry.path, path_,
                             zip_strerror(za_));
    }
    return std::unique_ptr<EntryStream>(new ZipEntryStream(file, entry.path, entry.size));
  }

  // Reads the central directory: every entry is checked, folders are skipped.
  Status Scan() {
    zip_int64_t n = zip_get_num_entries(za_, 0);
    if (n > kMaxZipEntries) {
      return Status::Refused(
          "{} is refused: its directory lists {} entries, more than the {} accepted (the "
          "WISDM archive has about 420)",
          path_, n, kMaxZipEntries);
    }
    for (zip_int64_t i = 0; i < n; ++i) SL_RETURN_NOT_OK(Add(static_cast<zip_uint64_t>(i)));
    std::sort(entries_.begin(), entries_.end(),
              [](const auto& a, const auto& b) { return a.path < b.path; });
    for (size_t i = 1; i < entries_.size(); ++i) {
      if (entries_[i].path == entries_[i - 1].path) {
        return Status::Refused("entry '{}' of {} is refused: it appears twice", entries_[i].path,
                               path_);
      }
    }
    return Status::OK();
  }

  // Refuses an entry whose declared sizes expand more than kMaxExpansionRatio:1, from the
  // central directory, so nothing is inflated first.
  Status CheckExpansionRatios() const {
    for (const auto& e : entries_) {
      if (e.size < kRatioExemptBytes) continue;
      zip_stat_t st;
      zip_stat_init(&st);
      if (zip_stat_index(za_, e.index, 0, &st) != 0 || !(st.valid & ZIP_STAT_COMP_SIZE)) {
        return Status::Corrupt("{}: cannot read the compressed size of entry '{}'", path_, e.path);
      }
      const auto compressed = static_cast<int64_t>(st.comp_size);
      if (compressed == 0 || e.size / compressed >= kMaxExpansionRatio) {
        return Status::Refused(
            "entry '{}' of {} is refused before extracting it: it expands {} bytes from {} "
            "(ratio {}:1), more than the {}:1 accepted for entries of 1 MiB or more",
            e.path, path_, e.size, compressed, compressed == 0 ? e.size : e.size / compressed,
            kMaxExpansionRatio);
      }
    }
    return Status::OK();
  }

  void Own(std::string temp_file, std::string nested) {
    owned_temp_ = std::move(temp_file);
    nested_ = std::move(nested);
  }

 private:
  Status Add(zip_uint64_t index) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za_, index, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) ||
        !(st.valid & ZIP_STAT_SIZE)) {
      return Status::Corrupt("{}: cannot read entry {}: {}", path_, index, zip_strerror(za_));
    }
    std::string name = st.name;
    SL_ASSIGN_OR_RETURN(std::string safe, SafeRelativePath(name));
    zip_uint8_t opsys = 0;
    zip_uint32_t attributes = 0;
    if (zip_file_get_external_attributes(za_, index, 0, &opsys, &attributes) == 0 &&
        opsys == ZIP_OPSYS_UNIX) {
      std::string_view why = UnsafeMode(attributes >> 16);
      if (!why.empty()) return Status::Refused("entry '{}' of {} is refused: {}", name, path_, why);
      if (((attributes >> 16) & S_IFMT) == S_IFDIR) return Status::OK();
    }
    if (name.back() == '/') return Status::OK();  // a folder entry
    entries_.push_back({name, std::move(safe), static_cast<int64_t>(st.size), index});
    return Status::OK();
  }

  zip_t* za_;
  std::string path_;
  std::vector<SourceEntry> entries_;
  std::string owned_temp_;
  std::string nested_;
};

Result<std::unique_ptr<ZipSource>> OpenChecked(const std::string& path, int64_t max_bytes) {
  int code = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_RDONLY, &code);
  if (za == nullptr) return OpenError(path, code);
  auto source = std::make_unique<ZipSource>(za, path);
  SL_RETURN_NOT_OK(source->Scan());
  SL_RETURN_NOT_OK(CheckExpandedSize(source->entries(), max_bytes, path));
  SL_RETURN_NOT_OK(source->CheckExpansionRatios());
  return source;
}

bool IsJunk(std::string_view path) {
  std::string_view base = path.substr(path.rfind('/') + 1);
  return path.starts_with("__MACOSX/") || base.starts_with("._");
}

// The nested zip to read instead of the outer archive; null when there is none to pick.
Result<const SourceEntry*> PickNested(const ZipSource& outer, const std::string& path) {
  std::vector<const SourceEntry*> zips;
  for (const auto& e : outer.entries()) {
    if (e.path.ends_with(".zip") && !IsJunk(e.path)) zips.push_back(&e);
  }
  if (zips.size() <= 1) return zips.empty() ? nullptr : zips.front();
  for (const auto* e : zips) {
    if (e->path == "wisdm-dataset.zip" || e->path.ends_with("/wisdm-dataset.zip")) return e;
  }
  return Status::Invalid(
      "{} has no raw/ folder but several nested zips; unpack the one that "
      "holds the dataset and ingest it",
      path);
}

// Copies a nested entry to a fresh temporary file; the caller owns (removes) the file.
Status Extract(const ZipSource& outer, const SourceEntry& entry, const std::string& target) {
  SL_ASSIGN_OR_RETURN(auto in, outer.Open(entry));
  std::FILE* out = std::fopen(target.c_str(), "wb");
  if (out == nullptr) return Status::IOError("cannot create {}", target);
  std::vector<char> buf(1 << 20);
  int64_t total = 0;
  Status st;
  while (st.ok()) {
    auto got = in->Read(buf.data(), static_cast<int64_t>(buf.size()));
    if (!got.ok())
      st = got.status();
    else if (*got == 0)
      break;
    else if ((total += *got) > entry.size) {
      st = Status::Corrupt("nested zip '{}' is larger than it declares", entry.path);
    } else if (std::fwrite(buf.data(), 1, static_cast<size_t>(*got), out) !=
               static_cast<size_t>(*got)) {
      st = Status::IOError("cannot write {} (disk full?)", target);
    }
  }
  if (std::fclose(out) != 0 && st.ok()) st = Status::IOError("cannot write {}", target);
  return st;
}

}  // namespace

Result<std::unique_ptr<Source>> OpenZipSource(const std::string& zip_path,
                                              int64_t max_expanded_bytes,
                                              const std::string& temp_dir) {
  SL_ASSIGN_OR_RETURN(auto outer, OpenChecked(zip_path, max_expanded_bytes));
  if (HasRawFolder(outer->entries())) return std::unique_ptr<Source>(std::move(outer));
  SL_ASSIGN_OR_RETURN(const SourceEntry* nested, PickNested(*outer, zip_path));
  if (nested == nullptr) return std::unique_ptr<Source>(std::move(outer));

  std::error_code ec;
  fs::create_directories(temp_dir, ec);
  if (ec) return Status::IOError("cannot create {}: {}", temp_dir, ec.message());
  std::string temp = fmt::format("{}/nested-{:08x}.zip", temp_dir, std::random_device{}());
  Status st = Extract(*outer, *nested, temp);
  Result<std::unique_ptr<ZipSource>> inner =
      st.ok() ? OpenChecked(temp, max_expanded_bytes) : Result<std::unique_ptr<ZipSource>>(st);
  if (!inner.ok()) {
    fs::remove(temp, ec);
    return inner.status().WithContext(fmt::format("{} inside {}", nested->path, zip_path));
  }
  (*inner)->Own(temp, nested->path);
  return std::unique_ptr<Source>(std::move(*inner));
}

}  // namespace sensorlake::ingest
