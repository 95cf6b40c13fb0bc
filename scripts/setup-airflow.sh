#!/usr/bin/env bash
# Idempotent set-up of .venv-airflow, the Airflow test environment, from
# dags/requirements-test.txt locked by dags/constraints-test.txt. Separate from .venv:
# Airflow's pins conflict with the project's. A second run finds the hash stamp
# unchanged and returns at once.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-airflow
stamp=$venv/.requirements.sha256
req_hash=$(cat dags/requirements-test.txt dags/constraints-test.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$req_hash" ]; then
  echo "setup-airflow: creating $venv and installing dags/requirements-test.txt"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q -r dags/requirements-test.txt -c dags/constraints-test.txt
  echo "$req_hash" > "$stamp"
fi
