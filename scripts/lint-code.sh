#!/usr/bin/env bash
# Static checks of the code (make lint): clang-tidy over every C++ source with the checks
# in .clang-tidy (warnings are errors), then flake8 over every Python file (.flake8).
# The release build compiles unity batches of 16 sources (CMakePresets.json), so its
# compilation database names the batches; clang-tidy reads build/lint's instead: the release
# preset configured (not built) with one entry per source.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release -B build/lint -DCMAKE_UNITY_BUILD=OFF >/dev/null

echo "== clang-tidy =="
jobs="${LINT_JOBS:-$(nproc)}"
# run-clang-tidy takes regexes: the engine, its tests and the CLI (src/), and the Python
# module (python/bindings/, built by the release preset). The fuzz targets build only in the
# fuzz preset (clang), so they are not in this compilation database.
run-clang-tidy -p build/lint -quiet -j "$jobs" "$PWD/(src|python/bindings)/.*\\.cc\$" \
  >build/clang-tidy.log 2>&1 ||
  { grep -E "(warning|error):" build/clang-tidy.log | sort -u >&2; echo "clang-tidy: FAILED" >&2; exit 1; }
checked=$(grep -c '^clang-tidy' build/clang-tidy.log 2>/dev/null || true)
# A database without the sources (a unity build's) would check nothing and pass.
[ "$checked" -ge 100 ] || { echo "clang-tidy: only $checked files checked" >&2; exit 1; }
echo "clang-tidy: $checked files, no findings"

echo "== flake8 =="
[ -x .venv/bin/flake8 ] || .venv/bin/pip install -q -r requirements.txt
.venv/bin/flake8 .
echo "flake8: clean"
