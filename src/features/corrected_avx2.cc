#include "features/corrected_avx2.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "features/attribute_tables.h"

namespace sensorlake::features::internal {
namespace {

std::atomic<bool> kernel_allowed{true};

#if defined(__x86_64__)
// AVX2 without FMA on purpose: a fused multiply-add rounds once where the scalar path
// rounds twice, and the attributes would no longer be the same doubles.
#define SENSORLAKE_AVX2 __attribute__((target("avx2")))

bool CpuRunsThreeAxisKernel() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}

// A reading at or above this magnitude could overflow a power (|re|^2 over 1e308 after
// the FFT's 8 doublings): such a window takes the scalar path, which handles inf and NaN.
constexpr double kLargestReading = 1e150;

using Lanes = double[4];  // x, y, z, unused

struct ThreeAxisWindow {
  size_t n = 0;
  alignas(32) Lanes xyz[kFftSize];
};

// The readings side by side; false when one is not finite or too large.
SENSORLAKE_AVX2 bool Transpose(const WindowValues& w, ThreeAxisWindow* t) {
  const __m256d sign = _mm256_set1_pd(-0.0);
  const __m256d limit = _mm256_set1_pd(kLargestReading);
  __m256d in_range = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
  for (size_t i = 0; i < t->n; ++i) {
    const __m256d v = _mm256_set_pd(0.0, w.z[i], w.y[i], w.x[i]);
    // Ordered compare: false for NaN, as for inf.
    in_range = _mm256_and_pd(in_range, _mm256_cmp_pd(_mm256_andnot_pd(sign, v), limit, _CMP_LT_OQ));
    _mm256_store_pd(t->xyz[i], v);
  }
  return _mm256_movemask_pd(in_range) == 0xF;
}

SENSORLAKE_AVX2 inline __m256d Load(const Lanes& l) { return _mm256_load_pd(l); }

// Lanes (x, x, y) and (y, z, z): the pairs XY, XZ, YZ.
SENSORLAKE_AVX2 inline __m256d FirstOfPairs(__m256d v) {
  return _mm256_permute4x64_pd(v, 0b11'01'00'00);
}
SENSORLAKE_AVX2 inline __m256d SecondOfPairs(__m256d v) {
  return _mm256_permute4x64_pd(v, 0b11'10'10'01);
}

// Bins, sums and spreads: what AxisAttributes, Cosine, Pearson and the peaks compute.
SENSORLAKE_AVX2 void Moments(const ThreeAxisWindow& t, const WindowValues& w, Attributes& out,
                             __m256d* mean_out) {
  const size_t n = t.n;
  const double nd = static_cast<double>(n);
  const __m256d zero = _mm256_setzero_pd();
  // BinOf: floor(v / 2.5) + 2 clamped to [0, 9] is its rule for every finite v.
  const __m256d bin_width = _mm256_set1_pd(2.5), two = _mm256_set1_pd(2.0),
                nine = _mm256_set1_pd(9.0);
  int32_t bins[4][kNumBins] = {};
  __m256d sum = zero;
  for (size_t i = 0; i < n; ++i) {
    const __m256d v = Load(t.xyz[i]);
    sum = _mm256_add_pd(sum, v);
    __m256d b = _mm256_add_pd(_mm256_floor_pd(_mm256_div_pd(v, bin_width)), two);
    alignas(16) int32_t bin[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(bin),
                    _mm256_cvttpd_epi32(_mm256_min_pd(_mm256_max_pd(b, zero), nine)));
    for (size_t a = 0; a < 3; ++a) ++bins[a][bin[a]];
  }
  const __m256d mean = _mm256_div_pd(sum, _mm256_set1_pd(nd));
  const __m256d sign = _mm256_set1_pd(-0.0);
  __m256d sq = zero, abs_dev = zero, raw_sq = zero, raw_cross = zero, cross = zero;
  for (size_t i = 0; i < n; ++i) {
    const __m256d v = Load(t.xyz[i]);
    const __m256d d = _mm256_sub_pd(v, mean);
    sq = _mm256_add_pd(sq, _mm256_mul_pd(d, d));
    abs_dev = _mm256_add_pd(abs_dev, _mm256_andnot_pd(sign, d));
    raw_sq = _mm256_add_pd(raw_sq, _mm256_mul_pd(v, v));
    raw_cross = _mm256_add_pd(raw_cross, _mm256_mul_pd(FirstOfPairs(v), SecondOfPairs(v)));
    cross = _mm256_add_pd(cross, _mm256_mul_pd(FirstOfPairs(d), SecondOfPairs(d)));
  }
  // Strict interior maxima: the first, the last and how many, per lane.
  __m256i first = _mm256_setzero_si256(), last = first, peaks = first;
  for (size_t i = 1; i + 1 < n; ++i) {
    const __m256d v = Load(t.xyz[i]);
    const __m256i peak =
        _mm256_castpd_si256(_mm256_and_pd(_mm256_cmp_pd(v, Load(t.xyz[i - 1]), _CMP_GT_OQ),
                                          _mm256_cmp_pd(v, Load(t.xyz[i + 1]), _CMP_GT_OQ)));
    const __m256i at = _mm256_set1_epi64x(static_cast<int64_t>(i));
    const __m256i none_yet = _mm256_cmpeq_epi64(peaks, _mm256_setzero_si256());
    first = _mm256_blendv_epi8(first, at, _mm256_and_si256(peak, none_yet));
    last = _mm256_blendv_epi8(last, at, peak);
    peaks = _mm256_sub_epi64(peaks, peak);  // a true lane is -1
  }
  alignas(32) double m[4], s[4], ad[4], rs[4], rc[4], c[4];
  alignas(32) int64_t f[4], l[4], p[4];
  _mm256_store_pd(m, mean), _mm256_store_pd(s, sq), _mm256_store_pd(ad, abs_dev);
  _mm256_store_pd(rs, raw_sq), _mm256_store_pd(rc, raw_cross), _mm256_store_pd(c, cross);
  _mm256_store_si256(reinterpret_cast<__m256i*>(f), first);
  _mm256_store_si256(reinterpret_cast<__m256i*>(l), last);
  _mm256_store_si256(reinterpret_cast<__m256i*>(p), peaks);
  const auto& ts = w.timestamp_ns;
  for (size_t a = 0; a < 3; ++a) {
    for (size_t b = 0; b < kNumBins; ++b) out[kBins + a * kNumBins + b] = bins[a][b] / nd;
    out[kAvg + a] = m[a];
    out[kAbsDev + a] = ad[a] / nd;
    out[kStdDev + a] = std::sqrt(s[a] / nd);
    out[kVar + a] = s[a] / nd;
    out[kPeak + a] =
        p[a] < 2 || ts.size() != n
            ? std::numeric_limits<double>::quiet_NaN()
            : static_cast<double>(ts[static_cast<size_t>(l[a])] - ts[static_cast<size_t>(f[a])]) /
                  static_cast<double>(p[a] - 1) / 1e6;
  }
  constexpr size_t kFirst[3] = {0, 0, 1}, kSecond[3] = {1, 2, 2};
  for (size_t q = 0; q < 3; ++q) {
    const size_t a = kFirst[q], b = kSecond[q];
    out[kCos + q] = rc[q] / (std::sqrt(rs[a]) * std::sqrt(rs[b]));
    out[kCor + q] = s[a] > 0 && s[b] > 0 ? c[q] / std::sqrt(s[a] * s[b])
                                         : std::numeric_limits<double>::quiet_NaN();
  }
  *mean_out = mean;
}

// The mean of sqrt(x^2 + y^2 + z^2), four readings at a time, summed in reading order.
SENSORLAKE_AVX2 double Resultant(const WindowValues& w) {
  const size_t n = w.x.size();
  alignas(32) double r[kFftSize];
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d x = _mm256_loadu_pd(&w.x[i]), y = _mm256_loadu_pd(&w.y[i]),
                  z = _mm256_loadu_pd(&w.z[i]);
    const __m256d sq =
        _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(x, x), _mm256_mul_pd(y, y)), _mm256_mul_pd(z, z));
    _mm256_store_pd(&r[i], _mm256_sqrt_pd(sq));
  }
  for (; i < n; ++i) r[i] = std::sqrt(w.x[i] * w.x[i] + w.y[i] * w.y[i] + w.z[i] * w.z[i]);
  double sum = 0;
  for (i = 0; i < n; ++i) sum += r[i];
  return sum / static_cast<double>(n);
}

// The mean-removed readings' power spectrum up to Nyquist: SplitFft's butterflies, with
// the three axes in the lanes.
SENSORLAKE_AVX2 void PowerSpectrum(const ThreeAxisWindow& t, __m256d mean,
                                   Lanes (&power)[kBinsToNyquist]) {
  const SplitFftTables& tables = SplitTables();
  alignas(32) Lanes re[kFftSize], im[kFftSize];
  const __m256d zero = _mm256_setzero_pd();
  for (size_t k = 0; k < kFftSize; ++k) {
    const size_t from = tables.reversed[k];
    _mm256_store_pd(re[k], from < t.n ? _mm256_sub_pd(Load(t.xyz[from]), mean) : zero);
    _mm256_store_pd(im[k], zero);
  }
  for (size_t len = 2; len <= kFftSize; len <<= 1) {
    const size_t half = len / 2;
    for (size_t i = 0; i < kFftSize; i += len) {
      for (size_t j = 0; j < half; ++j) {
        const __m256d wr = _mm256_set1_pd(tables.wr[half - 1 + j]);
        const __m256d wi = _mm256_set1_pd(tables.wi[half - 1 + j]);
        const __m256d br = Load(re[i + half + j]), bi = Load(im[i + half + j]);
        const __m256d vr = _mm256_sub_pd(_mm256_mul_pd(br, wr), _mm256_mul_pd(bi, wi));
        const __m256d vi = _mm256_add_pd(_mm256_mul_pd(br, wi), _mm256_mul_pd(bi, wr));
        const __m256d xr = Load(re[i + j]), xi = Load(im[i + j]);
        _mm256_store_pd(re[i + j], _mm256_add_pd(xr, vr));
        _mm256_store_pd(im[i + j], _mm256_add_pd(xi, vi));
        _mm256_store_pd(re[i + half + j], _mm256_sub_pd(xr, vr));
        _mm256_store_pd(im[i + half + j], _mm256_sub_pd(xi, vi));
      }
    }
  }
  for (size_t k = 0; k < kBinsToNyquist; ++k) {
    const __m256d r = Load(re[k]), i = Load(im[k]);
    _mm256_store_pd(power[k], _mm256_add_pd(_mm256_mul_pd(r, r), _mm256_mul_pd(i, i)));
  }
}

// CorrectedMfcc from the power spectrum: the same filters, bins and DCT, per lane.
SENSORLAKE_AVX2 void Mfcc(const Lanes (&power)[kBinsToNyquist], const WindowValues& w,
                          Attributes& out) {
  const MelBank& bank = MelBankFor(SamplingRate(w.timestamp_ns));
  const __m256d n = _mm256_set1_pd(static_cast<double>(w.x.size()));
  alignas(32) Lanes logs[kMelFilters];
  size_t first = 0;  // the first bin at or above the filter's low edge (edges only grow)
  for (size_t j = 0; j < static_cast<size_t>(kMelFilters); ++j) {
    const double lo = bank.edges[j], mid = bank.edges[j + 1], hi = bank.edges[j + 2];
    while (first < kBinsToNyquist && bank.freq[first] < lo) ++first;
    __m256d e = _mm256_setzero_pd();
    for (size_t k = first; k < kBinsToNyquist; ++k) {
      const double f = bank.freq[k];
      if (f > hi) break;
      const double weight = f < lo ? 0.0 : f <= mid ? (f - lo) / (mid - lo) : (hi - f) / (hi - mid);
      e = _mm256_add_pd(e, _mm256_div_pd(_mm256_mul_pd(_mm256_set1_pd(weight), Load(power[k])), n));
    }
    alignas(32) double energy[4];
    _mm256_store_pd(energy, e);
    for (size_t a = 0; a < 3; ++a) logs[j][a] = std::log(std::max(energy[a], 1e-12));
  }
  const auto& cosines = CorrectedDctCosines();
  for (size_t m = 0; m < static_cast<size_t>(kNumMfcc); ++m) {
    __m256d sum = _mm256_setzero_pd();
    for (size_t j = 0; j < static_cast<size_t>(kMelFilters); ++j) {
      sum = _mm256_add_pd(sum, _mm256_mul_pd(Load(logs[j]), _mm256_set1_pd(cosines[m][j])));
    }
    alignas(32) double c[4];
    _mm256_store_pd(c, sum);
    const double scale = std::sqrt((m == 0 ? 1.0 : 2.0) / kMelFilters);
    for (size_t a = 0; a < 3; ++a) out[kMfcc + a * kNumMfcc + m] = scale * c[a];
  }
}

SENSORLAKE_AVX2 bool Kernel(const WindowValues& w, Attributes* out) {
  ThreeAxisWindow t;
  t.n = w.x.size();
  if (t.n == 0 || t.n > kFftSize || w.y.size() != t.n || w.z.size() != t.n) return false;
  if (!Transpose(w, &t)) return false;
  __m256d mean;
  Moments(t, w, *out, &mean);
  (*out)[kResultant] = Resultant(w);
  alignas(32) Lanes power[kBinsToNyquist];
  PowerSpectrum(t, mean, power);
  Mfcc(power, w, *out);
  return true;
}

#endif  // __x86_64__

}  // namespace

bool ThreeAxisKernelRuns() {
#if defined(__x86_64__)
  return kernel_allowed && CpuRunsThreeAxisKernel();
#else
  return false;
#endif
}

bool CorrectedAttributesThreeAxes(const WindowValues& w, Attributes* out) {
#if defined(__x86_64__)
  return ThreeAxisKernelRuns() && Kernel(w, out);
#else
  (void)w, (void)out;
  return false;
#endif
}

void SetThreeAxisKernel(bool allowed) { kernel_allowed = allowed; }

}  // namespace sensorlake::features::internal
