// What the sensors feel: a small physical model of a phone in a trouser pocket and a
// watch on a wrist during each of the 18 activities. The motion of one device in one
// block is a deterministic function of time, so its accelerometer and gyroscope agree
// (the gyro is the derivative of the same orientation wobble that tilts gravity in the
// accelerometer). Amplitudes were tuned so phone magnitudes match FACTS.md's measured
// mean and standard deviation for walking, jogging, stairs and kicking.
#pragma once

#include <array>
#include <cstdint>

#include "sensorlake/wisdm/schema.h"

namespace sensorlake::generate {

inline constexpr double kGravity = 9.80665;

struct Vec3 {
  double x = 0, y = 0, z = 0;
};

struct Mat3 {
  std::array<std::array<double, 3>, 3> m{};  // rows
  Vec3 operator*(const Vec3& v) const;
  Mat3 operator*(const Mat3& o) const;
  static Mat3 Identity();
  static Mat3 RotX(double a);
  static Mat3 RotY(double a);
  static Mat3 RotZ(double a);
};

// How the limb carrying the device is held: a rotation of the limb away from upright.
enum class Posture : uint8_t { kUpright, kSeated, kArmDown, kArmMid, kArmDesk, kArmRaised };

struct MotionProfile {
  double cadence_hz;      // steps, strokes, bites: the fundamental of the motion
  double kappa;           // sharpness of the vertical pulse (0: a sine; 3+: impacts)
  double vert, fwd, lat;  // body acceleration amplitudes, m/s^2
  double noise;           // white accelerometer noise, m/s^2
  double smooth;          // slow random hand/body motion, m/s^2 (AR(1), 0.4 s)
  double mod;             // depth of the slow amplitude modulation (0..1)
  double burst_hz, burst_duty, burst_floor;   // intermittent motion (kicks, throws)
  std::array<std::array<double, 2>, 3> tilt;  // wobble angles (rad): [axis][stride, step]
  double gyro_noise;                          // rad/s
  double gyro_spread;  // lognormal sigma of the rotation amplitude between subjects
  Posture posture;
};

const MotionProfile& Profile(wisdm::Device device, int32_t activity);

// The noiseless motion of one device during one activity block.
class BlockMotion {
 public:
  // `accel_vigor` and `gyro_vigor`: the subject's standard scores (DatasetPlan).
  BlockMotion(uint64_t seed, int32_t subject, wisdm::Device device, int32_t activity,
              double accel_vigor, double gyro_vigor);
  // Specific force in the device frame (what an accelerometer reads), t in seconds since
  // the block started.
  Vec3 Accel(double t) const;
  // Angular rate in the device frame (rad/s).
  Vec3 Gyro(double t) const;
  const MotionProfile& profile() const { return *profile_; }

 private:
  double Phase(double t) const;
  double Envelope(double t) const;
  double Shape(double phase) const;

  const MotionProfile* profile_;
  double freq_;
  double amp_a_, amp_g_;
  std::array<double, 8> q_{};
  std::array<std::array<double, 2>, 3> tilt_phase_{};
  double shape_mean_ = 0, shape_inv_std_ = 1;
  Mat3 world_to_device_;
};

}  // namespace sensorlake::generate
