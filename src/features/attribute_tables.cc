#include "features/attribute_tables.h"

#include <cmath>
#include <limits>
#include <numbers>

namespace sensorlake::features {
namespace {

double Mel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double Hz(double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); }

}  // namespace

const std::array<std::complex<double>, kFftSize>& FftTwiddles() {
  static const auto kTwiddles = [] {
    std::array<std::complex<double>, kFftSize> w{};
    for (size_t len = 2; len <= kFftSize; len <<= 1) {
      const double angle = -2.0 * std::numbers::pi / static_cast<double>(len);
      const std::complex<double> step(std::cos(angle), std::sin(angle));
      std::complex<double> f(1.0, 0.0);
      for (size_t j = 0; j < len / 2; ++j) {
        w[len / 2 - 1 + j] = f;
        f *= step;
      }
    }
    return w;
  }();
  return kTwiddles;
}

const SplitFftTables& SplitTables() {
  static const auto kTables = [] {
    SplitFftTables t;
    const auto& w = FftTwiddles();
    for (size_t i = 0; i < kFftSize; ++i) {
      t.wr[i] = w[i].real(), t.wi[i] = w[i].imag();
      size_t rev = 0;
      for (size_t bit = 1, m = kFftSize >> 1; m > 0; bit <<= 1, m >>= 1) {
        if (i & bit) rev |= m;
      }
      t.reversed[i] = static_cast<uint16_t>(rev);
    }
    return t;
  }();
  return kTables;
}

double SamplingRate(std::span<const int64_t> ts) {
  if (ts.size() < 2 || ts.back() <= ts.front()) return 20.0;
  return static_cast<double>(ts.size() - 1) * 1e9 / static_cast<double>(ts.back() - ts.front());
}

const MelBank& MelBankFor(double fs) {
  thread_local MelBank bank{std::numeric_limits<double>::quiet_NaN(), {}, {}};
  if (!(fs == bank.fs)) {
    constexpr size_t kEdges = kMelFilters + 2;
    for (size_t j = 0; j < kEdges; ++j) {
      bank.edges[j] = Hz(Mel(fs / 2) * static_cast<int32_t>(j) / static_cast<int32_t>(kEdges - 1));
    }
    for (size_t k = 0; k < kBinsToNyquist; ++k) {
      bank.freq[k] = static_cast<double>(k) * fs / kFftSize;
    }
    bank.fs = fs;
  }
  return bank;
}

const std::array<std::array<double, kMelFilters>, kNumMfcc>& CorrectedDctCosines() {
  static const auto kCos = [] {
    std::array<std::array<double, kMelFilters>, kNumMfcc> t{};
    for (int32_t m = 0; m < static_cast<int32_t>(kNumMfcc); ++m) {
      for (int32_t j = 0; j < kMelFilters; ++j) {
        t[static_cast<size_t>(m)][static_cast<size_t>(j)] =
            std::cos(std::numbers::pi * m * (j + 0.5) / kMelFilters);
      }
    }
    return t;
  }();
  return kCos;
}

}  // namespace sensorlake::features
