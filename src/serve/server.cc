#include "sensorlake/serve/server.h"

#include <arrow/api.h>
#include <arrow/io/interfaces.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "serve/routes.h"

namespace sensorlake::serve {

namespace {

constexpr size_t kReadChunk = 1 << 20;

bool IsUnder(const std::filesystem::path& root, const std::filesystem::path& p) {
  auto [r, _] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
  return r == root.end();
}

void ErrorReply(httplib::Response& res, int32_t status, const std::string& message) {
  res.status = status;
  res.set_content(nlohmann::json{{"error", message}}.dump(), "application/json");
}

// Ranges past the end get 416 here: the HTTP library would answer them with a short body.
bool RangesFit(const httplib::Request& req, int64_t size) {
  for (const auto& [first, last] : req.ranges) {
    if (first >= size || (first < 0 && last <= 0)) return false;
  }
  return true;
}

}  // namespace

std::string ApiRequest::Param(const std::string& name, const std::string& fallback) const {
  auto it = params.find(name);
  return it == params.end() ? fallback : it->second;
}

Reply Reply::Json(const nlohmann::json& j) {
  Reply r;
  r.body = j.dump();
  return r;
}

int32_t StatusHttpCode(const Status& st) {
  switch (st.code()) {
    case StatusCode::kInvalid:
      return 400;
    case StatusCode::kRefused:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    default:
      return 500;
  }
}

std::string MimeTypeOf(const std::string& path) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript"},
      {".mjs", "text/javascript"},
      {".css", "text/css"},
      {".json", "application/json"},
      {".wasm", "application/wasm"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".map", "application/json"},
      {".parquet", "application/vnd.apache.parquet"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"}};
  auto it = kTypes.find(std::filesystem::path(path).extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

struct WebServer::Impl {
  ServeOptions options;
  std::unique_ptr<LakeApi> api;
  httplib::Server http;
  std::filesystem::path assets;
  // httplib ignores stop() until its accept loop runs: Stop() and Listen() meet here so a
  // Stop() that comes first is never lost (it made a test hang once).
  std::mutex lifecycle;
  bool stop_requested = false;
  std::atomic<bool> listening{false};
  std::atomic<bool> listen_returned{false};

  void Send(const httplib::Request& req, httplib::Response& res, const Reply& reply,
            double server_ms);
  void SendLakeFile(const httplib::Request& req, httplib::Response& res, const Reply& reply);
  void SendLocalFile(const httplib::Request& req, httplib::Response& res, const Reply& reply);
  Result<Reply> Asset(const ApiRequest& r) const;
};

void WebServer::Impl::Send(const httplib::Request& req, httplib::Response& res, const Reply& reply,
                           double server_ms) {
  res.set_header("Server-Timing", fmt::format("app;dur={:.2f}", server_ms));
  res.set_header("X-Content-Type-Options", "nosniff");
  for (const auto& [k, v] : reply.headers) res.set_header(k, v);
  if (!reply.lake_file.empty()) return SendLakeFile(req, res, reply);
  if (!reply.local_file.empty()) return SendLocalFile(req, res, reply);
  res.status = reply.status;
  res.set_content(reply.body, reply.content_type);
}

void WebServer::Impl::SendLakeFile(const httplib::Request& req, httplib::Response& res,
                                   const Reply& reply) {
  auto opened = api->lake().OpenInputFile(reply.lake_file);
  if (!opened.ok())
    return ErrorReply(res, StatusHttpCode(opened.status()), opened.status().message());
  std::shared_ptr<arrow::io::RandomAccessFile> file = *opened;
  auto size = file->GetSize();
  if (!size.ok()) return ErrorReply(res, 500, size.status().ToString());
  if (!RangesFit(req, *size)) {
    res.set_header("Content-Range", fmt::format("bytes */{}", *size));
    return ErrorReply(res, 416, "range not satisfiable");
  }
  res.set_header("Accept-Ranges", "bytes");
  res.set_content_provider(static_cast<size_t>(*size), reply.content_type,
                           [file](size_t offset, size_t length, httplib::DataSink& sink) {
                             auto buf =
                                 file->ReadAt(static_cast<int64_t>(offset),
                                              static_cast<int64_t>(std::min(length, kReadChunk)));
                             if (!buf.ok()) return false;
                             return sink.write(reinterpret_cast<const char*>((*buf)->data()),
                                               static_cast<size_t>((*buf)->size()));
                           });
}

void WebServer::Impl::SendLocalFile(const httplib::Request& req, httplib::Response& res,
                                    const Reply& reply) {
  auto file = std::make_shared<std::ifstream>(reply.local_file, std::ios::binary);
  std::error_code ec;
  auto size = static_cast<int64_t>(std::filesystem::file_size(reply.local_file, ec));
  if (!*file || ec) return ErrorReply(res, 404, "not found");
  if (!RangesFit(req, size)) return ErrorReply(res, 416, "range not satisfiable");
  res.set_header("Accept-Ranges", "bytes");
  res.set_content_provider(static_cast<size_t>(size), reply.content_type,
                           [file](size_t offset, size_t length, httplib::DataSink& sink) {
                             std::string buf(std::min(length, kReadChunk), '\0');
                             file->seekg(static_cast<std::streamoff>(offset));
                             file->read(buf.data(), static_cast<std::streamsize>(buf.size()));
                             return file->gcount() > 0 &&
                                    sink.write(buf.data(), static_cast<size_t>(file->gcount()));
                           });
}

Result<Reply> WebServer::Impl::Asset(const ApiRequest& r) const {
  if (assets.empty())
    return Status::NotFound("no front end assets (sensorlake serve --assets DIR)");
  std::string rel = r.matches.empty() || r.matches[0].empty() ? "index.html" : r.matches[0];
  SL_RETURN_NOT_OK(CheckDataPath(rel));
  std::error_code ec;
  auto real = std::filesystem::canonical(assets / rel, ec);
  if (ec || !std::filesystem::is_regular_file(real)) return Status::NotFound("no file '{}'", rel);
  if (!IsUnder(assets, real)) return Status::Refused("'{}' resolves outside the assets", rel);
  Reply reply;
  reply.local_file = real.string();
  reply.content_type = MimeTypeOf(rel);
  // Vite puts a content hash in every name under assets/: those never change. index.html
  // does, so the browser asks again each time.
  reply.headers.emplace_back("Cache-Control", rel.starts_with("assets/")
                                                  ? "public, max-age=31536000, immutable"
                                                  : "no-cache");
  return reply;
}

WebServer::WebServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebServer::~WebServer() { Stop(); }

Result<std::unique_ptr<WebServer>> WebServer::Create(const ServeOptions& options) {
  // Lake::Open creates a missing local root; a read-only server must not, so look first.
  if (!options.lake_uri.starts_with("s3://")) {
    std::string local =
        options.lake_uri.starts_with("file://") ? options.lake_uri.substr(7) : options.lake_uri;
    if (!std::filesystem::is_directory(local)) {
      return Status::NotFound("no lake at {} (sensorlake run --lake ... fills one)", local);
    }
  }
  SL_ASSIGN_OR_RETURN(auto lake, storage::Lake::Open(options.lake_uri));
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->api = std::make_unique<LakeApi>(std::move(lake));
  if (!options.assets_dir.empty()) {
    std::error_code ec;
    impl->assets = std::filesystem::canonical(options.assets_dir, ec);
    if (ec || !std::filesystem::exists(impl->assets / "index.html")) {
      return Status::NotFound("{}: no index.html (build the front end: make build)",
                              options.assets_dir);
    }
  }
  // SO_REUSEADDR only: httplib's default SO_REUSEPORT would let a second server take the
  // same port and share its connections, instead of failing to bind.
  impl->http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // A read-only server: every other method is refused.
  auto refuse = [](const httplib::Request&, httplib::Response& res) {
    ErrorReply(res, 405, "read-only server: only GET and HEAD");
  };
  impl->http.Post(".*", refuse);
  impl->http.Put(".*", refuse);
  impl->http.Patch(".*", refuse);
  impl->http.Delete(".*", refuse);
  std::unique_ptr<WebServer> server(new WebServer(std::move(impl)));
  AddApiRoutes(*server);
  Impl* raw = server->impl_.get();
  // Last: the front end's files answer every path no API route took.
  server->Get("/(.*)", [raw](const ApiRequest& r) { return raw->Asset(r); });
  return server;
}

void WebServer::Get(const std::string& pattern, Handler handler) {
  Impl* impl = impl_.get();
  impl->http.Get(pattern, [impl, handler = std::move(handler)](const httplib::Request& req,
                                                               httplib::Response& res) {
    auto start = std::chrono::steady_clock::now();
    ApiRequest r;
    r.path = req.path;
    for (const auto& [k, v] : req.params) r.params[k] = v;
    for (size_t i = 1; i < req.matches.size(); ++i) r.matches.push_back(req.matches[i].str());
    Result<Reply> reply = Status::Internal("no reply");
    try {
      reply = handler(r);
    } catch (const std::exception& e) {
      // A malformed record in the lake (a JSON field of another type) is an answer, not a crash.
      reply = Status::Corrupt("{}: {}", r.path, e.what());
    }
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!reply.ok()) {
      res.set_header("Server-Timing", fmt::format("app;dur={:.2f}", ms));
      return ErrorReply(res, StatusHttpCode(reply.status()), reply.status().message());
    }
    impl->Send(req, res, std::move(reply).ValueOrDie(), ms);
  });
}

Result<int32_t> WebServer::Bind() {
  int port = impl_->options.port == 0
                 ? impl_->http.bind_to_any_port(impl_->options.bind)
                 : (impl_->http.bind_to_port(impl_->options.bind, impl_->options.port)
                        ? impl_->options.port
                        : -1);
  if (port < 0) {
    return Status::IOError("cannot listen on {}:{} (in use, or not an address of this machine)",
                           impl_->options.bind, impl_->options.port);
  }
  return static_cast<int32_t>(port);
}

Status WebServer::Listen() {
  {
    std::lock_guard<std::mutex> lock(impl_->lifecycle);
    if (impl_->stop_requested) return Status::OK();
    impl_->listening = true;
  }
  bool ok = impl_->http.listen_after_bind();
  impl_->listen_returned = true;
  if (!ok) return Status::IOError("the HTTP server stopped with an error");
  return Status::OK();
}

void WebServer::Stop() {
  if (impl_ == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(impl_->lifecycle);
    impl_->stop_requested = true;
    if (!impl_->listening) return;  // Listen() will see the request and not start
  }
  // Listen() is starting or running: wait (bounded) for the loop, then stop it.
  for (int32_t i = 0; i < 5000 && !impl_->http.is_running() && !impl_->listen_returned; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->http.stop();
}

LakeApi& WebServer::api() { return *impl_->api; }

}  // namespace sensorlake::serve
