// Moving bytes from a source into the lake: every file is streamed in fixed-size chunks
// (the dataset is ~0.8 GB; nothing holds a whole file) through sha256 and the line
// counter, and its size must equal what the source declared.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ingest/source.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/zones/raw_manifest.h"

namespace sensorlake::ingest {

// Hashes and counts every entry without writing anything: a folder source's identity,
// so an unchanged folder is recognized without copying it.
Result<std::vector<zones::RawFileEntry>> ScanEntries(const Source& source,
                                                     const std::vector<SourceEntry>& entries);

// A raw version whose files a new landing may link instead of copying.
struct LinkableVersion {
  std::string dir;                                   // the version's folder in the lake
  std::map<std::string, zones::RawFileEntry> files;  // by path
};

// Copies every entry to `<staging>/<entry.path>` in the lake. When `expected` is not empty
// (a scan made earlier), each file must still hash the same: kCorrupt if it changed. Then
// an entry whose scan equals a file of `linkable` (same path, size, SHA-256 and XXH3) is
// linked from that version instead (Lake::Link: no bytes read or written); `linked` says
// which entries were.
Result<std::vector<zones::RawFileEntry>> LandEntries(
    const storage::Lake& lake, const std::string& staging, const Source& source,
    const std::vector<SourceEntry>& entries, const std::vector<zones::RawFileEntry>& expected,
    const LinkableVersion* linkable = nullptr, std::vector<bool>* linked = nullptr);

// Reads the staged files back through the lake: each must have the size and sha256 that
// were computed while writing it (catches a storage layer that lost or mangled bytes).
// Files in `skip` (linked ones, verified when they were first landed) are not read.
Status VerifyStaged(const storage::Lake& lake, const std::string& staging,
                    const std::vector<zones::RawFileEntry>& files,
                    const std::vector<bool>& skip = {});

}  // namespace sensorlake::ingest
