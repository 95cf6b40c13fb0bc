// SHA-256 of two messages at once on one core. With the CPU's SHA instructions, the rounds
// of one message wait on each other: SHA256RNDS2 takes 4 cycles and each depends on the
// last, while the unit could start one every 2 (AMD Zen 3). Two messages interleaved keep
// it busy: 1.9x one message's speed here, where one message alone runs as fast as OpenSSL.
// Without SHA instructions (older Intel Xeons, ARM) each lane hashes through OpenSSL.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sensorlake/common/sha256.h"

namespace sensorlake {

// One message's running SHA-256: the same digest as Sha256 for the same bytes.
class Sha256Lane {
 public:
  Sha256Lane();
  ~Sha256Lane();
  Sha256Lane(const Sha256Lane&) = delete;
  Sha256Lane& operator=(const Sha256Lane&) = delete;

  void Update(std::string_view data);
  std::string HexDigest();  // finishes the hash

  // Hashes `a_data` into `a` and `b_data` into `b`, the blocks both have interleaved.
  static void UpdateBoth(Sha256Lane& a, std::string_view a_data, Sha256Lane& b,
                         std::string_view b_data);
  // Whether this CPU has the SHA instructions (else the lanes use OpenSSL).
  static bool Accelerated();

 private:
  static constexpr size_t kBlock = 64;
  // Completes a partial block from `data` (advancing it); true when one is complete.
  bool FillBuffer(std::string_view* data);
  void Buffer(std::string_view tail);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, kBlock> buffer_{};
  size_t buffered_ = 0;
  uint64_t length_ = 0;               // bytes hashed so far
  std::unique_ptr<Sha256> fallback_;  // without SHA instructions
};

// Test hook: hash through OpenSSL even where the CPU has SHA instructions.
namespace internal {
void SetSha256LanesAccelerated(bool allowed);
}  // namespace internal

}  // namespace sensorlake
