#!/usr/bin/env bash
# The whole test suite (`make test`): clang-format, the C++ tests under ctest, the Python
# suites (tests/e2e: the CLI end to end, cross-checked with independent readers such as pyarrow
# and DuckDB, against a real S3 server too; tests/reliability; tests/ml; tests/infra), the DAG
# under both Airflow versions, the web app in Chromium, ASan+UBSan, fuzzing, the wheel in a
# clean venv, and the Spark job. Every suite runs even when an earlier one failed; each writes
# JUnit XML to build/test-results/, and the run ends with a summary (scripts/test-summary.py):
# passed, failed and skipped per suite, every skipped and failed test by name, the opt-outs.
#
# Nothing is skipped because a component is missing: such a test fails, naming it. The only
# way to skip is the loud opt-out SENSORLAKE_TEST_OPT_OUT=<component,...> (docs/testing.md),
# which the summary prints; CI never sets it.
set -uo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
export SENSORLAKE_BIN="$PWD/build/$preset/src/sensorlake"
# The suites run without an Iceberg catalog: each commit starts pyiceberg (about 1.5 s), which
# hundreds of runs would add to CI. The tables' own tests (tests/e2e/test_tables.py), `make
# run` (tests/e2e/test_make_run.py) and the web app's run name their catalog or unset this.
export SENSORLAKE_CATALOG=none
results="$PWD/build/test-results"
rm -rf "$results"
mkdir -p "$results"

opted_out() { [[ ",${SENSORLAKE_TEST_OPT_OUT:-}," == *",$1,"* ]]; }

# run_suite NAME COMMAND...: one suite, recorded whatever its outcome.
run_suite() {
  local name=$1 start=$SECONDS rc=0
  shift
  echo "== $name =="
  "$@" || rc=$?
  python3 scripts/test-summary.py record "$results" "$name" "$rc" "$((SECONDS - start))"
}

clang_format() {
  find src include bench -name '*.h' -o -name '*.cc' | xargs clang-format --dry-run --Werror
}

s3_server() {
  # The S3 tests need versitygw; without it they fail by name (tests/support/s3_server.py).
  if opted_out s3-server; then echo "s3-server opted out"; return 0; fi
  bash scripts/setup-s3-server.sh
}

spark() {
  # Driver and executors run in build/spark-venv: the wheel just built and its pyarrow, as the
  # EMR bootstrap installs them; pytest and pyspark come from .venv.
  local spark_python
  spark_python="$(bash scripts/spark-pkg.sh)" || return 1
  SPARK_PYTHON="$spark_python" .venv/bin/python -m pytest -q tests/spark \
    --junitxml="$results/spark.xml"
}

run_suite clang-format clang_format
run_suite ctest ctest --preset "$preset" --output-junit "$results/ctest.xml"
run_suite s3-server s3_server
# The Python suites, one JUnit file each (pyproject.toml puts tests/support on their path).
for suite in e2e reliability ml infra; do
  run_suite "$suite" .venv/bin/python -m pytest -q "tests/$suite" --junitxml="$results/$suite.xml"
done
run_suite airflow bash scripts/test-airflow.sh
run_suite web-e2e env -u SENSORLAKE_CATALOG bash scripts/test-web.sh "$preset"
if opted_out sanitizers; then
  echo "== sanitizers opted out =="
else
  # Under PRESET=asan the ctest suite above already ran instrumented: not twice.
  [[ $preset == asan ]] || run_suite asan bash scripts/test-sanitizers.sh "$results"
  run_suite fuzz env FUZZ_SECONDS="${FUZZ_SECONDS:-20}" bash scripts/fuzz.sh
fi
# The portable artifacts (make dist: packaging only, the objects ctest tested) and their checks.
dist() {
  bash scripts/dist/make-dist.sh "build/$preset" &&
    .venv/bin/python -m pytest -q tests/dist --junitxml="$results/dist.xml"
}
run_suite dist dist
run_suite wheel env PYTEST_ADDOPTS="--junitxml=$results/wheel.xml" bash scripts/test-wheel.sh "$preset"
run_suite spark spark

python3 scripts/test-summary.py summarize "$results"
