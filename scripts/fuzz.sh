#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan; the `fuzz` CMake preset) and runs each
# for FUZZ_SECONDS (default 30) from its seed corpus in fuzz/corpus/<target>/. The corpus in
# the repo is only read; what the fuzzer learns goes to build/fuzz/corpus/<target>/. A crash,
# a sanitizer report or a failed invariant stops the script with the reproducer saved in
# build/fuzz/artifacts/. The executions per target go to build/fuzz/fuzz-summary.json.
# FUZZ_RUNS=N runs each target for N executions instead of a time (make fuzz-long: 10 million).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-30}"
if [ -n "${FUZZ_RUNS:-}" ]; then bound=(-runs="$FUZZ_RUNS"); what="$FUZZ_RUNS executions"
else bound=(-max_total_time="$seconds"); what="${seconds}s"; fi

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
mkdir -p build/fuzz/artifacts
# The targets run side by side (one process each; the kernel shares the cores), then each
# log is checked: a crash in one does not hide the others' results.
targets=(line_parser zip_source config)
pids=()
for target in "${targets[@]}"; do
  work="build/fuzz/corpus/$target"
  mkdir -p "$work"
  echo "fuzz: $target for $what"
  build/fuzz/fuzz/fuzz_$target "${bound[@]}" -print_final_stats=1 \
    -timeout=10 -rss_limit_mb=2048 -artifact_prefix=build/fuzz/artifacts/"$target"- \
    "$work" "fuzz/corpus/$target" >"build/fuzz/$target.log" 2>&1 &
  pids+=("$!")
done
summary="{"
sep=""
failed=0
for i in "${!targets[@]}"; do
  target="${targets[$i]}"
  log="build/fuzz/$target.log"
  if ! wait "${pids[$i]}"; then
    tail -40 "$log" >&2
    echo "fuzz: $target FAILED; reproducer in build/fuzz/artifacts/ (log $log)" >&2
    failed=1
    continue
  fi
  runs=$(grep -o 'number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
  echo "fuzz: $target: $runs executions, $cov, no crash"
  summary="$summary$sep\"$target\": $runs"
  sep=", "
done
[ "$failed" = 0 ] || exit 1
if [ -n "${FUZZ_RUNS:-}" ]; then bound_json="\"runs_per_target\": $FUZZ_RUNS"
else bound_json="\"seconds_per_target\": $seconds"; fi
echo "$summary, $bound_json}" > build/fuzz/fuzz-summary.json
cat build/fuzz/fuzz-summary.json
