// What ingest reads from: a source enumerates its regular files (already checked for
// safety when the source was opened) and opens a byte stream for each. Folder and zip
// sources implement it; a URL is downloaded to a zip first (http_download.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sensorlake/common/result.h"

namespace sensorlake::ingest {

struct SourceEntry {
  std::string name;    // as the source names it, relative to the source's top: for Open()
  std::string path;    // '/'-separated, normalized: relative to the top, then to the root
  int64_t size = 0;    // declared (zip) or stat'ed (folder) size: the stream must match it
  uint64_t index = 0;  // the source's own handle (zip entry index)
};

class EntryStream {
 public:
  virtual ~EntryStream() = default;
  // Reads up to `n` bytes into `buf`; 0 at the end.
  virtual Result<int64_t> Read(char* buf, int64_t n) = 0;
  // The open local file behind the stream, so the lake can copy it in the kernel; -1 when
  // the bytes come from elsewhere (an archive, the network).
  virtual int fd() const { return -1; }
};

class Source {
 public:
  virtual ~Source() = default;
  // Regular files, sorted by path.
  virtual const std::vector<SourceEntry>& entries() const = 0;
  virtual Result<std::unique_ptr<EntryStream>> Open(const SourceEntry& entry) const = 0;
  // Whether several entries may be open and read at once from different threads (files of
  // a folder); an archive read through one handle may not.
  virtual bool concurrent_reads() const { return false; }
  // For a zip that held the dataset as a nested zip: that entry's name; else empty.
  virtual std::string nested_archive() const { return {}; }
};

// `name` as a safe relative path: '/'-separated, no empty or "." components; refuses
// (kRefused, naming the entry) absolute paths, drive letters, backslashes and "..".
Result<std::string> SafeRelativePath(std::string_view name);

// The dataset root: the shallowest folder holding a raw/ folder with files ("" for the
// top, "wisdm-dataset" in the UCI zip). kInvalid when there is none or it is ambiguous.
Result<std::string> FindDatasetRoot(const std::vector<SourceEntry>& entries,
                                    std::string_view source_name);

// True when some entry lies in a raw/ folder, at any depth.
bool HasRawFolder(const std::vector<SourceEntry>& entries);

// The entries below `root`, with paths relative to it. kInvalid when none of them is a
// raw data file (raw/**/data_*.txt).
Result<std::vector<SourceEntry>> EntriesUnderRoot(const std::vector<SourceEntry>& entries,
                                                  std::string_view root,
                                                  std::string_view source_name);

// Sum of the entries' sizes; kRefused when it passes `max_bytes` (checked before any
// extraction, so a zip bomb is refused by its declared sizes).
Status CheckExpandedSize(const std::vector<SourceEntry>& entries, int64_t max_bytes,
                         std::string_view source_name);

}  // namespace sensorlake::ingest
