// Lands files in a lake's raw zone the way ingest does (files, then the manifest, then the
// latest pointer), so transform tests do not depend on an ingest source.
#pragma once

#include <map>
#include <string>

#include "sensorlake/common/status.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::testing {

// `files` maps paths inside the version ("raw/phone/accel/data_1600_accel_phone.txt") to
// their content.
Status LandRawVersion(const storage::Lake& lake, const std::string& version,
                      const std::map<std::string, std::string>& files);

}  // namespace sensorlake::testing
