// Downloads an http(s) URL to a local file with the engine's HTTP client
// (net/http_client.h): transient failures (connection errors, timeouts, cut transfers, HTTP
// 408/429/5xx) are retried with exponential backoff, and every retry resumes from the bytes
// already received with an HTTP Range request.
// Received bytes live in `<target>.part` (validators in `<target>.part.json`), so a later
// run resumes too; If-Range makes a server whose file changed send it whole again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sensorlake/common/result.h"
#include "sensorlake/ingest/ingest.h"

namespace sensorlake::ingest {

struct DownloadResult {
  std::string path;  // the complete file (== target)
  int64_t bytes = 0;
  int32_t attempts = 0;      // HTTP requests made
  int64_t resumed_from = 0;  // bytes a previous run had left in the .part file
};

// `target` is complete only when this returns OK. kNotFound for HTTP 404/410, kIOError
// when the attempts run out or the server refuses for good.
Result<DownloadResult> Download(const std::string& url, const std::string& target,
                                const DownloadOptions& options);

// <cache_dir>/downloads/<16 hex of sha256(url)>-<file name of the url>
std::string DownloadCachePath(const std::string& cache_dir, const std::string& url);

// The URL without "user:password@", for manifests and messages.
std::string RedactUrl(std::string_view url);

}  // namespace sensorlake::ingest
