#include "generate/signal_model.h"

#include <algorithm>
#include <cmath>

#include "generate/random.h"

namespace sensorlake::generate {
namespace {

constexpr double kTwoPi = 2.0 * M_PI;

using P = Posture;
// Abbreviations keep the tables readable: one row per activity.
constexpr std::array<std::array<double, 2>, 3> Tilt(double a0, double a1, double b0, double b1,
                                                    double c0, double c1) {
  return {{{a0, a1}, {b0, b1}, {c0, c1}}};
}
// Small, slow motion (sitting, eating, typing): a gentle sway plus smooth random motion.
constexpr MotionProfile Calm(double f, double amp, double smooth, double tilt, Posture p) {
  return {f,      0.0, amp, amp, amp * 0.8, 0.025,
          smooth, 0.4, 0,   0,   0,         Tilt(tilt, 0, tilt * 0.7, 0, tilt * 0.6, 0),
          0.007,  0.3, p};
}

// Phone in a trouser pocket. Rows A..S in code order. Walking, jogging, stairs and
// kicking were fitted to FACTS.md (accel 10.85±4.04, 12.77±7.65, 10.35±3.84, 10.50±2.98;
// gyro jogging 3.18±2.42, stairs 1.65±1.14, kicking 1.49±1.35); the rest are plausible:
// seated activities rotate the thigh (gravity moves to another axis) and barely move it.
const std::array<MotionProfile, wisdm::kNumActivities> kPhone = {{
    // cadence kappa vert fwd lat noise smooth mod burst(hz,duty,floor) tilt gyro_noise spread
    // posture
    {1.90, 2.5, 4.14, 4.63, 3.16, 0.30, 0.0, 0.25, 0, 0, 0,
     Tilt(0.454, 0.065, 0.156, 0.052, 0.104, 0.052), 0.05, 0.45, P::kUpright},  // A walking
    {2.75, 3.5, 8.33, 7.62, 5.08, 0.60, 0.0, 0.30, 0, 0, 0,
     Tilt(0.365, 0.147, 0.147, 0.098, 0.122, 0.073), 0.10, 0.50, P::kUpright},  // B jogging
    {1.55, 2.0, 3.86, 3.24, 2.43, 0.40, 0.0, 0.30, 0, 0, 0,
     Tilt(0.429, 0.071, 0.143, 0.058, 0.114, 0.043), 0.05, 0.47, P::kUpright},  // C stairs
    Calm(0.25, 0.03, 0.03, 0.006, P::kSeated),                                  // D sitting
    Calm(0.30, 0.06, 0.05, 0.012, P::kUpright),                                 // E standing
    Calm(0.30, 0.05, 0.05, 0.010, P::kSeated),                                  // F typing
    Calm(0.40, 0.12, 0.10, 0.025, P::kUpright),                                 // G teeth
    Calm(0.25, 0.08, 0.08, 0.020, P::kSeated),                                  // H soup
    Calm(0.30, 0.09, 0.08, 0.020, P::kSeated),                                  // I chips
    Calm(0.25, 0.08, 0.08, 0.020, P::kSeated),                                  // J pasta
    Calm(0.15, 0.07, 0.07, 0.020, P::kSeated),                                  // K drinking
    Calm(0.20, 0.08, 0.08, 0.020, P::kSeated),                                  // L sandwich
    {2.00, 2.0, 5.64, 7.24, 5.21, 0.40, 0.0, 0.30, 0.55, 0.55, 0.25,
     Tilt(0.597, 0.170, 0.256, 0.103, 0.170, 0.085), 0.05, 0.30, P::kUpright},  // M kicking
    {1.80, 2.0, 3.50, 4.00, 3.00, 0.30, 0.0, 0.30, 0.40, 0.45, 0.20,
     Tilt(0.400, 0.100, 0.200, 0.060, 0.150, 0.050), 0.05, 0.45, P::kUpright},  // O catch
    {1.80, 2.0, 3.50, 4.00, 2.80, 0.30, 0.0, 0.30, 0, 0, 0,
     Tilt(0.450, 0.070, 0.170, 0.050, 0.120, 0.050), 0.05, 0.50, P::kUpright},  // P dribbling
    Calm(0.30, 0.05, 0.05, 0.010, P::kSeated),                                  // Q writing
    {2.50, 3.0, 0.35, 0.30, 0.20, 0.05, 0.08, 0.30, 0, 0, 0,
     Tilt(0.020, 0.010, 0.020, 0.010, 0.010, 0.005), 0.01, 0.30, P::kUpright},  // R clapping
    Calm(0.40, 0.20, 0.15, 0.050, P::kUpright),                                 // S folding
}};

// Watch on the wrist: the hand activities move it much more than the phone.
const std::array<MotionProfile, wisdm::kNumActivities> kWatch = {{
    {1.90, 1.5, 2.50, 3.50, 2.00, 0.30, 0.0, 0.25, 0, 0, 0,
     Tilt(0.450, 0.050, 0.250, 0.050, 0.350, 0.050), 0.03, 0.35, P::kArmDown},  // A walking
    {2.75, 2.5, 6.00, 6.00, 4.00, 0.60, 0.0, 0.30, 0, 0, 0,
     Tilt(0.500, 0.150, 0.300, 0.100, 0.400, 0.100), 0.05, 0.40, P::kArmMid},  // B jogging
    {1.50, 1.5, 2.50, 2.50, 1.80, 0.35, 0.0, 0.30, 0, 0, 0,
     Tilt(0.350, 0.050, 0.200, 0.040, 0.300, 0.040), 0.03, 0.35, P::kArmDown},  // C stairs
    Calm(0.25, 0.05, 0.05, 0.015, P::kArmDesk),                                 // D sitting
    Calm(0.30, 0.06, 0.07, 0.020, P::kArmDown),                                 // E standing
    {5.00, 0.0, 0.15, 0.15, 0.10, 0.05, 0.12, 0.40, 0, 0, 0,
     Tilt(0.006, 0.003, 0.006, 0.003, 0.006, 0.003), 0.01, 0.30, P::kArmDesk},  // F typing
    {4.20, 0.5, 1.20, 3.00, 1.50, 0.20, 0.10, 0.30, 0, 0, 0,
     Tilt(0.050, 0.040, 0.030, 0.030, 0.060, 0.060), 0.02, 0.30, P::kArmRaised},  // G teeth
    {0.30, 1.0, 0.80, 1.00, 0.60, 0.05, 0.30, 0.40, 0, 0, 0,
     Tilt(0.500, 0.100, 0.300, 0.050, 0.600, 0.100), 0.01, 0.30, P::kArmDesk},  // H soup
    {0.35, 1.0, 0.80, 1.00, 0.60, 0.05, 0.30, 0.40, 0, 0, 0,
     Tilt(0.450, 0.100, 0.300, 0.050, 0.500, 0.100), 0.01, 0.30, P::kArmDesk},  // I chips
    {0.30, 1.0, 0.80, 1.00, 0.60, 0.05, 0.30, 0.40, 0, 0, 0,
     Tilt(0.500, 0.100, 0.300, 0.050, 0.600, 0.100), 0.01, 0.30, P::kArmDesk},  // J pasta
    {0.12, 1.0, 0.80, 0.80, 0.50, 0.05, 0.25, 0.40, 0, 0, 0,
     Tilt(0.800, 0.100, 0.300, 0.050, 0.500, 0.100), 0.01, 0.30, P::kArmDesk},  // K drinking
    {0.20, 1.0, 0.80, 1.00, 0.60, 0.05, 0.30, 0.40, 0, 0, 0,
     Tilt(0.500, 0.100, 0.300, 0.050, 0.500, 0.100), 0.01, 0.30, P::kArmDesk},  // L sandwich
    {2.00, 1.5, 3.00, 3.50, 2.50, 0.40, 0.0, 0.30, 0.55, 0.55, 0.30,
     Tilt(0.400, 0.100, 0.250, 0.080, 0.350, 0.080), 0.03, 0.40, P::kArmDown},  // M kicking
    {1.20, 2.0, 4.00, 5.00, 3.00, 0.40, 0.0, 0.30, 0.40, 0.50, 0.20,
     Tilt(0.600, 0.200, 0.400, 0.100, 0.500, 0.150), 0.03, 0.40, P::kArmMid},  // O catch
    {1.80, 2.5, 5.00, 4.00, 2.00, 0.40, 0.0, 0.30, 0, 0, 0,
     Tilt(0.400, 0.150, 0.250, 0.080, 0.500, 0.150), 0.03, 0.40, P::kArmMid},  // P dribbling
    {3.00, 0.0, 0.20, 0.25, 0.20, 0.05, 0.15, 0.40, 0, 0, 0,
     Tilt(0.012, 0.008, 0.012, 0.008, 0.015, 0.008), 0.01, 0.30, P::kArmDesk},  // Q writing
    {2.50, 4.0, 7.00, 5.00, 2.00, 0.40, 0.0, 0.30, 0, 0, 0,
     Tilt(0.300, 0.100, 0.200, 0.100, 0.400, 0.150), 0.03, 0.35, P::kArmRaised},  // R clapping
    {0.40, 1.0, 1.20, 1.50, 1.20, 0.10, 0.30, 0.40, 0, 0, 0,
     Tilt(0.500, 0.100, 0.400, 0.050, 0.600, 0.100), 0.02, 0.30, P::kArmMid},  // S folding
}};

// World -> limb rotation for a posture: pitch about the lateral axis, roll about the limb.
Mat3 PostureRotation(Posture p) {
  switch (p) {
    case P::kUpright:
      return Mat3::Identity();
    case P::kSeated:
      return Mat3::RotY(1.35);  // thigh horizontal: the phone lies flat
    case P::kArmDown:
      return Mat3::Identity();
    case P::kArmMid:
      return Mat3::RotY(0.9) * Mat3::RotX(-0.4);
    case P::kArmDesk:
      return Mat3::RotY(1.5) * Mat3::RotX(-1.3);  // forearm level, face up
    case P::kArmRaised:
      return Mat3::RotY(2.4) * Mat3::RotX(-0.6);
  }
  return Mat3::Identity();
}

// Limb -> device rotation: how this subject carries this device, fixed for the session.
// Phones sit upright or upside down in the pocket (gravity on +y or -y, as in the real
// files), some sideways (gravity on x); watches are on the left or the right wrist.
Mat3 Placement(uint64_t seed, int32_t subject, wisdm::Device device) {
  Rng rng(
      Key(seed, {kTagDevice, static_cast<uint64_t>(subject), static_cast<uint64_t>(device), 77}));
  double u = rng.Uniform();
  Mat3 c;
  if (device == wisdm::Device::kPhone) {
    if (u < 0.55)
      c.m = {{{0, 1, 0}, {0, 0, 1}, {1, 0, 0}}};
    else if (u < 0.9)
      c.m = {{{0, -1, 0}, {0, 0, -1}, {1, 0, 0}}};
    else
      c.m = {{{0, 0, 1}, {0, -1, 0}, {1, 0, 0}}};
  } else {
    if (u < 0.7)
      c.m = {{{0, 0, -1}, {-1, 0, 0}, {0, 1, 0}}};
    else
      c.m = {{{0, 0, -1}, {1, 0, 0}, {0, -1, 0}}};
  }
  double yaw = rng.Uniform(-0.7, 0.7);
  return c * Mat3::RotX(0.15 * rng.Normal()) * Mat3::RotY(0.15 * rng.Normal()) * Mat3::RotZ(yaw);
}

}  // namespace

Vec3 Mat3::operator*(const Vec3& v) const {
  return {m[0][0] * v.x + m[0][1] * v.y + m[0][2] * v.z,
          m[1][0] * v.x + m[1][1] * v.y + m[1][2] * v.z,
          m[2][0] * v.x + m[2][1] * v.y + m[2][2] * v.z};
}

Mat3 Mat3::operator*(const Mat3& o) const {
  Mat3 r;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      r.m[i][j] = m[i][0] * o.m[0][j] + m[i][1] * o.m[1][j] + m[i][2] * o.m[2][j];
    }
  }
  return r;
}

Mat3 Mat3::Identity() {
  Mat3 r;
  r.m = {{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};
  return r;
}

Mat3 Mat3::RotX(double a) {
  Mat3 r;
  double c = std::cos(a), s = std::sin(a);
  r.m = {{{1, 0, 0}, {0, c, -s}, {0, s, c}}};
  return r;
}

Mat3 Mat3::RotY(double a) {
  Mat3 r;
  double c = std::cos(a), s = std::sin(a);
  r.m = {{{c, 0, s}, {0, 1, 0}, {-s, 0, c}}};
  return r;
}

Mat3 Mat3::RotZ(double a) {
  Mat3 r;
  double c = std::cos(a), s = std::sin(a);
  r.m = {{{c, -s, 0}, {s, c, 0}, {0, 0, 1}}};
  return r;
}

const MotionProfile& Profile(wisdm::Device device, int32_t activity) {
  return device == wisdm::Device::kPhone ? kPhone[activity] : kWatch[activity];
}

BlockMotion::BlockMotion(uint64_t seed, int32_t subject, wisdm::Device device, int32_t activity,
                         double accel_vigor, double gyro_vigor)
    : profile_(&Profile(device, activity)) {
  Rng rng(Key(seed, {kTagBlock, static_cast<uint64_t>(subject), static_cast<uint64_t>(device),
                     static_cast<uint64_t>(activity)}));
  const MotionProfile& p = *profile_;
  freq_ = p.cadence_hz * (1.0 + 0.08 * rng.Uniform(-1, 1));
  // People differ, consistently over activities: accel amplitude a little, rotation a lot
  // (real phone gyro means for jogging range from 1.3 to 5.0 rad/s between subjects, and
  // a subject low in jogging is low in stairs and kicking too).
  amp_a_ = std::clamp(std::exp(0.18 * accel_vigor + 0.05 * rng.Normal()), 0.6, 1.7);
  double gs = p.gyro_spread;
  amp_g_ = std::clamp(std::exp(gs * gyro_vigor - gs * gs / 2 + 0.1 * rng.Normal()), 0.2, 3.5);
  for (double& q : q_) q = rng.Uniform(0, kTwoPi);
  for (auto& axis : tilt_phase_) {
    for (double& q : axis) q = rng.Uniform(0, kTwoPi);
  }
  if (p.kappa >= 0.05) {
    // Moments of exp(k (cos phi - 1)) over a uniform phase: e^-k I0(k), e^-2k I0(2k).
    double mean = std::exp(-p.kappa) * std::cyl_bessel_i(0.0, p.kappa);
    double second = std::exp(-2 * p.kappa) * std::cyl_bessel_i(0.0, 2 * p.kappa);
    shape_mean_ = mean;
    shape_inv_std_ = 1.0 / std::sqrt(std::max(1e-12, second - mean * mean));
  }
  // The device shifts a little in the pocket or on the wrist between activities.
  Mat3 shift = Mat3::RotX(0.08 * rng.Normal()) * Mat3::RotY(0.08 * rng.Normal());
  world_to_device_ = Placement(seed, subject, device) * shift * PostureRotation(p.posture);
}

double BlockMotion::Phase(double t) const {
  // Cadence wanders a little: nobody walks like a metronome.
  return kTwoPi * freq_ * t + 0.8 * std::sin(kTwoPi * 0.03 * t + q_[0]);
}

double BlockMotion::Envelope(double t) const {
  const MotionProfile& p = *profile_;
  double env = 1.0 + p.mod * (0.6 * std::sin(kTwoPi * 0.07 * t + q_[1]) +
                              0.4 * std::sin(kTwoPi * 0.19 * t + q_[2]));
  env = std::max(0.15, env);
  if (p.burst_hz > 0) {
    double cycle = p.burst_hz * t + q_[3] / kTwoPi;
    double frac = cycle - std::floor(cycle);
    double w = 0;
    if (frac < p.burst_duty) {
      double s = std::sin(M_PI * frac / p.burst_duty);
      w = s * s;
    }
    env *= p.burst_floor + (1 - p.burst_floor) * w;
  }
  return env;
}

// The vertical pulse: zero mean, unit variance; sharp peaks (foot strikes) for large kappa.
double BlockMotion::Shape(double phase) const {
  if (profile_->kappa < 0.05) return M_SQRT2 * std::sin(phase);
  return (std::exp(profile_->kappa * (std::cos(phase) - 1.0)) - shape_mean_) * shape_inv_std_;
}

Vec3 BlockMotion::Accel(double t) const {
  const MotionProfile& p = *profile_;
  double ph = Phase(t);
  double env = Envelope(t);
  double e = env * amp_a_;
  Vec3 world{e * p.fwd * (std::sin(ph + q_[4]) + 0.3 * std::sin(2 * ph + q_[5])),
             e * p.lat * std::sin(0.5 * ph + q_[6]), kGravity + e * p.vert * Shape(ph)};
  Vec3 v = world_to_device_ * world;
  // The same wobble whose rate the gyroscope reads tilts gravity in the accelerometer.
  double eg = env * amp_g_;
  double th[3];
  for (int k = 0; k < 3; ++k) {
    th[k] = eg * (p.tilt[k][0] * std::sin(0.5 * ph + tilt_phase_[k][0]) +
                  p.tilt[k][1] * std::sin(ph + tilt_phase_[k][1]));
  }
  Mat3 wobble = Mat3::RotX(th[0]) * Mat3::RotY(th[1]) * Mat3::RotZ(th[2]);
  // Rotate by the transpose (inverse) of the wobble.
  const auto& m = wobble.m;
  return {m[0][0] * v.x + m[1][0] * v.y + m[2][0] * v.z,
          m[0][1] * v.x + m[1][1] * v.y + m[2][1] * v.z,
          m[0][2] * v.x + m[1][2] * v.y + m[2][2] * v.z};
}

Vec3 BlockMotion::Gyro(double t) const {
  const MotionProfile& p = *profile_;
  double ph = Phase(t);
  double eg = Envelope(t) * amp_g_;
  double w = kTwoPi * freq_;
  double r[3];
  for (int k = 0; k < 3; ++k) {
    r[k] = eg * (p.tilt[k][0] * 0.5 * w * std::cos(0.5 * ph + tilt_phase_[k][0]) +
                 p.tilt[k][1] * w * std::cos(ph + tilt_phase_[k][1]));
  }
  return {r[0], r[1], r[2]};
}

}  // namespace sensorlake::generate
