#!/usr/bin/env bash
# The DAG tests (tests/airflow) under each Airflow the project supports, in turn:
#   airflow2  Airflow 2.10.3, the version infra/terraform/modules/mwaa deploys
#   airflow3  Airflow 3.3.2
# Each environment is set up first (scripts/setup-airflow.sh: a no-op when it is current).
# JUnit XML goes to build/test-results/airflow-<name>.xml. SENSORLAKE_BIN is taken from the
# environment (unset: tests/airflow/conftest.py uses build/release/src/sensorlake).
# Fails if any environment's set-up or tests fail; all of them run either way.
#
#   bash scripts/test-airflow.sh [NAME...]     (default: airflow2 airflow3)
set -uo pipefail
cd "$(dirname "$0")/.."

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(airflow2 airflow3)
mkdir -p build/test-results

failed=()
for name in "${names[@]}"; do
  echo "== pytest tests/airflow ($name) =="
  if ! bash scripts/setup-airflow.sh "$name"; then
    failed+=("$name (set-up)")
    continue
  fi
  venv=$(bash scripts/setup-airflow.sh --venv "$name")
  if ! "$venv/bin/python" -m pytest -q tests/airflow \
    --junitxml="build/test-results/airflow-$name.xml"; then
    failed+=("$name")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "test-airflow: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "test-airflow: passed under ${names[*]}"
