// The corrected attributes of a window with its three axes side by side in the lanes of
// AVX2 vectors (x, y, z, unused). Each lane does the scalar path's operations in the
// scalar path's order, so every attribute is the same double; the gain is that the axes'
// dependent sums, divisions and FFT butterflies run as one instruction instead of three.
#pragma once

#include "sensorlake/features/window_features.h"

namespace sensorlake::features::internal {

// Computes every attribute of `w` in corrected mode into `out` and returns true, or returns
// false without touching `out` when the kernel does not take the window: a CPU without
// AVX2, the kernel switched off, more readings than the FFT frame, or a reading that is not
// finite or so large that a power could overflow (the scalar path's rules for those apply).
bool CorrectedAttributesThreeAxes(const WindowValues& w, Attributes* out);

// Tests only: whether the kernel may run (the default), so that a test can compare it with
// the scalar path on the same machine.
void SetThreeAxisKernel(bool allowed);

// Whether the kernel runs on this machine (AVX2) and is allowed.
bool ThreeAxisKernelRuns();

}  // namespace sensorlake::features::internal
