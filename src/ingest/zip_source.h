// A dataset in a zip archive (libzip), read entry by entry without unpacking to disk.
// Entries that could write outside the target (absolute, "..", backslashes), symlinks and
// device entries (by the unix mode in the external attributes) are refused when the
// archive is opened, and so is an archive whose declared expanded size is too large or
// with an entry of 1 MiB or more that expands more than 100:1 (a ZIP bomb).
// The UCI download nests the dataset as wisdm-dataset.zip inside the outer zip: when the
// outer archive has no raw/ folder but holds one zip, that zip is extracted to a temporary
// file in `temp_dir` (deflated entries cannot be opened in place) and read instead.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ingest/source.h"

namespace sensorlake::ingest {

Result<std::unique_ptr<Source>> OpenZipSource(const std::string& zip_path,
                                              int64_t max_expanded_bytes,
                                              const std::string& temp_dir);

}  // namespace sensorlake::ingest
