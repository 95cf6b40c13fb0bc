#!/usr/bin/env bash
# Idempotent set-up of the benchmark's Python peers into the project's .venv (created by
# scripts/setup.sh, which `make build` runs first). A second run returns at once.
# PySpark needs a JDK 17+: the machine's /usr/bin/java (Debian 12 openjdk-17).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh

stamp=.venv/.bench-requirements.sha256
req_hash=$(cat requirements.txt bench/requirements.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$req_hash" ]; then
  echo "bench setup: installing bench/requirements.txt into .venv"
  .venv/bin/pip install -q --require-hashes -r requirements.txt -r bench/requirements.txt
  echo "$req_hash" > "$stamp"
fi

# PySpark 4 needs Java 17+. Debian 12 ships it as openjdk-17-jre-headless.
if ! command -v java >/dev/null 2>&1; then
  echo "bench setup: installing openjdk-17-jre-headless for PySpark"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
         $SUDO apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null; }; then
    echo "bench setup: could not install Java: the PySpark peer will be skipped" >&2
  fi
fi
