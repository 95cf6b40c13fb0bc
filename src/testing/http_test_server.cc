#include "testing/http_test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace sensorlake::testing {
namespace {

// Waits up to 10 ms for the client; true once it has closed its end (or reset it). Anything
// it sends meanwhile is read and dropped.
bool PeerClosed(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, 10) <= 0) return false;
  char buf[512];
  ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads up to the blank line that ends the request head (requests here have no body).
std::string ReadHead(int fd) {
  std::string head;
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) break;
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    head.append(buf, static_cast<size_t>(n));
  }
  return head;
}

std::string Header(const std::string& head, std::string name) {
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  size_t at = lower.find("\r\n" + name + ":");
  if (at == std::string::npos) return {};
  size_t start = at + 3 + name.size();
  size_t end = head.find("\r\n", start);
  std::string v = head.substr(start, end - start);
  while (!v.empty() && v.front() == ' ') v.erase(0, 1);
  return v;
}

// "bytes=S-" or "bytes=S-E" -> [S, E]; false when absent or not understood.
bool ParseRange(const std::string& range, int64_t size, int64_t* first, int64_t* last) {
  if (!range.starts_with("bytes=")) return false;
  std::string spec = range.substr(6);
  size_t dash = spec.find('-');
  if (dash == std::string::npos || dash == 0) return false;
  *first = std::strtoll(spec.substr(0, dash).c_str(), nullptr, 10);
  std::string end = spec.substr(dash + 1);
  *last =
      end.empty() ? size - 1 : std::min<int64_t>(size - 1, std::strtoll(end.c_str(), nullptr, 10));
  return true;
}

}  // namespace

HttpTestServer::HttpTestServer(HttpTestServerOptions options) : options_(std::move(options)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;  // any free port
  socklen_t len = sizeof(addr);
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listen_fd_, 16) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::fprintf(stderr, "HttpTestServer: cannot listen: %s\n", strerror(errno));
    std::abort();
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

HttpTestServer::~HttpTestServer() {
  stop_ = true;
  thread_.join();
  close(listen_fd_);
}

std::string HttpTestServer::url() const {
  return fmt::format("http://127.0.0.1:{}{}", port_, options_.path);
}

std::vector<HttpTestRequest> HttpTestServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

void HttpTestServer::Serve() {
  // poll with a timeout so that stop_ is seen.
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    connections_.emplace_back([this, fd] {
      Handle(fd);
      shutdown(fd, SHUT_RDWR);
      close(fd);
    });
  }
  for (auto& t : connections_) t.join();
}

void HttpTestServer::Handle(int fd) {
  std::string head = ReadHead(fd);
  HttpTestRequest req;
  size_t sp1 = head.find(' '), sp2 = head.find(' ', sp1 + 1);
  if (sp1 == std::string::npos || sp2 == std::string::npos) return;
  req.method = head.substr(0, sp1);
  req.target = head.substr(sp1 + 1, sp2 - sp1 - 1);
  req.range = Header(head, "Range");
  req.if_range = Header(head, "If-Range");
  std::unique_lock lock(mu_);  // decides and records the answer as one step
  int32_t index = static_cast<int32_t>(requests_.size());
  const std::string& body = options_.body;
  int64_t size = static_cast<int64_t>(body.size());
  int64_t first = 0, last = size - 1;
  std::string extra;
  if (req.target != options_.path)
    req.status = 404;
  else if (!healed_ && index < options_.fail_requests)
    req.status = options_.fail_status;
  else if (options_.support_ranges && ParseRange(req.range, size, &first, &last)) {
    req.status = first >= size ? 416 : 206;
    extra = req.status == 416 ? fmt::format("Content-Range: bytes */{}\r\n", size)
                              : fmt::format("Content-Range: bytes {}-{}/{}\r\n", first, last, size);
  } else {
    req.status = 200;
    first = 0;
  }
  requests_.push_back(req);
  lock.unlock();
  bool ok_body = req.status == 200 || req.status == 206;
  std::string payload = ok_body ? body.substr(first, last - first + 1) : "no\n";
  std::string response = fmt::format(
      "HTTP/1.1 {} X\r\nContent-Length: {}\r\nETag: {}\r\n{}Accept-Ranges: bytes\r\n"
      "Connection: close\r\n\r\n",
      req.status, payload.size(), options_.etag, extra);
  bool cut = ok_body && !healed_ && options_.cut_at_offset >= 0 &&
             (options_.cut_requests < 0 || index < options_.cut_requests);
  if (cut) {
    int64_t keep = std::clamp<int64_t>(options_.cut_at_offset - first, 0,
                                       static_cast<int64_t>(payload.size()));
    payload.resize(static_cast<size_t>(keep));
  }
  if (SendAll(fd, response) && SendAll(fd, payload)) {
    lock.lock();
    requests_[static_cast<size_t>(index)].body_sent = static_cast<int64_t>(payload.size());
    lock.unlock();
  }
  if (cut && options_.stall_ms < 0) {
    // Until the client gives up: only its own timeout can end the transfer.
    bool closed = false;
    while (!stop_ && !closed) closed = PeerClosed(fd);
  } else if (cut) {
    for (int32_t waited = 0; waited < options_.stall_ms && !stop_; waited += 10) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

}  // namespace sensorlake::testing
