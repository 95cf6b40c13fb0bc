// Moving bytes from a source into the lake: every file is streamed in fixed-size chunks
// (the dataset is ~0.8 GB; nothing holds a whole file) through sha256 and the line
// counter, and its size must equal what the source declared.
#pragma once

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

// Copies every entry to `<staging>/<entry.path>` in the lake. When `expected` is not empty
// (a scan made earlier), each file must still hash the same: kCorrupt if it changed.
Result<std::vector<zones::RawFileEntry>> LandEntries(
    const storage::Lake& lake, const std::string& staging, const Source& source,
    const std::vector<SourceEntry>& entries, const std::vector<zones::RawFileEntry>& expected);

// Reads the staged files back through the lake: each must have the size and sha256 that
// were computed while writing it (catches a storage layer that lost or mangled bytes).
Status VerifyStaged(const storage::Lake& lake, const std::string& staging,
                    const std::vector<zones::RawFileEntry>& files);

}  // namespace sensorlake::ingest
