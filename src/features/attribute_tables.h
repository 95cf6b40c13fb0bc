// The fixed tables of the attributes (column offsets, FFT, mel filter bank, DCT), shared by
// the scalar attributes (window_features.cc) and the three-axis AVX2 kernel
// (corrected_avx2.cc): both must use the very same doubles to give the same attributes.
#pragma once

#include <array>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <span>

#include "sensorlake/features/window_features.h"

namespace sensorlake::features {

// Column offsets of each attribute group in ARFF order.
inline constexpr size_t kBins = 0, kAvg = 30, kPeak = 33, kAbsDev = 36, kStdDev = 39, kVar = 42,
                        kMfcc = 45, kCos = 84, kCor = 87, kResultant = 90;

inline constexpr size_t kFftSize = 256;  // the next power of two above 180..200 readings
inline constexpr int32_t kMelFilters = 20;
inline constexpr size_t kBinsToNyquist = kFftSize / 2 + 1;

// The twiddle factors of every stage, built as Aquila builds them (by repeated
// multiplication with the stage's step), once: the same doubles in every call. Stage
// len = 2^s uses factors [len/2 - 1, len - 1): n - 1 in all.
const std::array<std::complex<double>, kFftSize>& FftTwiddles();

// The same factors as separate real and imaginary arrays, and the bit-reversal permutation.
struct SplitFftTables {
  std::array<double, kFftSize> wr{}, wi{};
  std::array<uint16_t, kFftSize> reversed{};
};
const SplitFftTables& SplitTables();

// The real sampling rate of a window's readings (20 Hz, the rate the study asked for, when
// the clock gives none).
double SamplingRate(std::span<const int64_t> ts);

// What the corrected mel filter bank needs of a sampling rate: the edges of the 20 filters
// (21 + 1) and the frequency of each FFT bin up to Nyquist. The three axes of a window, and
// usually the next windows, share their rate: the pow and log10 calls run once for them.
struct MelBank {
  double fs = 0;
  std::array<double, kMelFilters + 2> edges{};
  std::array<double, kBinsToNyquist> freq{};
};
// The bank of `fs`, cached per thread for the last rate asked for.
const MelBank& MelBankFor(double fs);

// The corrected DCT-II's cosines, cos(pi m (j + 0.5) / 20), per coefficient m and filter j.
const std::array<std::array<double, kMelFilters>, kNumMfcc>& CorrectedDctCosines();

}  // namespace sensorlake::features
