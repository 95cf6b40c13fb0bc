#!/usr/bin/env bash
# Builds dist/sensorlake-<version>-<tag>.whl with the pinned build tools of .venv
# (no build isolation: CMake's build dir build/wheel and ccache stay valid between runs;
# `pip wheel . -w dist/` with isolation works too, from scratch).
set -euo pipefail
cd "$(dirname "$0")/.."
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
  export CMAKE_ARGS="${CMAKE_ARGS:-} -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache"
fi
rm -f dist/sensorlake-*.whl
echo "building the wheel (first build compiles the engine: a few minutes on 2 cores)"
.venv/bin/pip wheel . -w dist/ --no-build-isolation --no-deps -q --disable-pip-version-check
ls -l dist/sensorlake-*.whl
