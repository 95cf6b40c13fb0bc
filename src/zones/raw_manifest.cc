#include "sensorlake/zones/raw_manifest.h"

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sensorlake/common/sha256.h"

namespace sensorlake::zones {

int64_t RawManifest::TotalBytes() const {
  int64_t n = 0;
  for (const auto& f : files) n += f.bytes;
  return n;
}

int64_t RawManifest::TotalLines() const {
  int64_t n = 0;
  for (const auto& f : files) n += f.lines;
  return n;
}

nlohmann::json RawManifest::ToJson() const {
  nlohmann::json files_json = nlohmann::json::array();
  for (const auto& f : files) {
    nlohmann::json entry = {
        {"path", f.path}, {"bytes", f.bytes}, {"sha256", f.sha256}, {"lines", f.lines}};
    if (!f.xxh3.empty()) entry["xxh3_128"] = f.xxh3;
    files_json.push_back(std::move(entry));
  }
  return {{"format", kRawManifestFormat},
          {"dataset", "wisdm"},
          {"version", version},
          {"source", source},
          {"content_sha256", content_sha256},
          {"ingested_at", ingested_at},
          {"engine_version", SENSORLAKE_VERSION},
          {"files", files_json},
          {"totals", {{"files", files.size()}, {"bytes", TotalBytes()}, {"lines", TotalLines()}}}};
}

namespace {

Result<RawManifest> ParseManifest(const nlohmann::json& j, std::string_view origin) {
  auto bad = [&](std::string_view what) {
    return Status::Corrupt("{} is not a valid raw manifest: {}", origin, what);
  };
  if (!j.is_object() || j.value("format", "") != kRawManifestFormat) return bad("wrong format");
  if (!j.contains("files") || !j["files"].is_array()) return bad("no files list");
  RawManifest m;
  m.version = j.value("version", "");
  m.content_sha256 = j.value("content_sha256", "");
  m.ingested_at = j.value("ingested_at", "");
  if (j.contains("source")) m.source = j["source"];
  for (const auto& f : j["files"]) {
    if (!f.is_object() || !f.contains("path") || !f.contains("bytes") || !f.contains("sha256") ||
        !f.contains("lines")) {
      return bad("a file entry lacks path, bytes, sha256 or lines");
    }
    m.files.push_back({f["path"].get<std::string>(), f["bytes"].get<int64_t>(),
                       f["sha256"].get<std::string>(), f["lines"].get<int64_t>(),
                       f.value("xxh3_128", "")});
  }
  if (m.version.empty() || m.content_sha256.empty()) return bad("no version or content hash");
  if (ContentSha256(m.files) != m.content_sha256) return bad("content_sha256 does not match files");
  return m;
}

}  // namespace

Result<RawManifest> RawManifest::FromJson(const nlohmann::json& j, std::string_view origin) {
  // A field of the wrong JSON type throws inside nlohmann: it is a corrupt manifest.
  try {
    return ParseManifest(j, origin);
  } catch (const nlohmann::json::exception& e) {
    return Status::Corrupt("{} is not a valid raw manifest: {}", origin, e.what());
  }
}

namespace {

// '\n' bytes, 16 at a time where SSE2 is there (every x86-64 CPU): ingest counts the lines
// of every byte it lands. Each of 16 byte counters takes a block's matches (a match is -1,
// subtracted), for up to 255 blocks before it could wrap; then one SAD adds them up. (A
// popcount per block was slower: the portable build has no POPCNT instruction.)
int64_t CountNewlines(std::string_view s) {
  int64_t n = 0;
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n');
  __m128i total = _mm_setzero_si128();  // two 64-bit sums
  while (i + 16 <= s.size()) {
    const size_t blocks = std::min<size_t>((s.size() - i) / 16, 255);
    __m128i counts = _mm_setzero_si128();
    for (size_t b = 0; b < blocks; ++b, i += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
      counts = _mm_sub_epi8(counts, _mm_cmpeq_epi8(v, nl));
    }
    total = _mm_add_epi64(total, _mm_sad_epu8(counts, _mm_setzero_si128()));
  }
  n = _mm_cvtsi128_si64(total) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(total, total));
#endif
  return n + std::count(s.begin() + static_cast<std::ptrdiff_t>(i), s.end(), '\n');
}

}  // namespace

void LineCounter::Update(std::string_view chunk) {
  if (chunk.empty()) return;
  newlines_ += CountNewlines(chunk);
  last_ = chunk.back();
  any_ = true;
}

int64_t CountLines(std::string_view content) {
  LineCounter counter;
  counter.Update(content);
  return counter.lines();
}

std::string ContentSha256(const std::vector<RawFileEntry>& files) {
  std::vector<const RawFileEntry*> sorted;
  for (const auto& f : files) sorted.push_back(&f);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->path < b->path; });
  Sha256 h;
  for (const auto* f : sorted) h.Update(fmt::format("{}\t{}\n", f->path, f->sha256));
  return h.HexDigest();
}

std::string RawVersionDir(std::string_view version) { return fmt::format("raw/wisdm/{}", version); }

std::string RawManifestPath(std::string_view version) {
  return fmt::format("raw/wisdm/{}/_manifest.json", version);
}

Result<RawManifest> ReadRawManifest(const storage::Lake& lake, std::string_view version) {
  std::string path = RawManifestPath(version);
  SL_ASSIGN_OR_RETURN(bool exists, lake.Exists(path));
  if (!exists) {
    return Status::NotFound(
        "raw dataset version '{}' is not in the lake {} (or its ingest did "
        "not complete)",
        version, lake.uri());
  }
  SL_ASSIGN_OR_RETURN(std::string text, lake.ReadText(path));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::Corrupt("{} is not valid JSON", lake.FsPath(path));
  return RawManifest::FromJson(j, lake.FsPath(path));
}

Result<std::string> LatestRawVersion(const storage::Lake& lake) {
  std::string path = "raw/wisdm/_latest.json";
  SL_ASSIGN_OR_RETURN(bool exists, lake.Exists(path));
  if (!exists) {
    return Status::NotFound(
        "nothing has been ingested into the lake {} yet: run "
        "`sensorlake ingest --source ... --lake {}` first",
        lake.uri(), lake.uri());
  }
  SL_ASSIGN_OR_RETURN(std::string text, lake.ReadText(path));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.contains("version") || !j["version"].is_string()) {
    return Status::Corrupt("{} is not a valid version pointer", lake.FsPath(path));
  }
  return j["version"].get<std::string>();
}

}  // namespace sensorlake::zones
