// A dataset already unpacked in a local folder. Symlinks and special files anywhere in
// the tree are refused when the source is opened: landing must copy what is there, not
// whatever a link points at.
#pragma once

#include <memory>
#include <string>

#include "ingest/source.h"

namespace sensorlake::ingest {

// `dir` must be an existing folder (a symlink to one is followed: the user named it).
Result<std::unique_ptr<Source>> OpenFolderSource(const std::string& dir);

}  // namespace sensorlake::ingest
