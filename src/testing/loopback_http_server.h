// A cpp-httplib server on 127.0.0.1 for the tests of the engine's HTTP callers (the HTTP
// client, the AWS credential chain, CloudWatch Logs): add routes to server(), then Start();
// the destructor stops it and joins its thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <thread>

#include <httplib.h>

namespace sensorlake::testing {

class LoopbackHttpServer {
 public:
  LoopbackHttpServer() = default;
  ~LoopbackHttpServer() {
    if (!thread_.joinable()) return;
    server_.stop();
    thread_.join();
  }
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  httplib::Server& server() { return server_; }

  // Binds a free port and serves in a thread; false when no port could be bound.
  bool Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) return false;
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return true;
  }

  int port() const { return port_; }
  std::string Url(std::string_view path = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace sensorlake::testing
