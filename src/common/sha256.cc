#include "sensorlake/common/sha256.h"

#include <openssl/evp.h>

#include <fmt/format.h>

namespace sensorlake {

struct Sha256::Impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr);
}
Sha256::~Sha256() = default;

void Sha256::Update(const void* data, size_t size) { EVP_DigestUpdate(impl_->ctx, data, size); }

std::string Sha256::Digest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string Sha256::HexEncode(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) out += fmt::format("{:02x}", c);
  return out;
}

std::string Sha256::HexDigest() { return HexEncode(Digest()); }

std::string Sha256::Hmac(std::string_view key, std::string_view data) {
  // Written out rather than OpenSSL's HMAC(): its one-shot API differs between OpenSSL 1.1
  // (the portable build's) and 3.x, and the construction is four lines.
  constexpr size_t kBlock = 64;
  std::string k = key.size() > kBlock ? [&] { Sha256 h; h.Update(key); return h.Digest(); }()
                                      : std::string(key);
  k.resize(kBlock, '\0');
  std::string inner_pad(kBlock, '\0'), outer_pad(kBlock, '\0');
  for (size_t i = 0; i < kBlock; ++i) {
    inner_pad[i] = static_cast<char>(k[i] ^ 0x36);
    outer_pad[i] = static_cast<char>(k[i] ^ 0x5c);
  }
  Sha256 inner;
  inner.Update(inner_pad);
  inner.Update(data);
  Sha256 outer;
  outer.Update(outer_pad);
  outer.Update(inner.Digest());
  return outer.Digest();
}

std::string Sha256::Hex(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.HexDigest();
}

}  // namespace sensorlake
