#!/usr/bin/env bash
# The whole test suite: C++ unit and integration tests under ctest, then the pytest
# cross-checks that read sensorlake's output with independent readers (pyarrow, DuckDB).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"

echo "== clang-format (the style is enforced: run make format to fix) =="
find src include bench -name '*.h' -o -name '*.cc' | xargs clang-format --dry-run --Werror

echo "== ctest (GoogleTest) =="
ctest --preset "$preset"

echo "== pytest (cross-checks with pyarrow and DuckDB) =="
bash scripts/setup-s3-server.sh || echo "no versitygw: the s3:// lake tests will be skipped"
SENSORLAKE_BIN="$PWD/build/$preset/src/sensorlake" .venv/bin/python -m pytest -q tests/python

echo "== pytest (Airflow DAGs, in .venv-airflow) =="
bash scripts/setup-airflow.sh
SENSORLAKE_BIN="$PWD/build/$preset/src/sensorlake" .venv-airflow/bin/python -m pytest -q tests/airflow

echo "== web app end to end (sensorlake serve + Chromium via playwright-core) =="
bash scripts/test-web.sh "$preset"

echo "== sanitizers and fuzzing =="
bash scripts/test-sanitizers.sh

echo "== Python package: wheel, clean-venv install, tests/wheel =="
bash scripts/test-wheel.sh "$preset"

echo "== pytest (the Spark job: local mode and a standalone cluster on loopback) =="
# Driver and executors run in build/spark-venv: the wheel just built and its pyarrow, as the
# EMR bootstrap installs them; pytest and pyspark come from .venv.
spark_python="$(bash scripts/spark-pkg.sh)"
SPARK_PYTHON="$spark_python" SENSORLAKE_BIN="$PWD/build/$preset/src/sensorlake" \
  .venv/bin/python -m pytest -q tests/spark
