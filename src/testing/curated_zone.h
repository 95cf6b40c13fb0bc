// Fills a lake's curated zone for tests of the stages that read it (quality, features):
// lands the raw files the way ingest does, then runs the real transform over them, so those
// tests do not include the transform (a sibling stage) themselves.
#pragma once

#include <map>
#include <string>

#include "sensorlake/common/status.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::testing {

// `files` as for LandRawVersion; the curated version is named after the raw one.
Status LandAndTransform(const storage::Lake& lake, const std::string& version,
                        const std::map<std::string, std::string>& files);

}  // namespace sensorlake::testing
