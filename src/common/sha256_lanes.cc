#include "sensorlake/common/sha256_lanes.h"

#include <atomic>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace sensorlake {
namespace {

constexpr std::array<uint32_t, 8> kInitialState = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

std::atomic<bool> acceleration_allowed{true};

#if defined(__x86_64__)
#define SENSORLAKE_SHA_NI __attribute__((target("sha,sse4.1")))
#if defined(__clang__)
#define SENSORLAKE_UNROLL _Pragma("unroll")
#else
#define SENSORLAKE_UNROLL _Pragma("GCC unroll 16")
#endif

alignas(16) constexpr uint32_t kRound[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

bool CpuHasShaNi() {
  static const bool has = [] {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_SSE4_1)) return false;
    return __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (ebx & bit_SHA) != 0;
  }();
  return has;
}

// The SHA instructions keep the state as (A, B, E, F) and (C, D, G, H).
struct Working {
  __m128i abef, cdgh;
};

SENSORLAKE_SHA_NI inline Working Load(const uint32_t* h) {
  const __m128i badc =
      _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h)), 0xB1);
  const __m128i hgfe =
      _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + 4)), 0x1B);
  return {_mm_alignr_epi8(badc, hgfe, 8), _mm_blend_epi16(hgfe, badc, 0xF0)};
}

SENSORLAKE_SHA_NI inline void Store(const Working& w, uint32_t* h) {
  const __m128i feba = _mm_shuffle_epi32(w.abef, 0x1B);
  const __m128i dchg = _mm_shuffle_epi32(w.cdgh, 0xB1);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h), _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h + 4), _mm_alignr_epi8(dchg, feba, 8));
}

// `blocks` 64-byte blocks of each of N messages into their states, the N interleaved: the
// 16 groups of 4 rounds unrolled, each group's message words derived from the 4 before.
template <size_t N>
SENSORLAKE_SHA_NI void Compress(const std::array<uint32_t*, N>& state,
                                const std::array<const uint8_t*, N>& data, size_t blocks) {
  const __m128i big_endian = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  std::array<Working, N> s;
  for (size_t l = 0; l < N; ++l) s[l] = Load(state[l]);
  for (size_t b = 0; b < blocks; ++b) {
    const std::array<Working, N> before = s;
    __m128i w[N][4];  // C arrays: GCC drops __m128i's alignment in a template argument
    SENSORLAKE_UNROLL for (size_t i = 0; i < 16; ++i) {
      for (size_t l = 0; l < N; ++l) {
        auto& m = w[l];
        if (i < 4) {
          const auto* p = reinterpret_cast<const __m128i*>(data[l] + 64 * b + 16 * i);
          m[i] = _mm_shuffle_epi8(_mm_loadu_si128(p), big_endian);
        } else {
          __m128i x = _mm_sha256msg1_epu32(m[i % 4], m[(i + 1) % 4]);
          x = _mm_add_epi32(x, _mm_alignr_epi8(m[(i + 3) % 4], m[(i + 2) % 4], 4));
          m[i % 4] = _mm_sha256msg2_epu32(x, m[(i + 3) % 4]);
        }
        const __m128i k = _mm_add_epi32(
            m[i % 4], _mm_load_si128(reinterpret_cast<const __m128i*>(&kRound[4 * i])));
        s[l].cdgh = _mm_sha256rnds2_epu32(s[l].cdgh, s[l].abef, k);
        s[l].abef = _mm_sha256rnds2_epu32(s[l].abef, s[l].cdgh, _mm_shuffle_epi32(k, 0x0E));
      }
    }
    for (size_t l = 0; l < N; ++l) {
      s[l].abef = _mm_add_epi32(s[l].abef, before[l].abef);
      s[l].cdgh = _mm_add_epi32(s[l].cdgh, before[l].cdgh);
    }
  }
  for (size_t l = 0; l < N; ++l) Store(s[l], state[l]);
}
#else
bool CpuHasShaNi() { return false; }
#endif

bool UseShaNi() { return acceleration_allowed && CpuHasShaNi(); }

}  // namespace

namespace internal {
void SetSha256LanesAccelerated(bool allowed) { acceleration_allowed = allowed; }
}  // namespace internal

Sha256Lane::Sha256Lane() : state_(kInitialState) {
  if (!UseShaNi()) fallback_ = std::make_unique<Sha256>();
}
Sha256Lane::~Sha256Lane() = default;

bool Sha256Lane::Accelerated() { return UseShaNi(); }

bool Sha256Lane::FillBuffer(std::string_view* data) {
  if (buffered_ == 0) return false;
  const size_t take = std::min(kBlock - buffered_, data->size());
  std::memcpy(buffer_.data() + buffered_, data->data(), take);
  buffered_ += take;
  data->remove_prefix(take);
  return buffered_ == kBlock;
}

void Sha256Lane::Buffer(std::string_view tail) {
  std::memcpy(buffer_.data() + buffered_, tail.data(), tail.size());
  buffered_ += tail.size();
}

void Sha256Lane::Update(std::string_view data) {
  if (fallback_) return fallback_->Update(data);
#if defined(__x86_64__)
  length_ += data.size();
  if (FillBuffer(&data)) {
    Compress<1>({state_.data()}, {buffer_.data()}, 1);
    buffered_ = 0;
  }
  const size_t blocks = data.size() / kBlock;
  Compress<1>({state_.data()}, {reinterpret_cast<const uint8_t*>(data.data())}, blocks);
  Buffer(data.substr(blocks * kBlock));
#endif
}

void Sha256Lane::UpdateBoth(Sha256Lane& a, std::string_view a_data, Sha256Lane& b,
                            std::string_view b_data) {
#if defined(__x86_64__)
  if (!a.fallback_ && !b.fallback_ && a.buffered_ == 0 && b.buffered_ == 0) {
    // Chunks of whole blocks, the usual case: the blocks both have go side by side.
    const size_t both = std::min(a_data.size(), b_data.size()) / kBlock;
    Compress<2>({a.state_.data(), b.state_.data()},
                {reinterpret_cast<const uint8_t*>(a_data.data()),
                 reinterpret_cast<const uint8_t*>(b_data.data())},
                both);
    a.length_ += both * kBlock, b.length_ += both * kBlock;
    a_data.remove_prefix(both * kBlock), b_data.remove_prefix(both * kBlock);
  }
#endif
  a.Update(a_data);
  b.Update(b_data);
}

std::string Sha256Lane::HexDigest() {
  if (fallback_) return fallback_->HexDigest();
  // The padding: 0x80, zeros up to 8 bytes before a block's end, the length in bits.
  const uint64_t bits = length_ * 8;
  std::array<uint8_t, 2 * kBlock> pad{};
  pad[0] = 0x80;
  const size_t pad_len = (buffered_ < kBlock - 8 ? kBlock : 2 * kBlock) - buffered_;
  for (size_t i = 0; i < 8; ++i) pad[pad_len - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
  Update(std::string_view(reinterpret_cast<const char*>(pad.data()), pad_len));
  std::string raw(32, '\0');
  for (size_t i = 0; i < 8; ++i) {
    for (size_t j = 0; j < 4; ++j) raw[4 * i + j] = static_cast<char>(state_[i] >> (24 - 8 * j));
  }
  return Sha256::HexEncode(raw);
}

}  // namespace sensorlake
