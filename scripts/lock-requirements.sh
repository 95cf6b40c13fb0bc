#!/usr/bin/env bash
# Regenerates the hash-locked requirements from their .in files: requirements.txt (the
# project's .venv) and bench/requirements.txt (the benchmark peers, constrained by the
# first). pip-tools runs from a throwaway virtualenv; every transitive package is pinned
# with the hashes of all its published files, so `pip install -r` runs in hash-checking mode.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools"
"$tools/bin/pip" install -q pip-tools==7.6.2
compile() {
  CUSTOM_COMPILE_COMMAND="bash scripts/lock-requirements.sh" \
    "$tools/bin/pip-compile" -q --generate-hashes --allow-unsafe --strip-extras \
    --no-emit-index-url --no-emit-find-links "$@"
}
compile -o requirements.txt requirements.in
compile -c requirements.txt -o bench/requirements.txt bench/requirements.in
