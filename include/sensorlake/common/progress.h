// Progress for long work, on stderr: a redrawn bar on a terminal, a line every few
// seconds otherwise (logs, CI). Add() is thread-safe. Silenced globally by --quiet/--json.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace sensorlake {

class Progress {
 public:
  // `unit` names what `total` counts ("lines", "bytes"); bytes are shown as MB.
  Progress(std::string label, int64_t total, std::string unit);
  ~Progress();
  void Add(int64_t n);
  void Finish();  // prints the final state once

  static void SetEnabled(bool enabled);
  // Replaces the printed lines (`--log-format json`: one JSON log object per update).
  using Sink = std::function<void(const std::string& label, int64_t done, int64_t total,
                                  const std::string& unit, double seconds, bool final)>;
  static void SetSink(Sink sink);

 private:
  void Print(bool final);
  std::string label_;
  int64_t total_;
  std::string unit_;
  std::atomic<int64_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
  std::mutex mu_;
  bool tty_;
  bool finished_ = false;
};

}  // namespace sensorlake
