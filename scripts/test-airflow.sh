#!/usr/bin/env bash
# The DAG tests (tests/airflow) under each Airflow the project supports:
#   airflow2  Airflow 2.10.3, the version infra/terraform/modules/mwaa deploys
#   airflow3  Airflow 3.3.2
# Each environment is set up first (scripts/setup-airflow.sh: a no-op when it is current).
# JUnit XML goes to build/test-results/airflow-<name>.xml. SENSORLAKE_BIN is taken from the
# environment (unset: tests/airflow/conftest.py uses build/release/src/sensorlake).
# Fails if any environment's set-up or tests fail; all of them run either way. The
# environments run side by side, each with its own venv, AIRFLOW_HOME, emulator port and
# pytest folder (build/pytest-airflow-<name>): pip's downloads and Airflow's DAG parsing
# leave a core idle often enough. Each writes build/test-results/airflow-<name>.log,
# printed in turn when both are done.
#
#   bash scripts/test-airflow.sh [NAME...]     (default: airflow2 airflow3)
set -uo pipefail
cd "$(dirname "$0")/.."

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(airflow2 airflow3)
mkdir -p build/test-results

# test_env NAME: one environment's set-up and tests; exit 99 when the set-up failed.
test_env() {
  local name=$1 venv
  echo "== pytest tests/airflow ($name) =="
  bash scripts/setup-airflow.sh "$name" || return 99
  venv=$(bash scripts/setup-airflow.sh --venv "$name")
  "$venv/bin/python" -m pytest -q tests/airflow -p no:cacheprovider \
    --basetemp="build/pytest-airflow-$name" \
    --junitxml="build/test-results/airflow-$name.xml"
}

pids=()
for name in "${names[@]}"; do
  test_env "$name" >"build/test-results/airflow-$name.log" 2>&1 &
  pids+=($!)
done
failed=()
for i in "${!names[@]}"; do
  rc=0
  wait "${pids[$i]}" || rc=$?
  cat "build/test-results/airflow-${names[$i]}.log"
  case $rc in
    0) ;;
    99) failed+=("${names[$i]} (set-up)") ;;
    *) failed+=("${names[$i]}") ;;
  esac
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "test-airflow: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "test-airflow: passed under ${names[*]}"
