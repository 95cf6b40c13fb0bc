#include "sensorlake/features/window_features.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <complex>
#include <limits>
#include <numbers>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "features/attribute_tables.h"
#include "features/corrected_avx2.h"
#include "sensorlake/common/float_chars.h"
#include "sensorlake/wisdm/float_text.h"

namespace sensorlake::features {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kBinWidth = 2.5;

using Spectrum = std::array<std::complex<double>, kFftSize>;

// Radix-2 FFT in Aquila's order of operations (bit reversal, then the stages with twiddle
// factors built by repeated multiplication), so compat doubles stay close to the original.
void Fft(Spectrum& a) {
  const auto& twiddles = FftTwiddles();
  const size_t n = a.size();
  for (size_t i = 1, j = 0; i < n; ++i) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    const std::complex<double>* w = &twiddles[len / 2 - 1];
    for (size_t i = 0; i < n; i += len) {
      for (size_t j = 0; j < len / 2; ++j) {
        std::complex<double> u = a[i + j], v = a[i + j + len / 2] * w[j];
        a[i + j] = u + v;
        a[i + j + len / 2] = u - v;
      }
    }
  }
}

// The same FFT on separate real and imaginary arrays: every butterfly does std::complex's
// multiplications, subtraction and additions in the same order, so each double is the
// same, in loops the compiler vectorizes. std::complex's product takes a slow path only
// when both parts come out NaN; a NaN never disappears in later stages, so a spectrum
// without NaN never took it. Returns false when the spectrum holds a NaN.
bool SplitFft(std::span<const double> v, double offset, Spectrum* out) {
  const SplitFftTables& t = SplitTables();
  alignas(32) std::array<double, kFftSize> re{}, im{};
  for (size_t i = 0; i < kFftSize; ++i) {
    const size_t from = t.reversed[i];
    re[i] = from < v.size() ? v[from] - offset : 0.0;
  }
  for (size_t len = 2; len <= kFftSize; len <<= 1) {
    const size_t half = len / 2;
    const double* wr = &t.wr[half - 1];
    const double* wi = &t.wi[half - 1];
    for (size_t i = 0; i < kFftSize; i += len) {
      double* ur = &re[i];
      double* ui = &im[i];
      double* br = &re[i + half];
      double* bi = &im[i + half];
      for (size_t j = 0; j < half; ++j) {
        const double vr = br[j] * wr[j] - bi[j] * wi[j];
        const double vi = br[j] * wi[j] + bi[j] * wr[j];
        const double xr = ur[j], xi = ui[j];
        ur[j] = xr + vr;
        ui[j] = xi + vi;
        br[j] = xr - vr;
        bi[j] = xi - vi;
      }
    }
  }
  bool nan = false;
  for (size_t k = 0; k < kFftSize; ++k) {
    nan |= std::isnan(re[k]) || std::isnan(im[k]);
    (*out)[k] = {re[k], im[k]};
  }
  return !nan;
}

Spectrum PaddedSpectrum(std::span<const double> v, double offset) {
  Spectrum s;
  if (SplitFft(v, offset, &s)) return s;
  s = {};
  for (size_t i = 0; i < v.size() && i < kFftSize; ++i) s[i] = v[i] - offset;
  Fft(s);
  return s;
}

// Fixed 2.5-wide bins (the README's min-max bins are not what the tool does): bin 0 below
// -2.5 (and NaN), bin 9 from 17.5, left edges included.
int32_t BinOf(double v) {
  double q = v / kBinWidth;
  if (std::isnan(q) || q < -1) return 0;
  if (q > 7) return 9;
  // floor(q) for q in [-1, 7], without a libm call: truncation, one down for negatives.
  auto t = static_cast<int32_t>(q);
  return (static_cast<double>(t) > q ? t - 1 : t) + 2;
}

// arffmagic's "time between peaks": strict local maxima, index n-2 never tested, the last
// gap left out, 10 x samples as the unit. Fewer than two peaks crash the original: NaN.
double ArffmagicPeak(std::span<const double> v) {
  const size_t n = v.size();
  std::vector<size_t> peaks;
  if (v[0] > v[1]) peaks.push_back(0);
  for (size_t i = 1; i + 3 <= n; ++i) {
    if (v[i] > v[i - 1] && v[i] > v[i + 1]) peaks.push_back(i);
  }
  if (v[n - 1] > v[n - 2]) peaks.push_back(n - 1);
  if (peaks.size() < 2) return kNaN;
  int64_t sum = 0;
  for (size_t j = 0; j + 2 < peaks.size(); ++j) {
    sum += static_cast<int64_t>(peaks[j + 1] - peaks[j]);
  }
  return static_cast<double>(sum) / static_cast<double>(peaks.size() - 2) * 10.0;
}

// Corrected: mean interval between consecutive interior strict maxima, in milliseconds of
// the device clock.
double CorrectedPeak(std::span<const double> v, std::span<const int64_t> ts) {
  size_t first = 0, last = 0, peaks = 0;  // all the mean needs: no list of peaks
  for (size_t i = 1; i + 1 < v.size(); ++i) {
    // Branch-free: whether a reading is a peak is as good as random to the CPU.
    const bool peak = static_cast<int>(v[i] > v[i - 1]) & static_cast<int>(v[i] > v[i + 1]);
    first = peak && peaks == 0 ? i : first;
    last = peak ? i : last;
    peaks += peak ? 1 : 0;
  }
  if (peaks < 2 || ts.size() != v.size()) return kNaN;
  double span_ns = static_cast<double>(ts[last] - ts[first]);
  return span_ns / static_cast<double>(peaks - 1) / 1e6;
}

// The DCT's cosines, cos(f(m, j)) for the 13 coefficients and `Filters` filters: computed
// once with the very expression the loop had, so every double is the same.
template <int32_t Filters, typename F>
std::array<std::array<double, Filters>, kNumMfcc> CosineTable(F f) {
  std::array<std::array<double, Filters>, kNumMfcc> t{};
  for (int32_t m = 0; m < static_cast<int32_t>(kNumMfcc); ++m) {
    for (int32_t j = 0; j < Filters; ++j) {
      t[static_cast<size_t>(m)][static_cast<size_t>(j)] = f(m, j);
    }
  }
  return t;
}

// arffmagic's MFCC (section 4.7 of the spec): one 256-point frame, magnitudes, a 20 Hz rate
// with integer bin frequencies, 48 filters of which only the first ever sees energy, and
// single-precision constants where the original had them.
void ArffmagicMfcc(std::span<const double> v, double* out) {
  Spectrum s = PaddedSpectrum(v, 0.0);
  constexpr int32_t kFilters = 48;
  const double c1 = static_cast<double>(200.0f / 3.0f);
  double energy = 0;
  for (size_t k = 0; k + 1 < kFftSize; ++k) {
    auto f = static_cast<uint32_t>(20 * k / kFftSize);  // unsigned integer division
    double w = (static_cast<double>(f) - 0.0) / (c1 - 0.0) * 0.015;
    energy += std::fabs(std::abs(s[k]) * w);
  }
  std::array<double, kFilters> logs{};
  logs[0] = energy > 0 ? std::log(energy) : 0.0;  // filters 2..48 stay at 0, not -inf
  const double a0 = std::sqrt(static_cast<double>(1.0f / 48.0f));
  const double am = std::sqrt(static_cast<double>(2.0f / 48.0f));
  static const auto kCos = CosineTable<kFilters>([](int32_t m, int32_t l) {
    return std::cos(((m * std::numbers::pi) / kFilters) * (l + 1 - 0.5));
  });
  for (size_t m = 0; m < static_cast<size_t>(kNumMfcc); ++m) {
    double sum = 0;
    for (size_t l = 0; l < kFilters; ++l) sum += logs[l] * kCos[m][l];
    out[m] = (m == 0 ? a0 : am) * sum;
  }
}

// Corrected MFCC: mean removed, power spectrum up to Nyquist at the real sampling rate,
// 20 triangular mel filters spanning 0..fs/2, log energies, orthonormal DCT-II.
// `mean`: the axis's mean, computed by the caller (its sum in reading order, over n).
void CorrectedMfcc(std::span<const double> v, double mean, std::span<const int64_t> ts,
                   double* out) {
  constexpr int32_t kFilters = kMelFilters;
  Spectrum s = PaddedSpectrum(v, mean);
  const MelBank& bank = MelBankFor(SamplingRate(ts));
  std::array<double, kBinsToNyquist> power{};
  bool finite = true;
  for (size_t k = 0; k < kBinsToNyquist; ++k) {
    power[k] = std::norm(s[k]);
    finite = finite && std::isfinite(power[k]);
  }
  std::array<double, kFilters> logs{};
  size_t first = 0;  // the first bin at or above the filter's low edge (edges only grow)
  for (int32_t j = 0; j < kFilters; ++j) {
    double lo = bank.edges[static_cast<size_t>(j)], mid = bank.edges[static_cast<size_t>(j) + 1],
           hi = bank.edges[static_cast<size_t>(j) + 2], e = 0;
    // A bin outside the filter adds 0 * power = +0.0, which changes no sum: only the bins
    // in [lo, hi] are visited, unless a power is infinite (0 * inf is NaN, which must stay).
    while (finite && first < kBinsToNyquist && bank.freq[first] < lo) ++first;
    for (size_t k = finite ? first : 0; k < kBinsToNyquist; ++k) {
      double f = bank.freq[k];
      if (finite && f > hi) break;
      double w = f < lo || f > hi ? 0.0 : f <= mid ? (f - lo) / (mid - lo) : (hi - f) / (hi - mid);
      e += w * power[k] / static_cast<double>(v.size());
    }
    logs[static_cast<size_t>(j)] = std::log(std::max(e, 1e-12));
  }
  const auto& cosines = CorrectedDctCosines();
  for (size_t m = 0; m < static_cast<size_t>(kNumMfcc); ++m) {
    double sum = 0;
    for (size_t j = 0; j < kFilters; ++j) sum += logs[j] * cosines[m][j];
    out[m] = std::sqrt((m == 0 ? 1.0 : 2.0) / kFilters) * sum;
  }
}

double Cosine(std::span<const double> a, std::span<const double> b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / (std::sqrt(aa) * std::sqrt(bb));
}

// GSL's gsl_stats_correlation: one-pass Welford in long double (x87 80-bit on the x86-64
// machine that made the published files, and here), roots taken in double.
double ArffmagicCorrelation(std::span<const double> a, std::span<const double> b) {
  long double sxx = 0, syy = 0, sxy = 0, mx = a[0], my = b[0];
  for (size_t i = 1; i < a.size(); ++i) {
    long double ratio = static_cast<double>(i) / (static_cast<double>(i) + 1.0);
    long double dx = a[i] - mx, dy = b[i] - my;
    sxx += dx * dx * ratio;
    syy += dy * dy * ratio;
    sxy += dx * dy * ratio;
    mx += dx / (static_cast<double>(i) + 1.0);
    my += dy / (static_cast<double>(i) + 1.0);
  }
  return static_cast<double>(
      sxy / (std::sqrt(static_cast<double>(sxx)) * std::sqrt(static_cast<double>(syy))));
}

// `ma` and `mb`: the means of a and b.
double Pearson(std::span<const double> a, double ma, std::span<const double> b, double mb) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) * (a[i] - ma);
    bb += (b[i] - mb) * (b[i] - mb);
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : kNaN;
}

void AxisAttributes(std::span<const double> v, std::span<const int64_t> ts, size_t axis,
                    FeatureMode mode, Attributes& out) {
  const double n = static_cast<double>(v.size());
  std::array<int32_t, kNumBins> bins{};
  double sum = 0;
  for (double x : v) {  // one pass: bins and the sum, as the original does
    ++bins[static_cast<size_t>(BinOf(x))];
    sum += x;
  }
  const double mean = sum / n;
  double sq = 0, abs_dev = 0;
  for (double x : v) {
    sq += (x - mean) * (x - mean);
    abs_dev += std::fabs(x - mean);
  }
  for (size_t b = 0; b < kNumBins; ++b) out[kBins + axis * kNumBins + b] = bins[b] / n;
  out[kAvg + axis] = mean;
  out[kAbsDev + axis] = abs_dev / n;
  double* mfcc = &out[kMfcc + axis * kNumMfcc];
  if (mode == FeatureMode::kArffmagic) {
    out[kPeak + axis] = ArffmagicPeak(v);
    out[kStdDev + axis] = std::sqrt(sq) / n;            // sigma / sqrt(n)
    out[kVar + axis] = std::sqrt(out[kStdDev + axis]);  // not a variance
    ArffmagicMfcc(v, mfcc);
  } else {
    out[kPeak + axis] = CorrectedPeak(v, ts);
    out[kStdDev + axis] = std::sqrt(sq / n);
    out[kVar + axis] = sq / n;
    CorrectedMfcc(v, mean, ts, mfcc);
  }
}

}  // namespace

std::string_view FeatureModeName(FeatureMode mode) {
  return mode == FeatureMode::kArffmagic ? "arffmagic" : "corrected";
}

const std::array<std::string, kNumAttributes>& AttributeNames() {
  static const auto names = [] {
    std::array<std::string, kNumAttributes> n;
    const char* axes[] = {"X", "Y", "Z"};
    for (size_t a = 0; a < 3; ++a) {
      for (size_t b = 0; b < kNumBins; ++b)
        n[kBins + a * kNumBins + b] = fmt::format("{}{}", axes[a], b);
      n[kAvg + a] = fmt::format("{}AVG", axes[a]);
      n[kPeak + a] = fmt::format("{}PEAK", axes[a]);
      n[kAbsDev + a] = fmt::format("{}ABSOLDEV", axes[a]);
      n[kStdDev + a] = fmt::format("{}STANDDEV", axes[a]);
      n[kVar + a] = fmt::format("{}VAR", axes[a]);
      for (size_t m = 0; m < kNumMfcc; ++m)
        n[kMfcc + a * kNumMfcc + m] = fmt::format("{}MFCC{}", axes[a], m);
    }
    const char* pairs[] = {"XY", "XZ", "YZ"};
    for (size_t p = 0; p < 3; ++p) {
      n[kCos + p] = fmt::format("{}COS", pairs[p]);
      n[kCor + p] = fmt::format("{}COR", pairs[p]);
    }
    n[kResultant] = "RESULTANT";
    return n;
  }();
  return names;
}

Attributes ComputeAttributes(const WindowValues& w, FeatureMode mode) {
  Attributes out{};
  if (mode == FeatureMode::kCorrected && internal::CorrectedAttributesThreeAxes(w, &out)) {
    return out;
  }
  const std::array<std::span<const double>, 3> axes = {w.x, w.y, w.z};
  for (size_t a = 0; a < 3; ++a) AxisAttributes(axes[a], w.timestamp_ns, a, mode, out);
  constexpr std::array<std::array<size_t, 2>, 3> kPairs = {{{0, 1}, {0, 2}, {1, 2}}};
  for (size_t p = 0; p < 3; ++p) {
    auto a = axes[kPairs[p][0]], b = axes[kPairs[p][1]];
    out[kCos + p] = Cosine(a, b);
    out[kCor + p] = mode == FeatureMode::kArffmagic
                        ? ArffmagicCorrelation(a, b)
                        : Pearson(a, out[kAvg + kPairs[p][0]], b, out[kAvg + kPairs[p][1]]);
  }
  double resultant = 0;
  for (size_t i = 0; i < w.x.size(); ++i) {
    resultant += std::sqrt(w.x[i] * w.x[i] + w.y[i] * w.y[i] + w.z[i] * w.z[i]);
  }
  out[kResultant] = resultant / static_cast<double>(w.x.size());
  return out;
}

namespace {

// A non-negative decimal as integer digits times a power of ten, trailing zeros removed.
struct ScaledDecimal {
  std::string digits;
  int32_t exponent = 0;  // of the last digit
};

ScaledDecimal Normalized(std::string digits, int32_t exponent) {
  size_t lead = digits.find_first_not_of('0');
  digits = lead == std::string::npos ? "0" : digits.substr(lead);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back(), ++exponent;
  return {digits, exponent};
}

// Java's text without its sign: "3.6601562", "7.4768066E-4", "1.0E7".
ScaledDecimal OfJavaText(std::string_view text) {
  size_t e = text.find('E');
  int32_t exponent = 0;
  if (e != std::string_view::npos) {
    std::from_chars(text.data() + e + 1, text.data() + text.size(), exponent);
    text = text.substr(0, e);
  }
  size_t dot = text.find('.');
  std::string digits(text.substr(0, dot));
  if (dot != std::string_view::npos) {
    digits += text.substr(dot + 1);
    exponent -= static_cast<int32_t>(text.size() - dot - 1);
  }
  return Normalized(digits, exponent);
}

// Every digit of a float's binary value (a float32 has at most 112 significant digits).
ScaledDecimal Exact(float a) {
  constexpr int32_t kPrecision = 160;
  char buf[kPrecision + 16];
  auto res = ScientificToChars(buf, buf + sizeof(buf), static_cast<double>(a), kPrecision);
  std::string_view text(buf, static_cast<size_t>(res.ptr - buf));
  size_t e = text.find('e');
  int32_t exponent = 0;
  std::from_chars(text.data() + e + (text[e + 1] == '+' ? 2 : 1), text.data() + text.size(),
                  exponent);
  std::string digits = std::string(text.substr(0, 1)) + std::string(text.substr(2, e - 2));
  return Normalized(digits, exponent - kPrecision);
}

}  // namespace

// The dataset's raw files were written on the phones and watches by Android's
// Float.toString, which settles a tie (the float's value exactly halfway between the two
// closest decimals of the shortest length) by rounding up in magnitude: 3.6601563 for the
// float 3.66015625. FormatJavaFloat follows the JDK 19+ rule, the closer even digit
// (3.6601562), as FACTS.md's example shows (0.13476563 on Android, 0.13476562 on the
// desktop). arffmagic read the Android text: so does this.
double ArffmagicValue(float v) {
  char text[wisdm::kMaxFloatTextLength];
  size_t len = wisdm::FormatJavaFloat(v, text);
  double d = 0;
  FloatFromChars(text, text + len, &d);  // Java's text always parses; NaN/inf never reach here
  if (!std::isfinite(v) || v == 0.0f) return d;
  const size_t sign = std::signbit(v) ? 1 : 0;
  ScaledDecimal shortest = OfJavaText(std::string_view(text + sign, len - sign));
  ScaledDecimal exact = Exact(std::fabs(v));
  if (exact.exponent != shortest.exponent - 1 || exact.digits.back() != '5' ||
      exact.digits.size() > 18 || shortest.digits.size() > 18) {
    return d;  // not a tie: every writer gives the same text
  }
  uint64_t down = 0, written = 0;
  std::from_chars(exact.digits.data(), exact.digits.data() + exact.digits.size() - 1, down);
  std::from_chars(shortest.digits.data(), shortest.digits.data() + shortest.digits.size(), written);
  if (written != down) return d;  // already rounded up
  std::string up = fmt::format("{}{}e{}", sign ? "-" : "", down + 1, shortest.exponent);
  FloatFromChars(up.data(), up.data() + up.size(), &d);
  return d;
}

}  // namespace sensorlake::features
