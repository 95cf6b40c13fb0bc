// The API routes of `sensorlake serve` (docs/web.md). One Get line per route.
#pragma once

#include "sensorlake/serve/server.h"

namespace sensorlake::serve {

void AddApiRoutes(WebServer& server);

// The signal viewer's query from its URL parameters: device, sensor, subject, activity,
// width, optional from_ns and to_ns. Invalid with the parameter named when one is wrong.
Result<SignalQuery> ParseSignalQuery(const ApiRequest& r);

}  // namespace sensorlake::serve
