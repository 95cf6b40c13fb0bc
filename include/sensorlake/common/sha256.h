// Incremental SHA-256 (OpenSSL), hex output.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace sensorlake {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const void* data, size_t size);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  std::string HexDigest();  // finishes the hash
  std::string Digest();     // finishes the hash: the 32 raw bytes

  static std::string Hex(std::string_view data);
  // Lower-case hex of raw bytes (a digest, an HMAC).
  static std::string HexEncode(std::string_view raw);
  // HMAC-SHA-256 (RFC 2104) of `data` under `key`: 32 raw bytes.
  static std::string Hmac(std::string_view key, std::string_view data);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sensorlake
