#!/usr/bin/env bash
# The Python package end to end: builds the wheel (`make wheel`; CMake reuses build/wheel,
# so a second run only relinks), installs it into a fresh virtualenv that has nothing but
# the wheel and its pinned pyarrow, and runs tests/wheel against that interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"

bash scripts/build-wheel.sh
venv=build/wheel-venv
rm -rf "$venv"
# The interpreter .venv is made from: the wheel's cp tag matches it.
base_python="$(.venv/bin/python -c 'import sys; print(sys._base_executable)')"
"$base_python" -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check dist/sensorlake-*.whl
SENSORLAKE_WHEEL_PYTHON="$PWD/$venv/bin/python" \
SENSORLAKE_BIN="$PWD/build/$preset/src/sensorlake" \
  .venv/bin/python -m pytest -q tests/wheel
