// Moving bytes from a source into the lake. Every file is read once, in fixed-size chunks
// (the dataset is ~0.8 GB; nothing holds a whole file), through SHA-256 (the CPU's SHA
// instructions: Sha256Lane), XXH3 and the line counter, and its size must equal what the
// source declared. A folder's files are hashed on every core, two files at a time on each
// (their SHA-256 rounds interleaved), then copied by the kernel
// (Lake::CopyFromFile), so the bytes pass through this process once; the XXH3 of the
// copies, read back, proves that the copy holds what was hashed.
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
// `threads` <= 0: one per core (used only when the source allows concurrent reads).
Result<std::vector<zones::RawFileEntry>> ScanEntries(const Source& source,
                                                     const std::vector<SourceEntry>& entries,
                                                     int32_t threads = 0);

// A raw version whose files a new landing may link instead of copying.
struct LinkableVersion {
  std::string dir;                                   // the version's folder in the lake
  std::map<std::string, zones::RawFileEntry> files;  // by path
};

struct LandOptions {
  // A scan made earlier (ScanEntries), or empty. With a scan, an entry backed by a local
  // file is copied by the lake without being read here, and one that is streamed must
  // still hash the same (kCorrupt if it changed); VerifyStaged then proves the copies.
  std::vector<zones::RawFileEntry> expected;
  // An entry whose scan equals a file of this version (same path, size, SHA-256 and XXH3)
  // is linked from it instead (Lake::Link: no bytes read or written).
  const LinkableVersion* linkable = nullptr;
  int32_t threads = 0;  // <= 0: one per core (only for sources with concurrent reads)
};

struct Landed {
  std::vector<zones::RawFileEntry> files;  // in the order of the entries
  std::vector<bool> linked;                // which entries were linked from `linkable`
};

// Copies every entry to `<staging>/<entry.path>` in the lake.
Result<Landed> LandEntries(const storage::Lake& lake, const std::string& staging,
                           const Source& source, const std::vector<SourceEntry>& entries,
                           const LandOptions& options);

// Reads the staged files back through the lake: each must have the size and XXH3 of what
// was hashed on the way in (catches a storage layer that lost or mangled bytes, and a
// source file that changed between its scan and its copy). Files in `skip` (linked ones,
// verified when they were first landed) are not read.
Status VerifyStaged(const storage::Lake& lake, const std::string& staging,
                    const std::vector<zones::RawFileEntry>& files,
                    const std::vector<bool>& skip = {}, int32_t threads = 0);

}  // namespace sensorlake::ingest
