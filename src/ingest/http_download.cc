#include "ingest/http_download.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sensorlake/common/progress.h"
#include "sensorlake/common/sha256.h"
#include "sensorlake/net/http_client.h"
#include "sensorlake/net/retry_policy.h"

namespace sensorlake::ingest {
namespace {

namespace fs = std::filesystem;

// What a previous attempt or run learned about the remote file, kept beside the .part
// file: without it the partial bytes are of unknown origin and are discarded.
struct PartInfo {
  std::string url;
  std::string etag;
  std::string last_modified;
};

std::optional<PartInfo> ReadPartInfo(const std::string& path, const std::string& url) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  auto text = [&](const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
  };
  if (j.is_discarded() || !j.is_object() || text("url") != url) return std::nullopt;
  return PartInfo{url, text("etag"), text("last_modified")};
}

Status WritePartInfo(const std::string& path, const PartInfo& info) {
  std::ofstream out(path, std::ios::trunc);
  out << nlohmann::json{{"url", info.url},
                        {"etag", info.etag},
                        {"last_modified", info.last_modified}}
             .dump();
  out.close();
  return out ? Status::OK() : Status::IOError("cannot write {}", path);
}

int64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// "bytes 100-199/1000" -> start 100, total 1000; "bytes */1000" -> start -1, total 1000.
void ParseContentRange(std::string_view v, int64_t* start, int64_t* total) {
  *start = -1;
  *total = -1;
  if (!v.starts_with("bytes ")) return;
  v.remove_prefix(6);
  size_t slash = v.find('/');
  if (slash == std::string_view::npos) return;
  std::string range(v.substr(0, slash)), size(v.substr(slash + 1));
  if (range != "*") *start = std::strtoll(range.c_str(), nullptr, 10);
  if (size != "*") *total = std::strtoll(size.c_str(), nullptr, 10);
}

// One HTTP request, appending to the .part file from `offset`.
struct Transfer {
  const net::HttpClient* client = nullptr;
  int fd = -1;
  std::string part_path;
  std::string info_path;
  PartInfo info;
  int64_t offset = 0;    // bytes in the .part file before this request
  int64_t received = 0;  // body bytes written by this request
  bool body_started = false;
  bool discard_body = false;  // an error response's body is not the file
  // From the headers of the last response (redirects reset them).
  std::string etag, last_modified, content_range;
  int64_t total = -1;
  Status error;  // why the write callback stopped the transfer
  std::optional<Progress>* progress = nullptr;
};

void OnHeader(Transfer* t, std::string_view line) {
  if (line.starts_with("HTTP/")) {
    t->etag.clear();
    t->last_modified.clear();
    t->content_range.clear();
    return;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  std::string value = Trim(line.substr(colon + 1));
  if (name == "etag")
    t->etag = value;
  else if (name == "last-modified")
    t->last_modified = value;
  else if (name == "content-range")
    t->content_range = value;
}

// Decides, at the first body byte, whether the body continues the .part file (206 from
// our offset) or replaces it (200: the server ignored the Range or If-Range failed).
Status StartBody(Transfer* t) {
  t->body_started = true;
  const int64_t code = t->client->CurrentStatus();
  if (code != 200 && code != 206) {
    t->discard_body = true;
    return Status::OK();
  }
  int64_t start = 0;
  if (code == 206) {
    ParseContentRange(t->content_range, &start, &t->total);
    if (start != t->offset) {
      return Status::IOError("server answered bytes from {} to a request from {}", start,
                             t->offset);
    }
  } else {
    t->total = t->client->CurrentContentLength();
    if (t->offset > 0 && (ftruncate(t->fd, 0) != 0 || lseek(t->fd, 0, SEEK_SET) != 0)) {
      return Status::IOError("cannot truncate {}: {}", t->part_path, strerror(errno));
    }
    t->offset = 0;
  }
  t->info.etag = t->etag;
  t->info.last_modified = t->last_modified;
  if (!*t->progress) {
    t->progress->emplace("download", std::max<int64_t>(t->total, 0), "bytes");
    (*t->progress)->Add(t->offset);  // what earlier runs received
  }
  return WritePartInfo(t->info_path, t->info);
}

// Appends a body chunk to the .part file; false (with t->error) stops the transfer.
bool OnBody(Transfer* t, std::string_view chunk) {
  if (!t->body_started) {
    t->error = StartBody(t);
    if (!t->error.ok()) return false;
  }
  if (t->discard_body) return true;
  for (size_t done = 0; done < chunk.size();) {
    ssize_t w = write(t->fd, chunk.data() + done, chunk.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      t->error = Status::IOError("cannot write {}: {}", t->part_path, strerror(errno));
      return false;
    }
    done += static_cast<size_t>(w);
  }
  t->received += static_cast<int64_t>(chunk.size());
  (*t->progress)->Add(static_cast<int64_t>(chunk.size()));
  return true;
}

struct AttemptOutcome {
  Status status;  // OK: the .part file is complete
  bool transient = false;
  int64_t received = 0;
};

// The GET of one attempt: redirects followed, the stall limit on, the body into `t`.
net::HttpRequest AttemptRequest(const std::string& url, const DownloadOptions& o, Transfer* t) {
  net::HttpRequest get;
  get.url = url;
  get.connect_timeout_seconds = static_cast<int32_t>(o.connect_timeout.count());
  get.stall_seconds = static_cast<int32_t>(o.stall_timeout.count());
  get.follow_redirects = true;
  get.on_header = [t](std::string_view line) { OnHeader(t, line); };
  get.on_body = [t](std::string_view chunk) { return OnBody(t, chunk); };
  return get;
}

// After a 416: the .part file may already be whole (a run that died before renaming it).
AttemptOutcome OnRangeNotSatisfiable(Transfer* t) {
  int64_t start = 0, total = -1;
  ParseContentRange(t->content_range, &start, &total);
  if (total >= 0 && total == t->offset) return {};
  if (ftruncate(t->fd, 0) != 0) {
    return {Status::IOError("cannot truncate {}", t->part_path), false, 0};
  }
  return {Status::IOError("the server cannot resume at byte {}; starting over", t->offset), true,
          0};
}

AttemptOutcome Finish(const net::HttpResponse& answer, Transfer* t, const std::string& shown_url,
                      const DownloadOptions& o) {
  if (!t->error.ok()) return {t->error, false, t->received};
  const int64_t code = answer.status;
  if (answer.timed_out && t->body_started) {
    // The body had begun: the low-speed limit (the stall timeout) ended the transfer.
    return {
        Status::IOError("{}: stalled at byte {}: less than 1 KiB/s for {} s ({})", shown_url,
                        t->offset + t->received, o.stall_timeout.count(), answer.transport_error),
        true, t->received};
  }
  if (!answer.transport_error.empty()) {
    return {Status::IOError("{}: {}", shown_url, answer.transport_error), answer.transient,
            t->received};
  }
  if (code == 416) return OnRangeNotSatisfiable(t);
  if (code == 404 || code == 410) {
    return {Status::NotFound("{}: HTTP {} (not found)", shown_url, code), false, 0};
  }
  if (code != 200 && code != 206) {
    return {Status::IOError("{}: HTTP {}", shown_url, code), net::IsRetryableHttpStatus(code), 0};
  }
  int64_t have = t->offset + t->received;
  if (t->total >= 0 && have != t->total) {
    return {Status::IOError("{}: transfer ended at byte {} of {}", shown_url, have, t->total), true,
            t->received};
  }
  return {};
}

AttemptOutcome RunAttempt(net::HttpClient* client, const std::string& url, const std::string& part,
                          const DownloadOptions& o, std::optional<Progress>* progress) {
  Transfer t;
  t.client = client;
  t.part_path = part;
  t.info_path = part + ".json";
  t.progress = progress;
  auto known = ReadPartInfo(t.info_path, url);
  t.info = known.value_or(PartInfo{url, "", ""});
  t.fd = open(part.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (known ? 0 : O_TRUNC), 0644);
  if (t.fd < 0) return {Status::IOError("cannot open {}: {}", part, strerror(errno)), false, 0};
  t.offset = lseek(t.fd, 0, SEEK_END);

  net::HttpRequest request = AttemptRequest(url, o, &t);
  if (t.offset > 0) {
    request.range = fmt::format("{}-", t.offset);
    // A weak ETag cannot validate a range; Last-Modified then does.
    std::string validator =
        !t.info.etag.empty() && !t.info.etag.starts_with("W/") ? t.info.etag : t.info.last_modified;
    if (!validator.empty()) request.headers.push_back("If-Range: " + validator);
  }
  AttemptOutcome outcome = Finish(client->Perform(request), &t, RedactUrl(url), o);
  if (close(t.fd) != 0 && outcome.status.ok()) {
    outcome.status = Status::IOError("cannot write {}", part);
  }
  return outcome;
}

Status Complete(const std::string& part, const std::string& target) {
  std::error_code ec;
  fs::rename(part, target, ec);
  if (ec) return Status::IOError("cannot rename {} to {}: {}", part, target, ec.message());
  fs::remove(part + ".json", ec);
  return Status::OK();
}

}  // namespace

Result<DownloadResult> Download(const std::string& url, const std::string& target,
                                const DownloadOptions& options) {
  std::error_code ec;
  fs::create_directories(fs::path(target).parent_path(), ec);
  if (ec)
    return Status::IOError("cannot create the download cache for {}: {}", target, ec.message());
  std::string part = target + ".part";
  DownloadResult result{target, 0, 0, ReadPartInfo(part + ".json", url) ? FileSize(part) : 0};
  net::HttpClient client;  // one connection cache for every attempt
  std::optional<Progress> progress;
  const net::RetryPolicy policy{
      .max_attempts = options.max_attempts,
      .first_backoff_seconds = std::chrono::duration<double>(options.initial_backoff).count(),
      .max_backoff_seconds = std::chrono::duration<double>(options.max_backoff).count()};
  for (int32_t failures = 0;;) {
    ++result.attempts;
    AttemptOutcome out = RunAttempt(&client, url, part, options, &progress);
    if (out.status.ok()) break;
    if (!out.transient) return out.status;
    if (out.received > 0) {  // a link that keeps moving is not given up on
      failures = 0;
    } else if (!policy.MayRetry(++failures)) {
      return Status::IOError(
          "giving up after {} attempts in a row that received nothing ({} "
          "bytes kept in {} for the next run to resume): {}",
          failures, FileSize(part), part, out.status.message());
    }
    const double wait = policy.BackoffSeconds(std::max(failures, 1));
    if (options.on_retry) {
      options.on_retry(fmt::format("download attempt {} failed: {}; retrying in {:.0f} ms",
                                   result.attempts, out.status.message(), wait * 1000));
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
  }
  if (progress) progress->Finish();
  SL_RETURN_NOT_OK(Complete(part, target));
  result.bytes = FileSize(target);
  return result;
}

std::string DownloadCachePath(const std::string& cache_dir, const std::string& url) {
  std::string_view path(url);
  path = path.substr(0, path.find_first_of("?#"));
  std::string name(path.substr(path.rfind('/') + 1));
  name.erase(std::remove_if(name.begin(), name.end(),
                            [](char c) {
                              return !(std::isalnum(static_cast<unsigned char>(c)) || c == '.' ||
                                       c == '-' || c == '_' || c == '+');
                            }),
             name.end());
  if (name.size() > 80) name = name.substr(name.size() - 80);
  if (name.empty()) name = "download";
  return fmt::format("{}/downloads/{}-{}", cache_dir, Sha256::Hex(url).substr(0, 16), name);
}

std::string RedactUrl(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  size_t host = scheme + 3;
  size_t end = url.find_first_of("/?#", host);
  size_t at = url.substr(0, end).rfind('@');
  if (at == std::string_view::npos || at < host) return std::string(url);
  return std::string(url.substr(0, host)) + std::string(url.substr(at + 1));
}

}  // namespace sensorlake::ingest
