// Deterministic randomness for the generator. Every random choice is drawn from a stream
// keyed by what it is for (seed, purpose tag, subject, folder, activity), never from a
// shared generator, so the bytes written do not depend on thread scheduling or on which
// subset of subjects a run writes.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace sensorlake::generate {

// SplitMix64's finalizer: a strong 64-bit mixer, used to derive keys.
inline uint64_t Mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// A key for one purpose: Key(seed, {tag, subject, folder, ...}).
inline uint64_t Key(uint64_t seed, std::initializer_list<uint64_t> parts) {
  uint64_t h = Mix64(seed);
  for (uint64_t p : parts) h = Mix64(h ^ Mix64(p + 0x632be59bd9b4e019ull));
  return h;
}

// Purpose tags, so two uses of the same (subject, folder) never share a stream.
enum Tag : uint64_t {
  kTagDevice = 1,      // per subject and device: clock, placement, sampling class
  kTagBlock = 2,       // per subject, device, activity: motion shared by both sensors
  kTagNoise = 3,       // per subject, folder, activity: sensor noise and timing jitter
  kTagFastSet = 4,     // which subjects sample accel faster
  kTagFileFaults = 5,  // file- and block-level fault placement
  kTagLineFaults = 6,  // line-level fault placement in one file
  kTagSession = 7,     // recording order and gaps of one device's session
};

// xoshiro256**: fast, good quality, 256-bit state seeded through SplitMix64.
class Rng {
 public:
  explicit Rng(uint64_t key) {
    uint64_t z = key;
    for (auto& s : s_) {
      z += 0x9e3779b97f4a7c15ull;
      s = Mix64(z);
    }
  }

  uint64_t Next() {
    uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform integer in [0, n); n > 0. The tiny modulo bias is irrelevant here.
  uint64_t Below(uint64_t n) { return Next() % n; }

  // Standard normal by Box-Muller; the second value of each pair is kept for the next call.
  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = Uniform();
    double u2 = Uniform();
    double r = std::sqrt(-2.0 * std::log(1.0 - u1));
    double a = 2.0 * M_PI * u2;
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace sensorlake::generate
