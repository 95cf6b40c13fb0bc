// Wall-clock times as the lake writes them: ISO 8601 for records, compact stamps for ids
// that sort in time order (run ids, quality run ids). Always UTC.
#pragma once

#include <string>

namespace sensorlake {

std::string UtcTimestamp();  // "2026-11-25T08:00:00Z"

// "20261125T080000Z", or "20261125T080000123Z" to the millisecond.
std::string UtcIdStamp(bool milliseconds = false);

}  // namespace sensorlake
