// `sensorlake serve`: a read-only local web app over a lake. An HTTP server (cpp-httplib)
// with the JSON API of LakeApi, the published curated Parquet files with Range support
// (DuckDB-Wasm in the browser reads them), and the front end's built assets (web/dist).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "sensorlake/common/result.h"
#include "sensorlake/serve/http.h"
#include "sensorlake/serve/lake_api.h"

namespace sensorlake::serve {

struct ServeOptions {
  std::string lake_uri;
  std::string bind = "127.0.0.1";  // loopback only unless asked
  int32_t port = 8080;             // 0: any free port (tests)
  std::string assets_dir;          // the front end's built files (web/dist)
};

class WebServer {
 public:
  // Opens the lake and registers every route; does not listen yet.
  static Result<std::unique_ptr<WebServer>> Create(const ServeOptions& options);
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  // Adds a GET route (`pattern` is a regex over the path, its groups land in `matches`):
  // the one line a new API needs, e.g. server.Get("/metrics", MetricsHandler).
  void Get(const std::string& pattern, Handler handler);
  // Binds the socket; the port it got (useful with port 0).
  Result<int32_t> Bind();
  // Serves until Stop() (from another thread). Bind() first.
  Status Listen();
  void Stop();
  LakeApi& api();

 private:
  struct Impl;
  explicit WebServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The MIME type the front end's files and the lake's files are served with.
std::string MimeTypeOf(const std::string& path);

}  // namespace sensorlake::serve
