#!/usr/bin/env bash
# The Python that the Spark job's driver and executors run in the tests and the benchmark:
# build/spark-venv, a virtualenv holding the sensorlake wheel (dist/, packed by `make dist`
# if there is none) with its `tables` extra (pyiceberg: the driver's check and publish commit
# the Iceberg tables with this interpreter), as the EMR bootstrap installs it on the nodes;
# the versions the wheel leaves open are requirements.txt's.
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
# What the venv was made from: the wheel, the extra and the pins.
want="$(sha256sum "$wheel" requirements.txt | cut -d' ' -f1 | tr '\n' ' ')[tables]"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  rm -rf "$venv"
  # pip takes no hashes in a constraints file: the pins without them.
  constraints=$(mktemp)
  trap 'rm -f "$constraints"' EXIT
  sed -nE 's/^([A-Za-z0-9_.-]+==[^ ]+).*/\1/p' requirements.txt >"$constraints"
  # The interpreter .venv is made from: the wheel's cp tag matches it.
  "$(.venv/bin/python -c 'import sys; print(sys._base_executable)')" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -c "$constraints" "$wheel[tables]" >&2
  echo "$want" > "$stamp"
fi
echo "$PWD/$venv/bin/python"
