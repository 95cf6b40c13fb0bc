#include "sensorlake/common/progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace sensorlake {
namespace {
std::atomic<bool> g_enabled{true};
}  // namespace

void Progress::SetEnabled(bool enabled) { g_enabled = enabled; }

namespace {
Progress::Sink& GlobalSink() {
  static Progress::Sink sink;
  return sink;
}
}  // namespace

void Progress::SetSink(Sink sink) { GlobalSink() = std::move(sink); }

Progress::Progress(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_),
      tty_(isatty(STDERR_FILENO) != 0) {}

// A destructor must not throw: should the last line fail to print (a sink's error, no
// memory), it is lost rather than the process.
Progress::~Progress() {
  try {
    Finish();
  } catch (...) {  // see above
  }
}

void Progress::Add(int64_t n) {
  done_.fetch_add(n, std::memory_order_relaxed);
  if (!g_enabled) return;
  auto now = std::chrono::steady_clock::now();
  auto every = tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000);
  if (now - last_print_ < every) return;
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || now - last_print_ < every) return;
  last_print_ = now;
  Print(false);
}

void Progress::Finish() {
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (g_enabled) Print(true);
}

void Progress::Print(bool final) {
  int64_t done = done_.load();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (GlobalSink()) {
    GlobalSink()(label_, done, total_, unit_, secs, final);
    return;
  }
  double frac = total_ > 0 ? std::min(1.0, static_cast<double>(done) / total_) : 1.0;
  bool bytes = unit_ == "bytes";
  auto amount = [&](int64_t v) {
    return bytes ? fmt::format("{:.1f} MB", v / 1e6) : fmt::format("{}", v);
  };
  std::string rate = secs > 0 ? (bytes ? fmt::format("{:.1f} MB/s", done / 1e6 / secs)
                                       : fmt::format("{:.0f} {}/s", done / secs, unit_))
                              : "";
  if (tty_) {
    int width = 30;
    int filled = static_cast<int>(frac * width);
    std::string bar(filled, '#');
    bar.append(width - filled, '.');
    fmt::print(stderr, "\r{:<10} [{}] {:5.1f}% {} / {} {}  {}  {:.1f}s{}", label_, bar, frac * 100,
               amount(done), amount(total_), bytes ? "" : unit_, rate, secs, final ? "\n" : "");
  } else {
    fmt::print(stderr, "{}: {:5.1f}% {} / {} {} {} {:.1f}s\n", label_, frac * 100, amount(done),
               amount(total_), bytes ? "" : unit_, rate, secs);
  }
  std::fflush(stderr);
}

}  // namespace sensorlake
