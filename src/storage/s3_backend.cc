#include "storage/s3_backend.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <arrow/buffer.h>
#include <arrow/filesystem/s3fs.h>
#include <arrow/io/interfaces.h>
#include <arrow/result.h>
#include <arrow/util/uri.h>

#include "sensorlake/net/http_client.h"
#include "sensorlake/net/retry_policy.h"

namespace sensorlake::storage {

namespace fs = arrow::fs;

namespace {

constexpr std::string_view kManifestName = "_manifest.json";

std::string EnvOr(const char* name, std::string_view fallback = "") {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::string(fallback);
}

std::string Trim(std::string_view s, char c) {
  while (!s.empty() && s.front() == c) s.remove_prefix(1);
  while (!s.empty() && s.back() == c) s.remove_suffix(1);
  return std::string(s);
}

// Arrow's S3 support is process-wide: initialized on the first s3:// lake, finalized once.
std::mutex g_s3_mu;
bool g_s3_started = false;

Status StartS3() {
  std::lock_guard<std::mutex> lock(g_s3_mu);
  if (g_s3_started) return Status::OK();
  SL_RETURN_NOT_OK_ARROW(fs::EnsureS3Initialized());
  g_s3_started = true;
  // A safety net for programs that do not end through ObjectStoreShutdown (tests).
  std::atexit([] { FinalizeObjectStores(); });
  return Status::OK();
}

// Percent-encodes an object key for a URL path, keeping '/' and the unreserved characters.
std::string EncodeKey(std::string_view key) {
  std::string out;
  for (unsigned char c : key) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// One PUT with If-None-Match: *, signed with SigV4; retried on throttling, 5xx and
// transient transport errors with the one retry policy (net/retry_policy.h).
net::HttpResponse PutIfNoneMatchRequest(const std::string& url, const std::string& region,
                                        const fs::S3Options& o, std::string_view content) {
  net::HttpRequest put;
  put.method = "PUT";
  put.url = url;
  put.headers = {"If-None-Match: *", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
                 "Content-Type: application/json", "Expect:"};
  put.body = content;
  put.timeout_seconds = 60;
  put.aws_sigv4 = fmt::format("aws:amz:{}:s3", region);
  put.aws_key = o.GetAccessKey();
  put.aws_secret = o.GetSecretKey();
  if (std::string token = o.GetSessionToken(); !token.empty()) {
    put.headers.push_back("x-amz-security-token: " + token);
  }
  net::HttpClient client;
  return net::PerformWithRetry(client, put, {.max_attempts = 5, .first_backoff_seconds = 0.4});
}

}  // namespace

void FinalizeObjectStores() {
  std::lock_guard<std::mutex> lock(g_s3_mu);
  if (!g_s3_started) return;
  (void)fs::EnsureS3Finalized();
  g_s3_started = false;
}

Result<S3LakeConfig> ParseS3LakeUri(std::string_view uri) {
  if (!uri.starts_with("s3://")) return Status::Invalid("'{}' is not an s3:// URI", uri);
  arrow::util::Uri parsed;
  if (auto st = parsed.Parse(std::string(uri)); !st.ok()) {
    return Status::Invalid("cannot parse the lake URI '{}': {}", uri, st.message());
  }
  if (!parsed.username().empty() || !parsed.password().empty()) {
    return Status::Invalid(
        "credentials in the lake URI are refused: use the AWS chain (AWS_ACCESS_KEY_ID, "
        "AWS_SECRET_ACCESS_KEY, profiles)");
  }
  S3LakeConfig c;
  c.bucket = parsed.host();
  if (c.bucket.empty()) return Status::Invalid("the lake URI '{}' names no bucket", uri);
  c.prefix = Trim(parsed.path(), '/');
  if (c.prefix.find("//") != std::string::npos) {
    return Status::Invalid("the lake URI '{}' has an empty path segment", uri);
  }
  SL_ASSIGN_OR_RETURN_ARROW(auto query, parsed.query_items());
  for (const auto& [key, value] : query) {
    if (key == "endpoint_override")
      c.endpoint = value;
    else if (key == "scheme")
      c.scheme = value;
    else if (key == "region")
      c.region = value;
    else
      return Status::Invalid(
          "unknown parameter '{}' in the lake URI (known: endpoint_override, scheme, region)", key);
  }
  if (c.endpoint.empty()) {
    c.endpoint = EnvOr("AWS_ENDPOINT_URL_S3", EnvOr("AWS_ENDPOINT_URL"));
  }
  // An endpoint given as a URL carries its scheme.
  for (std::string_view s : {"http", "https"}) {
    std::string lead = fmt::format("{}://", s);
    if (c.endpoint.starts_with(lead)) {
      if (c.scheme.empty()) c.scheme = std::string(s);
      c.endpoint = Trim(std::string_view(c.endpoint).substr(lead.size()), '/');
    }
  }
  if (c.scheme.empty()) c.scheme = "https";
  if (c.scheme != "http" && c.scheme != "https") {
    return Status::Invalid("scheme must be http or https, not '{}'", c.scheme);
  }
  if (c.region.empty()) c.region = EnvOr("AWS_REGION", EnvOr("AWS_DEFAULT_REGION"));
  // S3-compatible servers ignore the region, but the SDK must sign with one.
  if (c.region.empty() && !c.endpoint.empty()) c.region = "us-east-1";
  c.fs_root = c.prefix.empty() ? c.bucket : c.bucket + "/" + c.prefix;
  c.display_uri = "s3://" + c.fs_root;
  return c;
}

S3Backend::S3Backend(S3LakeConfig config, std::shared_ptr<fs::S3FileSystem> fs)
    : config_(std::move(config)), fs_(std::move(fs)) {}

Result<std::unique_ptr<S3Backend>> S3Backend::Open(std::string_view uri) {
  SL_ASSIGN_OR_RETURN(S3LakeConfig c, ParseS3LakeUri(uri));
  SL_RETURN_NOT_OK(StartS3());
  fs::S3Options o = fs::S3Options::Defaults();  // the default AWS credential chain
  o.endpoint_override = c.endpoint;
  o.scheme = c.scheme;
  o.region = c.region;
  if (o.region.empty()) {
    // On AWS proper, sign for the bucket's own region.
    auto resolved = fs::ResolveS3BucketRegion(c.bucket);
    if (resolved.ok()) o.region = *resolved;
  }
  // Small objects (manifests, pointers) go up in one PutObject; large ones in parts.
  o.allow_delayed_open = true;
  // Throttling, 5xx and dropped connections are retried with exponential backoff.
  o.retry_strategy = fs::S3RetryStrategy::GetAwsStandardRetryStrategy(/*max_attempts=*/6);
  o.connect_timeout = 10;
  o.request_timeout = 60;
  SL_ASSIGN_OR_RETURN_ARROW(auto s3, fs::S3FileSystem::Make(o));
  auto bucket = s3->GetFileInfo(c.bucket);
  if (!bucket.ok()) {
    return Status::FromArrow(bucket.status()).WithContext("opening lake " + c.display_uri);
  }
  if (bucket->type() != fs::FileType::Directory) {
    return Status::NotFound("the bucket of {} does not exist (create it first)", c.display_uri);
  }
  return std::unique_ptr<S3Backend>(new S3Backend(std::move(c), std::move(s3)));
}

std::string S3Backend::FsPath(std::string_view rel) const { return JoinPath(config_.fs_root, rel); }

fs::FileSystem& S3Backend::fs() const { return *fs_; }

Result<std::shared_ptr<arrow::io::OutputStream>> S3Backend::OpenOutputStream(
    std::string_view rel) const {
  // Object stores have no folders to create.
  SL_ASSIGN_OR_RETURN_ARROW(auto out, fs_->OpenOutputStream(FsPath(rel)));
  return out;
}

Status S3Backend::WriteAtomic(std::string_view rel, std::string_view content) const {
  // One PutObject (allow_delayed_open): S3 replaces an object atomically.
  SL_ASSIGN_OR_RETURN_ARROW(auto out, fs_->OpenOutputStream(FsPath(rel)));
  Status st = Status::FromArrow(out->Write(content.data(), static_cast<int64_t>(content.size())));
  if (st.ok()) st = Status::FromArrow(out->Close());
  return st.ok() ? st : st.WithContext(fmt::format("writing {}", DisplayPath(rel)));
}

// Arrow's S3 API has no conditional PUT, so this one request is made with the engine's HTTP
// client (net/http_client.h), signed with SigV4 from the credentials Arrow's provider chain
// resolved.
Result<bool> S3Backend::WriteIfAbsent(std::string_view rel, std::string_view content) const {
  SL_ASSIGN_OR_RETURN(EntryType type, Stat(rel));
  if (type != EntryType::kNotFound) return false;
  fs::S3Options o = fs_->options();
  const std::string fs_path = FsPath(rel);
  std::string bucket = fs_path.substr(0, fs_path.find('/'));
  std::string key = fs_path.substr(bucket.size() + 1);
  std::string region = fs_->region();
  std::string url =
      o.endpoint_override.empty()
          ? fmt::format("https://{}.s3.{}.amazonaws.com/{}", bucket, region, EncodeKey(key))
          : fmt::format("{}://{}/{}/{}", o.scheme, o.endpoint_override, bucket, EncodeKey(key));
  if (o.GetAccessKey().empty()) {
    return Status::IOError("no AWS credentials found for a conditional PUT to s3://{}", fs_path);
  }
  net::HttpResponse a = PutIfNoneMatchRequest(url, region, o, content);
  if (!a.transport_error.empty()) {
    return Status::IOError("PUT s3://{}: {}", fs_path, a.transport_error);
  }
  auto read_once = [&]() -> Result<std::string> {
    SL_ASSIGN_OR_RETURN(auto file, OpenInputFile(rel));
    SL_ASSIGN_OR_RETURN_ARROW(int64_t size, file->GetSize());
    SL_ASSIGN_OR_RETURN_ARROW(auto buffer, file->ReadAt(0, size));
    return buffer->ToString();
  };
  // Tried again on failure: the fault proxy's 503 SlowDown to this small GET came back from
  // Arrow as INTERNAL_FAILURE ("Failed to flush response stream"), which the AWS SDK does
  // not retry; giving up here would leave the lock our PUT just created unreleased.
  auto read_back = [&]() -> Result<std::string> {
    const net::RetryPolicy policy{.max_attempts = 4, .first_backoff_seconds = 0.2};
    for (int32_t attempt = 1;; ++attempt) {
      auto text = read_once();
      if (text.ok() || !policy.MayRetry(attempt)) return text;
      policy.SleepBeforeRetry(attempt);
    }
  };
  if (a.status == 412 || a.status == 409) {
    // Someone holds it, or an earlier attempt of ours got through before a retry.
    auto text = read_back();
    return text.ok() && *text == content;
  }
  if (!a.ok()) {
    return Status::IOError("conditional PUT s3://{} answered HTTP {}: {}", fs_path, a.status,
                           a.body.substr(0, 500));
  }
  // A server that ignores If-None-Match overwrote instead of refusing: reading back at
  // least catches the writer that came second (docs/storage.md).
  SL_ASSIGN_OR_RETURN(std::string back, read_back());
  return back == content;
}

Status S3Backend::CreateDir(std::string_view rel) const {
  SL_RETURN_NOT_OK_ARROW(fs_->CreateDir(FsPath(rel), /*recursive=*/true));
  return Status::OK();
}

Status S3Backend::DeleteDir(std::string_view rel) const { return DeleteTree(FsPath(rel)); }

Status S3Backend::DeleteTree(const std::string& fs_path) const {
  arrow::Status st = fs_->DeleteDir(fs_path);
  // S3 servers backed by a POSIX tree (versitygw's posix backend) refuse to delete a folder
  // marker ("a/b/") while the folder still holds objects, and one batch delete may take
  // the marker before the objects. Every pass removes at least the deepest level.
  for (int pass = 0; !st.ok() && pass < 16; ++pass) {
    auto info = fs_->GetFileInfo(fs_path);
    if (info.ok() && info->type() == fs::FileType::NotFound) return Status::OK();
    st = fs_->DeleteDir(fs_path);
  }
  return Status::FromArrow(st);
}

Status S3Backend::DeleteFile(std::string_view rel) const {
  SL_RETURN_NOT_OK_ARROW(fs_->DeleteFile(FsPath(rel)));
  return Status::OK();
}

Status S3Backend::Move(std::string_view from_rel, std::string_view to_rel) const {
  std::string from = FsPath(from_rel), to = FsPath(to_rel);
  SL_ASSIGN_OR_RETURN_ARROW(fs::FileInfo info, fs_->GetFileInfo(from));
  if (info.type() == fs::FileType::NotFound) {
    return Status::IOError("cannot move {}: not found", DisplayPath(from_rel));
  }
  if (info.type() == fs::FileType::File) {
    SL_RETURN_NOT_OK_ARROW(fs_->Move(from, to));  // copy, then delete
    return Status::OK();
  }
  return MoveDirectory(from, to);
}

Status S3Backend::Link(std::string_view from_rel, std::string_view to_rel) const {
  SL_RETURN_NOT_OK_ARROW(fs_->CopyFile(FsPath(from_rel), FsPath(to_rel)));  // CopyObject
  return Status::OK();
}

// No renames on S3: the folder is copied object by object, every manifest last (deepest
// first), then the source is deleted; a failed copy removes what it had copied.
Status S3Backend::MoveDirectory(const std::string& from, const std::string& to) const {
  SL_ASSIGN_OR_RETURN_ARROW(fs::FileInfo target, fs_->GetFileInfo(to));
  if (target.type() != fs::FileType::NotFound) {
    return Status::IOError("cannot move s3://{} onto s3://{}: the target exists", from, to);
  }
  fs::FileSelector sel;
  sel.base_dir = from;
  sel.recursive = true;
  SL_ASSIGN_OR_RETURN_ARROW(auto infos, fs_->GetFileInfo(sel));
  std::vector<std::string> files, manifests, dirs;
  const std::string prefix = from + "/";
  for (const auto& i : infos) {
    if (!i.path().starts_with(prefix)) continue;
    std::string rel = i.path().substr(prefix.size());
    if (i.type() == fs::FileType::Directory)
      dirs.push_back(std::move(rel));
    else if (i.base_name() == kManifestName)
      manifests.push_back(std::move(rel));
    else if (i.type() == fs::FileType::File)
      files.push_back(std::move(rel));
  }
  std::sort(files.begin(), files.end());
  // Deeper manifests first, the top one last: a reader trusts the top one.
  std::sort(manifests.begin(), manifests.end(), [](const auto& a, const auto& b) {
    auto depth = [](const std::string& s) { return std::count(s.begin(), s.end(), '/'); };
    return depth(a) != depth(b) ? depth(a) > depth(b) : a < b;
  });

  // Server-side copies, a few at a time (each CopyObject is one request).
  auto copy_all = [&](const std::vector<std::string>& rels) -> Status {
    std::mutex mu;
    Status first_error;
    size_t next = 0;
    auto worker = [&] {
      for (;;) {
        size_t k;
        {
          std::lock_guard<std::mutex> lock(mu);
          if (next >= rels.size() || !first_error.ok()) return;
          k = next++;
        }
        auto st = fs_->CopyFile(JoinPath(from, rels[k]), JoinPath(to, rels[k]));
        if (!st.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.ok()) {
            first_error =
                Status::FromArrow(st).WithContext("copying s3://" + JoinPath(from, rels[k]));
          }
        }
      }
    };
    size_t n = std::min<size_t>(8, rels.size());
    std::vector<std::thread> threads;
    for (size_t t = 1; t < n; ++t) threads.emplace_back(worker);
    if (n > 0) worker();
    for (auto& t : threads) t.join();
    return first_error;
  };

  Status st;
  for (const auto& d : dirs) {  // empty folders stay visible
    st = Status::FromArrow(fs_->CreateDir(JoinPath(to, d), true));
    if (!st.ok()) break;
  }
  if (st.ok()) st = copy_all(files);
  if (st.ok()) {
    for (const auto& m : manifests) {  // one by one, in order
      st = Status::FromArrow(fs_->CopyFile(JoinPath(from, m), JoinPath(to, m)));
      if (!st.ok()) break;
    }
  }
  if (!st.ok()) {
    (void)DeleteTree(to);  // leave no half-copied folder behind
    return st;
  }
  return DeleteTree(from);
}

Status S3Backend::ReplaceSymlink(std::string_view rel, std::string_view) const {
  return Status::Invalid("{}: an object store has no symlinks", DisplayPath(rel));
}

}  // namespace sensorlake::storage
