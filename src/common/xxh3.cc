#include "sensorlake/common/xxh3.h"

#include <xxhash.h>
#if defined(__x86_64__)
// The library's runtime dispatch: AVX2 (twice SSE2's speed) where the CPU has it. The
// portable build itself assumes only SSE2.
#include <xxh_x86dispatch.h>
#endif

#include <fmt/format.h>

namespace sensorlake {

struct Xxh3::Impl {
  XXH3_state_t* state = XXH3_createState();
  ~Impl() { XXH3_freeState(state); }
};

Xxh3::Xxh3() : impl_(std::make_unique<Impl>()) { XXH3_128bits_reset(impl_->state); }
Xxh3::~Xxh3() = default;

void Xxh3::Update(const void* data, size_t size) {
#if defined(__x86_64__)
  XXH3_128bits_update_dispatch(impl_->state, data, size);
#else
  XXH3_128bits_update(impl_->state, data, size);
#endif
}

namespace {
std::string HexOf(XXH128_hash_t h) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  std::string out;
  out.reserve(32);
  for (unsigned char b : c.digest) out += fmt::format("{:02x}", b);
  return out;
}
}  // namespace

std::string Xxh3::HexDigest() const { return HexOf(XXH3_128bits_digest(impl_->state)); }

std::string Xxh3::Hex(std::string_view data) {
  return HexOf(XXH3_128bits(data.data(), data.size()));
}

}  // namespace sensorlake
