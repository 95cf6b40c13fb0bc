#!/usr/bin/env bash
# The C++ suite again, built with AddressSanitizer + UndefinedBehaviorSanitizer (the `asan`
# configure and build presets; any report fails the test). Part of `make test`, which also
# runs the libFuzzer targets (scripts/fuzz.sh) after it; SENSORLAKE_TEST_OPT_OUT=sanitizers
# skips both, loudly. Optional argument: a folder for the JUnit XML (asan-<part>.xml).
#
# The test binary runs as two processes side by side rather than one process per test under
# ctest: an instrumented process takes 0.15 s to start, and a fixture shared by a test suite
# (ServeTest's pipeline run) is then built once, not once per test; 149 s became 70 s. The
# slowest suite, StorageFaultsTest (about 50 s instrumented), is one process, everything else
# the other. Each test still runs in isolation under the release ctest, and `ctest --preset
# asan` remains the one-process-per-test run for a developer.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset asan >/dev/null
cmake --build --preset asan
out_dir=${1:-build/test-results}
mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)

# The sanitizer options (ASAN_OPTIONS, LSAN_OPTIONS with scripts/lsan-suppressions.txt,
# UBSAN_OPTIONS) are kept once, in the asan test preset of CMakePresets.json.
while IFS= read -r assignment; do
  export "${assignment?}"
done < <(python3 - "$PWD" <<'EOF'
import json, sys
presets = json.load(open("CMakePresets.json"))["testPresets"]
env = next(p for p in presets if p["name"] == "asan")["environment"]
for key, value in env.items():
    print(f"{key}={value.replace('${sourceDir}', sys.argv[1])}")
EOF
)

tests="$PWD/build/asan/tests/sensorlake_tests"
# run_part NAME FILTER: one process of the test binary, its JUnit XML and its output.
run_part() {
  (cd build/asan/tests && "$tests" --gtest_filter="$2" \
    --gtest_output="xml:$out_dir/asan-$1.xml") >"$out_dir/asan-$1.log" 2>&1
}
run_part storage-faults 'StorageFaultsTest.*' &
faults=$!
rc_rest=0 rc_faults=0
run_part rest '-StorageFaultsTest.*' || rc_rest=$?
wait "$faults" || rc_faults=$?
for part in storage-faults rest; do
  grep -E '^\[==========\] .* ran|^\[  PASSED  \]' "$out_dir/asan-$part.log" || true
done
# A failed part's whole output: the test's messages and any sanitizer report.
[[ $rc_faults == 0 ]] || cat "$out_dir/asan-storage-faults.log"
[[ $rc_rest == 0 ]] || cat "$out_dir/asan-rest.log"
if [[ $rc_faults != 0 || $rc_rest != 0 ]]; then
  echo "test-sanitizers: FAILED (storage-faults exit $rc_faults, rest exit $rc_rest)" >&2
  exit 1
fi
