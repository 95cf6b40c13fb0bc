#!/usr/bin/env bash
# The Python that the Spark job's driver and executors run in the tests and the benchmark:
# build/spark-venv, a virtualenv holding the sensorlake wheel (dist/, packed by `make dist`
# if there is none) and its pinned pyarrow, as the EMR bootstrap installs it on the nodes.
# PySpark itself is not needed there: spark-submit puts its own pyspark.zip and py4j on the
# driver's and the executors' PYTHONPATH. Prints the interpreter's path (docs/spark.md).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! ls dist/sensorlake-*.whl >/dev/null 2>&1; then
  bash scripts/dist/make-dist.sh >&2
fi
venv=build/spark-venv
wheel=$(ls -t dist/sensorlake-*.whl | head -n 1)
stamp="$venv/.wheel.sha256"
want=$(sha256sum "$wheel" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  rm -rf "$venv"
  # The interpreter .venv is made from: the wheel's cp tag matches it.
  "$(.venv/bin/python -c 'import sys; print(sys._base_executable)')" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "$wheel" >&2
  echo "$want" > "$stamp"
fi
echo "$PWD/$venv/bin/python"
