#!/usr/bin/env bash
# The Python package end to end: the manylinux_2_28 wheel `make dist` packed from the release
# build (made here when dist/ has none), installed into a fresh virtualenv that has nothing
# but the wheel and its pinned pyarrow, and tests/wheel run against that interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"

ls dist/sensorlake-*manylinux_2_28_x86_64.whl >/dev/null 2>&1 || bash scripts/dist/make-dist.sh "build/$preset"
venv=build/wheel-venv
rm -rf "$venv"
# The interpreter .venv is made from: the wheel's cp tag matches it.
base_python="$(.venv/bin/python -c 'import sys; print(sys._base_executable)')"
"$base_python" -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check dist/sensorlake-*.whl
SENSORLAKE_WHEEL_PYTHON="$PWD/$venv/bin/python" \
SENSORLAKE_BIN="$PWD/build/$preset/src/sensorlake" \
  .venv/bin/python -m pytest -q tests/wheel
