#!/usr/bin/env bash
# The C++ suite again, built with AddressSanitizer + UndefinedBehaviorSanitizer (the `asan`
# preset; any report fails the test), then every libFuzzer target for FUZZ_SECONDS each
# (scripts/fuzz.sh). Part of `make test`; SANITIZERS=0 skips it on a laptop in a hurry.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SANITIZERS:-1}" = "0" ]; then
  echo "sanitizers: skipped (SANITIZERS=0)"
  exit 0
fi
echo "== ctest under ASan + UBSan (preset asan) =="
cmake --preset asan >/dev/null
cmake --build --preset asan
# Arrow (from the pyarrow wheel) is not instrumented: its one-time global allocations are
# not ours to fix, so leak reports are limited to what sensorlake allocates.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan-suppressions.txt:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir build/asan -j2 --output-on-failure

echo "== libFuzzer targets (${FUZZ_SECONDS:-20}s each) =="
FUZZ_SECONDS="${FUZZ_SECONDS:-20}" bash scripts/fuzz.sh
