#!/usr/bin/env bash
# The C++ suite again, built with AddressSanitizer + UndefinedBehaviorSanitizer (the `asan`
# configure, build and test presets; any report fails the test). Part of `make test`, which
# also runs the libFuzzer targets (scripts/fuzz.sh) after it; SENSORLAKE_TEST_OPT_OUT=sanitizers
# skips both, loudly. Optional argument: where to write ctest's JUnit XML.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset asan >/dev/null
cmake --build --preset asan
# The sanitizer options (ASAN_OPTIONS, LSAN_OPTIONS with scripts/lsan-suppressions.txt,
# UBSAN_OPTIONS) live in the asan test preset, so `ctest --preset asan` alone is the same run.
ctest --preset asan ${1:+--output-junit "$1"}
