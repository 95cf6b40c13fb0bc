// The raw zone's manifest: what ingest landed for one dataset version, written last so a
// half-landed version is never mistaken for a complete one. The transform reads it to know
// its inputs and the line counts its row-conservation identity must meet. It lives in the
// zones layer, below both stages, so that neither includes the other.
//
//   raw/wisdm/<version>/<dataset files>
//   raw/wisdm/<version>/_manifest.json
//   raw/wisdm/_latest.json               {"version": "..."}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::zones {

inline constexpr std::string_view kRawManifestFormat = "sensorlake.raw-manifest/1";

struct RawFileEntry {
  std::string path;  // relative to the version folder: "raw/phone/accel/data_1600_accel_phone.txt"
  int64_t bytes = 0;
  std::string sha256;
  int64_t lines = 0;  // as CountLines counts them
  // XXH3-128 of the bytes: what later stages verify (fast); empty in manifests that
  // predate it, and then they verify sha256.
  std::string xxh3;
};

struct RawManifest {
  std::string version;
  std::string content_sha256;  // sha256 over the sorted "path\tsha256\n" lines
  nlohmann::json source = nlohmann::json::object();
  std::string ingested_at;
  std::vector<RawFileEntry> files;  // sorted by path
  int64_t TotalBytes() const;
  int64_t TotalLines() const;
  nlohmann::json ToJson() const;
  static Result<RawManifest> FromJson(const nlohmann::json& j, std::string_view origin);
};

// Lines as the transform's LineSplitter sees them: the number of '\n' plus one when the
// content is non-empty and does not end in '\n'. Incremental, for streamed content.
class LineCounter {
 public:
  void Update(std::string_view chunk);
  int64_t lines() const { return newlines_ + (any_ && last_ != '\n' ? 1 : 0); }

 private:
  int64_t newlines_ = 0;
  char last_ = 0;
  bool any_ = false;  // a flag, not last_ != 0: a file may end in a NUL byte
};

// The same count for a whole buffer.
int64_t CountLines(std::string_view content);

// sha256 over the sorted "path\tsha256\n" lines of `files`.
std::string ContentSha256(const std::vector<RawFileEntry>& files);

std::string RawVersionDir(std::string_view version);    // raw/wisdm/<version>
std::string RawManifestPath(std::string_view version);  // raw/wisdm/<version>/_manifest.json

// The manifest of a landed version; kNotFound when the version is absent or incomplete.
Result<RawManifest> ReadRawManifest(const storage::Lake& lake, std::string_view version);
// The version ingested last; kNotFound when nothing was ingested.
Result<std::string> LatestRawVersion(const storage::Lake& lake);

}  // namespace sensorlake::zones
