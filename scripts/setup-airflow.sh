#!/usr/bin/env bash
# Idempotent set-up of an Airflow test environment for the DAGs in dags/.
#
#   bash scripts/setup-airflow.sh [airflow3|airflow2]     (default: airflow3)
#   bash scripts/setup-airflow.sh --venv NAME             prints the environment's venv path
#
#   airflow3  .venv-airflow   Airflow 3.3.2   dags/requirements-test.txt
#                                             locked by dags/constraints-test.txt
#   airflow2  .venv-airflow2  Airflow 2.10.3  dags/requirements-test-airflow2.txt
#             (what infra/terraform/modules/mwaa deploys)
#                                             locked by dags/constraints-test-airflow2.txt
#
# Each lock is a full pip freeze of a working install. Separate from .venv: Airflow's pins
# conflict with the project's. A second run finds the hash stamp unchanged and returns at
# once. The venv also records its environment name and requirements file
# (.sensorlake-airflow-env), which tests/airflow reads to check it runs the Airflow it names.
set -euo pipefail
cd "$(dirname "$0")/.."

env_paths() {
  case "$1" in
    airflow3) venv=.venv-airflow req=dags/requirements-test.txt lock=dags/constraints-test.txt ;;
    airflow2)
      venv=.venv-airflow2 req=dags/requirements-test-airflow2.txt
      lock=dags/constraints-test-airflow2.txt
      ;;
    *)
      echo "setup-airflow: unknown environment '$1' (airflow3 or airflow2)" >&2
      exit 2
      ;;
  esac
}

if [ "${1:-}" = "--venv" ]; then
  env_paths "${2:?--venv needs an environment name}"
  echo "$venv"
  exit 0
fi

name=${1:-airflow3}
env_paths "$name"
stamp=$venv/.requirements.sha256
req_hash=$(cat "$req" "$lock" | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$req_hash" ]; then
  echo "setup-airflow: creating $venv ($name) and installing $req"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q -r "$req" -c "$lock"
  echo "$req_hash" > "$stamp"
fi
printf '%s %s\n' "$name" "$req" > "$venv/.sensorlake-airflow-env"
