// The ingest stage: resolve the source, verify it, stream it into a staging prefix, move
// the staging prefix to its version folder, then write the manifest and the latest pointer.
#include "sensorlake/ingest/ingest.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <optional>
#include <random>

#include <fmt/format.h>

#include "ingest/folder_source.h"
#include "ingest/http_download.h"
#include "ingest/landing.h"
#include "ingest/s3_source.h"
#include "ingest/zip_source.h"
#include "sensorlake/common/clock.h"
#include "sensorlake/common/crash_point.h"
#include "sensorlake/common/progress.h"
#include "sensorlake/common/sha256.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/storage/lake_lock.h"

namespace sensorlake::ingest {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kZone = "raw/wisdm";
constexpr std::string_view kLatestPath = "raw/wisdm/_latest.json";
constexpr std::string_view kStagingRoot = "raw/wisdm/_staging";

// What the user named, resolved to something local to read.
struct ResolvedSource {
  std::string kind;            // "url", "zip", "dir" or "s3"
  std::string location;        // redacted URL, s3:// URI without its query, or absolute path
  std::string local_path;      // the zip (given or downloaded) or the folder
  std::string archive_sha256;  // url and zip (and an s3 object)
  bool folder = false;         // local_path is a folder (dir, or an s3 prefix)
  nlohmann::json Json(const Source* source, std::string_view root) const {
    nlohmann::json j = {{"kind", kind}, {"location", location}};
    if (!archive_sha256.empty()) j["archive_sha256"] = archive_sha256;
    if (source != nullptr && !source->nested_archive().empty()) {
      j["nested_archive"] = source->nested_archive();
    }
    j["root"] = std::string(root);
    return j;
  }
};

// Removes a file or folder when the ingest is over, whatever its outcome.
class FileRemover {
 public:
  ~FileRemover() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  void Set(std::string path) { path_ = std::move(path); }

 private:
  std::string path_;
};

// Removes the staging prefix unless the ingest committed it: never a half-landed version.
class StagingGuard {
 public:
  StagingGuard(const storage::Lake& lake, std::string path) : lake_(lake), path_(std::move(path)) {}
  ~StagingGuard() {
    if (armed_) (void)lake_.DeleteDir(path_);
  }
  const std::string& path() const { return path_; }
  void Disarm() { armed_ = false; }

 private:
  const storage::Lake& lake_;
  std::string path_;
  bool armed_ = true;
};

bool IsValidVersion(std::string_view v) {
  if (v.empty() || v.size() > 100 || !std::isalnum(static_cast<unsigned char>(v.front()))) {
    return false;
  }
  return std::all_of(v.begin(), v.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

Result<std::string> NormalizeSha(std::string_view hex) {
  std::string out(hex);
  std::transform(out.begin(), out.end(), out.begin(), ::tolower);
  bool ok = out.size() == 64 && std::all_of(out.begin(), out.end(), [](char c) {
              return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
            });
  if (!ok) return Status::Invalid("--sha256 '{}' is not 64 hex digits", hex);
  return out;
}

Status ValidateOptions(const IngestOptions& o) {
  if (o.source.empty()) return Status::Invalid("--source is empty");
  if (!o.dataset_version.empty() && !IsValidVersion(o.dataset_version)) {
    return Status::Invalid(
        "--dataset-version '{}' is not a valid version name (letters, digits, "
        "'.', '_', '-'; starting with a letter or digit; at most 100)",
        o.dataset_version);
  }
  if (o.max_expanded_bytes <= 0) return Status::Invalid("--max-expanded-bytes must be positive");
  return Status::OK();
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); });
}

// "url", "s3", "zip" or "dir", and the local path for the last two.
Result<std::pair<std::string, std::string>> Classify(const std::string& source) {
  if (StartsWithNoCase(source, "http://") || StartsWithNoCase(source, "https://")) {
    return std::pair<std::string, std::string>{"url", source};
  }
  if (source.starts_with("s3://")) return std::pair<std::string, std::string>{"s3", source};
  std::string path = source;
  if (source.starts_with("file://"))
    path = source.substr(7);
  else if (source.find("://") != std::string::npos) {
    return Status::Invalid(
        "unsupported --source scheme in '{}' (use http(s)://, s3://, a zip file or a "
        "folder)",
        source);
  }
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec).lexically_normal();
  fs::file_status st = fs::status(abs, ec);
  if (st.type() == fs::file_type::directory) return std::pair{std::string("dir"), abs.string()};
  if (st.type() == fs::file_type::regular) return std::pair{std::string("zip"), abs.string()};
  if (st.type() == fs::file_type::not_found) {
    return Status::NotFound("source {} does not exist", abs.string());
  }
  return Status::Invalid("source {} is neither a folder nor a zip file", abs.string());
}

// The source as manifests and messages show it: no credentials, no endpoint query.
std::string DisplayLocation(const std::string& kind, const std::string& source) {
  if (kind == "url") return RedactUrl(source);
  if (kind == "s3") {
    auto parsed = storage::ParseS3LakeUri(source);
    return parsed.ok() ? parsed->display_uri : source.substr(0, source.find('?'));
  }
  return source;
}

Result<std::string> FileSha256(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Status::IOError("cannot open {}", path);
  std::error_code ec;
  Progress progress("checksum", static_cast<int64_t>(fs::file_size(path, ec)), "bytes");
  Sha256 sha;
  std::vector<char> buf(1 << 20);
  size_t got = 0;
  while ((got = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
    sha.Update(buf.data(), got);
    progress.Add(static_cast<int64_t>(got));
  }
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return Status::IOError("cannot read {}", path);
  return sha.HexDigest();
}

std::string RandomHex() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}", rd(), rd());
}

// The version in the lake whose content matches, if any. With an explicit version only
// that version counts: an explicit name that holds other content is refused.
Result<const zones::RawManifest*> FindSame(const std::vector<zones::RawManifest>& versions,
                                           const std::string& content_sha256,
                                           const std::string& explicit_version,
                                           const std::string& latest) {
  const zones::RawManifest* found = nullptr;
  for (const auto& m : versions) {
    if (!explicit_version.empty() && m.version != explicit_version) continue;
    if (m.content_sha256 != content_sha256) {
      if (!explicit_version.empty()) {
        return Status::AlreadyExists(
            "raw dataset version '{}' already exists with other content (content_sha256 {}, "
            "this source {}); versions are immutable: choose another --dataset-version or omit it",
            explicit_version, m.content_sha256, content_sha256);
      }
      continue;
    }
    if (found == nullptr || m.version == latest) found = &m;
  }
  return found;
}

// A version holding this very archive (same archive_sha256): its content is the same, so
// nothing needs extracting.
const zones::RawManifest* FindByArchive(const std::vector<zones::RawManifest>& versions,
                                        const std::string& archive_sha256,
                                        const std::string& explicit_version) {
  for (const auto& m : versions) {
    if (!explicit_version.empty() && m.version != explicit_version) continue;
    auto sha = m.source.is_object() ? m.source.find("archive_sha256") : m.source.end();
    if (sha != m.source.end() && *sha == archive_sha256) return &m;
  }
  return nullptr;
}

std::string ReadLatest(const storage::Lake& lake) {
  auto latest = zones::LatestRawVersion(lake);
  return latest.ok() ? *latest : std::string();
}

Status WriteLatest(const storage::Lake& lake, const std::string& version) {
  return lake.WriteAtomic(kLatestPath, nlohmann::json{{"version", version}}.dump() + "\n");
}

std::map<std::string, int64_t> FolderLines(const std::vector<zones::RawFileEntry>& files) {
  std::map<std::string, int64_t> out;
  for (const auto& f : files) {
    // raw/<device>/<sensor>/<file>: exactly three slashes.
    if (!f.path.starts_with("raw/") || std::count(f.path.begin(), f.path.end(), '/') != 3) {
      continue;
    }
    std::string folder = f.path.substr(4, f.path.rfind('/') - 4);
    out[folder] += f.lines;
  }
  return out;
}

IngestSummary Summarize(const zones::RawManifest& m, const ResolvedSource& src, bool unchanged) {
  IngestSummary s;
  s.version = m.version;
  s.unchanged = unchanged;
  s.source_kind = src.kind;
  s.source_location = src.location;
  s.archive_sha256 = src.archive_sha256;
  s.content_sha256 = m.content_sha256;
  s.files = static_cast<int64_t>(m.files.size());
  s.bytes = m.TotalBytes();
  s.lines = m.TotalLines();
  s.folder_lines = FolderLines(m.files);
  s.manifest_path = zones::RawManifestPath(m.version);
  return s;
}

// Nothing lands; only the latest pointer moves when it named another version.
Result<IngestSummary> Unchanged(const storage::Lake& lake, const zones::RawManifest& existing,
                                const ResolvedSource& src, const std::string& latest) {
  IngestSummary s = Summarize(existing, src, /*unchanged=*/true);
  if (latest != existing.version) {
    SL_RETURN_NOT_OK(WriteLatest(lake, existing.version));
    s.latest_updated = true;
  }
  return s;
}

struct Context {
  const storage::Lake& lake;
  const IngestOptions& options;
  std::string cache_dir;
  std::string expected_sha;
  std::vector<zones::RawManifest> versions;
  std::string latest;
};

// Downloads or locates the archive and checks --sha256 before anything is opened.
Result<ResolvedSource> Resolve(const Context& ctx, FileRemover* download) {
  const IngestOptions& o = ctx.options;
  SL_ASSIGN_OR_RETURN(auto kind_path, Classify(o.source));
  ResolvedSource src{kind_path.first, kind_path.second, kind_path.second, ""};
  src.folder = src.kind == "dir";
  if (src.kind == "s3") {
    SL_ASSIGN_OR_RETURN(FetchedS3Source fetched, FetchS3Source(o.source, ctx.cache_dir));
    download->Set(fetched.local_path);  // a copy: the lake keeps the content
    src.location = fetched.location;
    src.local_path = fetched.local_path;
    src.folder = fetched.folder;
  }
  if (src.folder) {
    if (!ctx.expected_sha.empty()) {
      return Status::Invalid("--sha256 checks an archive, but {} is a folder", src.location);
    }
    return src;
  }
  if (src.kind == "url") {
    src.location = RedactUrl(o.source);
    std::string target = DownloadCachePath(ctx.cache_dir, o.source);
    SL_ASSIGN_OR_RETURN(DownloadResult d, Download(o.source, target, o.download));
    download->Set(d.path);  // the lake keeps the content; a bad download is fetched anew
    src.local_path = d.path;
  }
  SL_ASSIGN_OR_RETURN(src.archive_sha256, FileSha256(src.local_path));
  if (!ctx.expected_sha.empty() && src.archive_sha256 != ctx.expected_sha) {
    return Status::Corrupt("{} has sha256 {} but --sha256 expects {}; nothing was landed",
                           src.location, src.archive_sha256, ctx.expected_sha);
  }
  return src;
}

Result<std::unique_ptr<Source>> OpenSource(const ResolvedSource& src, const IngestOptions& o,
                                           const std::string& cache_dir) {
  if (src.folder) return OpenFolderSource(src.local_path);
  return OpenZipSource(src.local_path, o.max_expanded_bytes, cache_dir + "/tmp");
}

// Moves the staging prefix to the version folder, then writes the manifest (last: it
// marks the version complete), then the latest pointer.
Status Publish(const storage::Lake& lake, StagingGuard* staging, const zones::RawManifest& m) {
  std::string dir = zones::RawVersionDir(m.version);
  // A folder without a manifest is what a run that died before its manifest left behind.
  SL_RETURN_NOT_OK(lake.DeleteDir(dir));
  CrashPoint("ingest.publish.before_move");
  SL_RETURN_NOT_OK(lake.Move(staging->path(), dir));
  staging->Disarm();
  CrashPoint("ingest.publish.before_manifest");
  Status st = lake.WriteAtomic(zones::RawManifestPath(m.version), m.ToJson().dump(2) + "\n");
  if (!st.ok()) {
    (void)lake.DeleteDir(dir);
    return st;
  }
  CrashPoint("ingest.publish.before_latest");
  return WriteLatest(lake, m.version);
}

Result<IngestSummary> LandNew(Context& ctx, const ResolvedSource& src) {
  SL_ASSIGN_OR_RETURN(auto source, OpenSource(src, ctx.options, ctx.cache_dir));
  SL_ASSIGN_OR_RETURN(std::string root, FindDatasetRoot(source->entries(), src.location));
  SL_ASSIGN_OR_RETURN(auto entries, EntriesUnderRoot(source->entries(), root, src.location));
  const std::string& explicit_version = ctx.options.dataset_version;
  std::vector<zones::RawFileEntry> scanned;
  if (src.folder) {
    // Hash first: an unchanged folder is then recognized without writing a byte.
    SL_ASSIGN_OR_RETURN(scanned, ScanEntries(*source, entries, ctx.options.threads));
    SL_ASSIGN_OR_RETURN(
        const zones::RawManifest* same,
        FindSame(ctx.versions, zones::ContentSha256(scanned), explicit_version, ctx.latest));
    if (same != nullptr) return Unchanged(ctx.lake, *same, src, ctx.latest);
  }
  StagingGuard staging(ctx.lake, fmt::format("{}/{}", kStagingRoot, RandomHex()));
  // A folder that adds or changes a few files of the latest version: the unchanged files
  // are linked from it, not copied again (the scan above proved them equal).
  std::optional<LinkableVersion> linkable;
  for (const auto& v : ctx.versions) {
    if (v.version != ctx.latest || scanned.empty()) continue;
    linkable.emplace();
    linkable->dir = zones::RawVersionDir(v.version);
    for (const auto& f : v.files) linkable->files[f.path] = f;
  }
  LandOptions land;
  land.expected = std::move(scanned);
  land.linkable = linkable ? &*linkable : nullptr;
  land.threads = ctx.options.threads;
  SL_ASSIGN_OR_RETURN(Landed landed, LandEntries(ctx.lake, staging.path(), *source, entries, land));
  std::vector<zones::RawFileEntry>& files = landed.files;
  const std::vector<bool>& linked = landed.linked;
  SL_RETURN_NOT_OK(VerifyStaged(ctx.lake, staging.path(), files, linked, ctx.options.threads));
  zones::RawManifest m;
  m.content_sha256 = zones::ContentSha256(files);
  SL_ASSIGN_OR_RETURN(const zones::RawManifest* same,
                      FindSame(ctx.versions, m.content_sha256, explicit_version, ctx.latest));
  if (same != nullptr) return Unchanged(ctx.lake, *same, src, ctx.latest);
  m.version =
      explicit_version.empty() ? "wisdm-" + m.content_sha256.substr(0, 12) : explicit_version;
  for (const auto& v : ctx.versions) {
    if (v.version == m.version) {  // only a 48-bit prefix collision gets here
      return Status::AlreadyExists("raw dataset version '{}' already exists with other content",
                                   m.version);
    }
  }
  m.source = src.Json(source.get(), root);
  m.ingested_at = UtcTimestamp();
  m.files = std::move(files);
  SL_RETURN_NOT_OK(Publish(ctx.lake, &staging, m));
  IngestSummary summary = Summarize(m, src, /*unchanged=*/false);
  summary.files_linked = std::count(linked.begin(), linked.end(), true);
  if (summary.files_linked > 0) summary.linked_from = ctx.latest;
  return summary;
}

Result<IngestSummary> Run(Context& ctx) {
  const IngestOptions& o = ctx.options;
  SL_ASSIGN_OR_RETURN(auto kind_path, Classify(o.source));
  // With --sha256 naming an archive already landed, not even the download is needed.
  if (kind_path.first != "dir" && !ctx.expected_sha.empty()) {
    if (const zones::RawManifest* m =
            FindByArchive(ctx.versions, ctx.expected_sha, o.dataset_version)) {
      std::string location = DisplayLocation(kind_path.first, kind_path.second);
      return Unchanged(ctx.lake, *m, {kind_path.first, location, "", ctx.expected_sha}, ctx.latest);
    }
  }
  FileRemover download;
  SL_ASSIGN_OR_RETURN(ResolvedSource src, Resolve(ctx, &download));
  if (!src.archive_sha256.empty()) {
    if (const zones::RawManifest* m =
            FindByArchive(ctx.versions, src.archive_sha256, o.dataset_version)) {
      return Unchanged(ctx.lake, *m, src, ctx.latest);
    }
  }
  return LandNew(ctx, src);
}

}  // namespace

nlohmann::json IngestSummary::ToJson() const {
  nlohmann::json source = {{"kind", source_kind}, {"location", source_location}};
  if (!archive_sha256.empty()) source["archive_sha256"] = archive_sha256;
  return {{"version", version},
          {"unchanged", unchanged},
          {"latest_updated", latest_updated},
          {"source", source},
          {"content_sha256", content_sha256},
          {"files", files},
          {"bytes", bytes},
          {"lines", lines},
          {"files_linked", files_linked},
          {"linked_from", linked_from},
          {"folder_lines", folder_lines},
          {"seconds", seconds},
          {"manifest", manifest_path}};
}

std::string DefaultCacheDir() {
  if (const char* d = std::getenv("SENSORLAKE_CACHE_DIR"); d != nullptr && *d != '\0') return d;
  if (const char* d = std::getenv("XDG_CACHE_HOME"); d != nullptr && *d != '\0') {
    return std::string(d) + "/sensorlake";
  }
  if (const char* d = std::getenv("HOME"); d != nullptr && *d != '\0') {
    return std::string(d) + "/.cache/sensorlake";
  }
  return (fs::temp_directory_path() / "sensorlake-cache").string();
}

Result<std::vector<zones::RawManifest>> ListRawVersions(const storage::Lake& lake) {
  SL_ASSIGN_OR_RETURN(auto dirs, lake.ListDirectories(kZone));
  std::vector<zones::RawManifest> out;
  for (const auto& d : dirs) {
    if (d.starts_with("_") || d.starts_with(".")) continue;
    SL_ASSIGN_OR_RETURN(bool complete, lake.Exists(zones::RawManifestPath(d)));
    if (!complete) continue;  // remains of a run that died before its manifest
    SL_ASSIGN_OR_RETURN(zones::RawManifest m, zones::ReadRawManifest(lake, d));
    out.push_back(std::move(m));
  }
  return out;
}

Result<IngestSummary> Ingest(const storage::Lake& lake, const IngestOptions& options) {
  auto start = std::chrono::steady_clock::now();
  SL_RETURN_NOT_OK(ValidateOptions(options));
  Context ctx{lake, options, options.cache_dir.empty() ? DefaultCacheDir() : options.cache_dir,
              "",   {},      ""};
  if (!options.expected_sha256.empty()) {
    SL_ASSIGN_OR_RETURN(ctx.expected_sha, NormalizeSha(options.expected_sha256));
  }
  SL_ASSIGN_OR_RETURN(auto lock, storage::LakeLock::Acquire(lake, "raw", "ingest"));
  // Holding the lock, any staging folder left is the remains of a crashed run.
  SL_RETURN_NOT_OK(lake.DeleteDir(kStagingRoot));
  SL_ASSIGN_OR_RETURN(ctx.versions, ListRawVersions(lake));
  ctx.latest = ReadLatest(lake);
  auto summary = Run(ctx);
  Status cleanup = lake.DeleteDir(kStagingRoot);
  if (!summary.ok()) return summary.status();
  SL_RETURN_NOT_OK(cleanup);
  summary->seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace sensorlake::ingest
