// `sensorlake ingest`: lands the WISDM dataset unchanged in the lake's raw zone, verified
// and idempotent (docs/ingest.md).
//
//   raw/wisdm/_staging/<random>/...     work in progress; removed on any error
//   raw/wisdm/<version>/<dataset files> the dataset root's files, relative paths kept
//   raw/wisdm/<version>/_manifest.json  written last: marks the version complete
//   raw/wisdm/_latest.json              {"version": ...}, written after the manifest
//
// A source is an http(s) URL (downloaded with retries and resume into a local cache), a
// zip file (the UCI download nests wisdm-dataset.zip inside it) or a folder. The dataset
// root is the shallowest folder of the source that holds raw/.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/zones/raw_manifest.h"

namespace sensorlake::ingest {

// Where the real dataset is published (UCI id 507). Documented, never contacted by default.
inline constexpr std::string_view kUciDatasetUrl =
    "https://archive.ics.uci.edu/static/public/507/"
    "wisdm+smartphone+and+smartwatch+activity+and+biometrics+dataset.zip";

inline constexpr int64_t kDefaultMaxExpandedBytes = int64_t{4} << 30;  // 4 GiB

struct DownloadOptions {
  // Attempts in a row that receive nothing before giving up. An attempt that made progress
  // resets the count (and the backoff): a flaky link that keeps moving still finishes.
  int32_t max_attempts = 8;
  std::chrono::milliseconds initial_backoff{
      1000};  // doubled after each failed attempt, with jitter (net::RetryPolicy)
  std::chrono::milliseconds max_backoff{60000};
  std::chrono::seconds connect_timeout{30};
  // An attempt that receives less than 1 KiB/s for this long is abandoned (and retried);
  // no total timeout, since the archive is large and links can be slow.
  std::chrono::seconds stall_timeout{60};
  // Told about each retry ("attempt 2 failed: ..., retrying in 2 s"); may be empty.
  std::function<void(std::string_view)> on_retry;
};

struct IngestOptions {
  std::string source;           // http(s) URL, s3:// object or prefix, zip file or folder
  std::string dataset_version;  // empty: "wisdm-" + first 12 hex digits of content_sha256
  std::string expected_sha256;  // of the archive (URL or zip); empty: not checked
  int64_t max_expanded_bytes = kDefaultMaxExpandedBytes;
  // Local folder for downloads (resumable .part files) and an extracted nested archive.
  // Empty: DefaultCacheDir().
  std::string cache_dir;
  // Threads that hash, copy and verify a folder's files (<= 0: one per core). An archive is
  // read by one thread.
  int32_t threads = 0;
  DownloadOptions download;
};

struct IngestSummary {
  std::string version;
  bool unchanged = false;       // an identical version was already there: nothing landed
  bool latest_updated = false;  // raw/wisdm/_latest.json was (re)written
  std::string source_kind;      // "url", "s3", "zip" or "dir"
  std::string source_location;
  std::string archive_sha256;  // url, zip and s3-object sources
  std::string content_sha256;
  int64_t files = 0;
  int64_t bytes = 0;
  int64_t lines = 0;
  // Files of a folder source equal to the latest version's, linked from it, not copied.
  int64_t files_linked = 0;
  std::string linked_from;
  std::map<std::string, int64_t> folder_lines;  // "phone/accel" -> lines of raw/phone/accel/*
  double seconds = 0;
  std::string manifest_path;  // lake-relative
  nlohmann::json ToJson() const;
};

// Lands `options.source` in the raw zone of `lake`, holding the lake's "raw" lock.
// Errors: kInvalid (bad options, no raw/ or no data_*.txt), kNotFound (source missing, HTTP
// 404), kCorrupt (--sha256 or a size/CRC check fails), kRefused (unsafe entry, size bomb),
// kAlreadyExists (an explicit version holding other content), kBusy, kIOError.
// Nothing is left in the lake on error except what was there before.
Result<IngestSummary> Ingest(const storage::Lake& lake, const IngestOptions& options);

// $SENSORLAKE_CACHE_DIR, else $XDG_CACHE_HOME/sensorlake, else ~/.cache/sensorlake.
std::string DefaultCacheDir();

// Versions with a manifest in the raw zone, sorted by name.
Result<std::vector<zones::RawManifest>> ListRawVersions(const storage::Lake& lake);

}  // namespace sensorlake::ingest
