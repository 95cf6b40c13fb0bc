// Incremental XXH3-128 (libxxhash), hex output. A non-cryptographic checksum, about ten
// times faster than SHA-256: the raw manifest records it beside each file's sha256 so a
// stage that re-reads the raw zone can verify the bytes without paying for SHA-256.
// Provenance and identity (content hashes, version ids) stay on SHA-256.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace sensorlake {

class Xxh3 {
 public:
  Xxh3();
  ~Xxh3();
  Xxh3(const Xxh3&) = delete;
  Xxh3& operator=(const Xxh3&) = delete;
  void Update(const void* data, size_t size);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  std::string HexDigest() const;  // 32 hex digits, canonical (big-endian) order

  static std::string Hex(std::string_view data);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sensorlake
