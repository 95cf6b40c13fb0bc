#!/usr/bin/env bash
# The sensorlake package for the Spark job's tests and benchmark: the wheel (dist/, built by
# `make wheel` if there is none) unpacked into build/spark-pkg, which callers put on
# PYTHONPATH for the driver and the executors (docs/spark.md). Prints that folder.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! ls dist/sensorlake-*.whl >/dev/null 2>&1; then
  bash scripts/build-wheel.sh >&2
fi
rm -rf build/spark-pkg
.venv/bin/pip install -q --disable-pip-version-check --no-deps --target build/spark-pkg dist/sensorlake-*.whl >&2
echo "$PWD/build/spark-pkg"
