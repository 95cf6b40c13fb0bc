// libFuzzer target: the ingest path for archives. Any bytes given as a zip must be refused
// with a Status or listed and read within the declared limits: never a crash, never an
// entry path outside the dataset (every accepted path is re-checked here).
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "ingest/source.h"
#include "ingest/zip_source.h"

namespace {

const std::string& TempDir() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/sensorlake-zip-fuzz-XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    if (made == nullptr) std::abort();
    return std::string(made);
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace ingest = sensorlake::ingest;
  const std::string path = TempDir() + "/input.zip";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);

  constexpr int64_t kMaxExpanded = 1 << 20;  // keeps every run fast; ingest's own is larger
  auto source = ingest::OpenZipSource(path, kMaxExpanded, TempDir());
  if (!source.ok()) return 0;
  std::vector<char> buf(1 << 16);
  int64_t total = 0;
  for (const auto& entry : (*source)->entries()) {
    auto safe = ingest::SafeRelativePath(entry.path);
    if (!safe.ok() || *safe != entry.path) std::abort();  // an unsafe path got through
    auto stream = (*source)->Open(entry);
    if (!stream.ok()) continue;
    for (;;) {
      auto n = (*stream)->Read(buf.data(), static_cast<int64_t>(buf.size()));
      if (!n.ok() || *n == 0) break;
      total += *n;
      if (total > kMaxExpanded) std::abort();  // the expansion limit did not hold
    }
  }
  return 0;
}
