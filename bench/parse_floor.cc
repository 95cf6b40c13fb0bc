// The parse floor: the least work any transform of the raw WISDM files must do. It reads
// every *.txt file under a folder and parses each line, "<subject>,<activity>,<timestamp>,
// <x>,<y>,<z>;", into (int, char, int64, 3 floats) with std::from_chars, and nothing else:
// no cleaning, no sorting, no encoding, no writing. It prints the line count and a
// checksum over every parsed value so the compiler cannot drop the work.
//
// Build: g++ -O2 -std=c++20 -pthread bench/parse_floor.cc -o parse_floor
// Usage: parse_floor [--threads N] DIR
// Output (one JSON line): {"files", "lines", "bad_lines", "bytes", "checksum", "seconds"}
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Totals {
  uint64_t lines = 0, bad = 0, bytes = 0, checksum = 0;
};

uint64_t Mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

// Parses one line [p, end) without its newline; returns false if it is not a reading.
bool ParseLine(const char* p, const char* end, uint64_t* checksum) {
  if (p < end && end[-1] == '\r') --end;
  if (p == end || end[-1] != ';') return false;
  --end;  // drop ';'
  int subject = 0;
  auto r = std::from_chars(p, end, subject);
  if (r.ec != std::errc() || r.ptr + 2 >= end || r.ptr[0] != ',' || r.ptr[2] != ',') return false;
  char activity = r.ptr[1];
  int64_t ts = 0;
  r = std::from_chars(r.ptr + 3, end, ts);
  if (r.ec != std::errc() || r.ptr == end || *r.ptr != ',') return false;
  float x, y, z;
  r = std::from_chars(r.ptr + 1, end, x);
  if (r.ec != std::errc() || r.ptr == end || *r.ptr != ',') return false;
  r = std::from_chars(r.ptr + 1, end, y);
  if (r.ec != std::errc() || r.ptr == end || *r.ptr != ',') return false;
  r = std::from_chars(r.ptr + 1, end, z);
  if (r.ec != std::errc() || r.ptr != end) return false;
  uint64_t h = Mix(static_cast<uint64_t>(subject) << 8 | static_cast<uint8_t>(activity),
                   static_cast<uint64_t>(ts));
  h = Mix(h, (static_cast<uint64_t>(Bits(x)) << 32) | Bits(y));
  *checksum += Mix(h, Bits(z));  // a sum: independent of file and thread order
  return true;
}

bool ParseFile(const std::string& path, std::vector<char>* buf, Totals* t) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return false;
  buf->resize(std::filesystem::file_size(path));
  size_t got = 0;
  while (got < buf->size()) {
    ssize_t n = ::read(fd, buf->data() + got, buf->size() - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  t->bytes += got;
  const char* p = buf->data();
  const char* end = p + got;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
    const char* line_end = nl ? nl : end;
    ++t->lines;
    if (!ParseLine(p, line_end, &t->checksum)) ++t->bad;
    p = nl ? nl + 1 : end;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      threads = std::max(1, std::atoi(argv[++i]));
    } else {
      dir = a;
    }
  }
  if (dir.empty()) {
    std::fprintf(stderr, "usage: parse_floor [--threads N] DIR\n");
    return 2;
  }
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::pair<uintmax_t, std::string>> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".txt") {
      files.emplace_back(e.file_size(), e.path().string());
    }
  }
  std::sort(files.rbegin(), files.rend());  // largest first balances the threads
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<Totals> totals(threads);
  std::vector<std::thread> pool;
  for (int w = 0; w < threads; ++w) {
    pool.emplace_back([&, w] {
      std::vector<char> buf;
      for (size_t i; (i = next.fetch_add(1)) < files.size();) {
        if (!ParseFile(files[i].second, &buf, &totals[w])) failed = true;
      }
    });
  }
  for (auto& t : pool) t.join();
  Totals sum;
  for (const auto& t : totals) {
    sum.lines += t.lines;
    sum.bad += t.bad;
    sum.bytes += t.bytes;
    sum.checksum += t.checksum;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf(
      "{\"files\": %zu, \"lines\": %llu, \"bad_lines\": %llu, \"bytes\": %llu, "
      "\"checksum\": \"%016llx\", \"threads\": %d, \"seconds\": %.4f}\n",
      files.size(), static_cast<unsigned long long>(sum.lines),
      static_cast<unsigned long long>(sum.bad), static_cast<unsigned long long>(sum.bytes),
      static_cast<unsigned long long>(sum.checksum), threads, secs);
  return failed ? 1 : 0;
}
