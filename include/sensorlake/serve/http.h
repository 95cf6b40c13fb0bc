// The web server's request and reply, kept free of the HTTP library so that handlers are
// plain functions of the lake (testable without sockets) and a route is one line to add.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"

namespace sensorlake::serve {

struct ApiRequest {
  std::string path;                           // decoded, as the client asked
  std::map<std::string, std::string> params;  // query parameters (last one wins)
  std::vector<std::string> matches;           // the route pattern's capture groups
  // The named query parameter, or `fallback` when absent.
  std::string Param(const std::string& name, const std::string& fallback = "") const;
};

struct Reply {
  int32_t status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is this lake file (streamed, with Range support) instead of `body`.
  std::string lake_file;
  // When set, the body is this local file (the front end's assets).
  std::string local_file;

  static Reply Json(const nlohmann::json& j);
};

// A handler's error Status becomes a 4xx/5xx JSON answer {"error": message} (StatusHttpCode).
using Handler = std::function<Result<Reply>(const ApiRequest&)>;

// 400 for invalid parameters, 403 for refused paths, 404 for missing things, else 500.
int32_t StatusHttpCode(const Status& st);

}  // namespace sensorlake::serve
