#!/usr/bin/env bash
# One-time, idempotent set-up of a fresh Debian 12 machine: system packages from
# scripts/apt-packages.txt, a Go toolchain for the S3 test server (scripts/setup-go.sh) and a
# project virtualenv (.venv) from requirements.txt, the hash lock of requirements.in.
# A second run finds everything in place and returns in about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

want_pkgs=$(grep -v '^\s*#' scripts/apt-packages.txt | grep -v '^\s*$' | tr '\n' ' ')
missing=""
for p in $want_pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing Debian packages:$missing"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# npm ships inside NodeSource's nodejs; only Debian's own nodejs needs the npm package.
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing npm (Debian)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

bash scripts/setup-go.sh >/dev/null

stamp=.venv/.requirements.sha256
req_hash=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$req_hash" ]; then
  echo "setup: creating .venv and installing requirements.txt"
  python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  # Hash-checking mode: every package, transitive ones included, is pinned with its hashes.
  .venv/bin/pip install -q --require-hashes -r requirements.txt
  echo "$req_hash" > "$stamp"
fi
