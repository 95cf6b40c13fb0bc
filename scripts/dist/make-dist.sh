#!/usr/bin/env bash
# `make dist` (docs/infrastructure.md, "Portable artifacts"): packages what the release build
# made and `make test` tested, compiling nothing:
#   dist/sensorlake-<version>-linux-x86_64.tar.gz   bin/sensorlake, lib/ (every library it
#       needs beyond manylinux_2_28's system list, RUNPATH $ORIGIN), share/sensorlake/web
#   dist/sensorlake-<version>-cp311-cp311-manylinux_2_28_x86_64.whl   repaired by auditwheel
#       (pyarrow's Arrow libraries excluded: the module loads the pinned pyarrow's)
# and checks every ELF in both against manylinux_2_28 (scripts/dist/portable.py check).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/release}
py=.venv/bin/python
if [ ! -x "$build/src/sensorlake" ] || [ ! -d "$build/lib" ]; then
  echo "make-dist: no portable build in $build (make build)" >&2
  exit 1
fi
if ! grep -q "SENSORLAKE_PORTABLE:BOOL=ON" "$build/CMakeCache.txt"; then
  echo "make-dist: $build is not the portable build (cmake/portable/toolchain.cmake)" >&2
  exit 1
fi
if [ ! -f web/dist/index.html ]; then
  echo "make-dist: web/dist is not built (make build)" >&2
  exit 1
fi
version=$(sed -nE 's/^project\(sensorlake VERSION ([0-9.]+).*/\1/p' CMakeLists.txt)
name=sensorlake-$version-linux-x86_64
stage=build/dist-stage
rm -rf "$stage" && mkdir -p "$stage/$name/bin" "$stage/$name/share/sensorlake" dist
rm -f dist/sensorlake-*
cp "$build/src/sensorlake" "$stage/$name/bin/"
cp -rL "$build/lib" "$stage/$name/lib"
cp -r web/dist "$stage/$name/share/sensorlake/web"
tar -C "$stage" -czf "dist/$name.tar.gz" "$name"

# The wheel: packed from the same build, then repaired. auditwheel finds the bundled
# libraries through LD_LIBRARY_PATH and copies them into sensorlake.libs/.
raw=$("$py" scripts/dist/build_wheel.py "$build" "$stage/wheel")
LD_LIBRARY_PATH="$PWD/$build/lib" PATH="$PWD/.venv/bin:$PATH" "$py" -m auditwheel repair \
  --plat manylinux_2_28_x86_64 --exclude libarrow.so.2600 --exclude libparquet.so.2600 \
  --exclude libarrow_s3.so.2600 -w dist "$raw"
wheel=$(ls dist/sensorlake-*manylinux_2_28_x86_64.whl)
mkdir -p "$stage/wheel-check" && "$py" -m zipfile -e "$wheel" "$stage/wheel-check"

echo "make-dist: checking every ELF against manylinux_2_28"
report=$stage/check.txt
if ! "$py" scripts/dist/portable.py check "$stage/$name" >"$report" ||
  ! "$py" scripts/dist/portable.py check --provided libarrow.so.2600 --provided libparquet.so.2600 \
    --provided libarrow_s3.so.2600 "$stage/wheel-check" >>"$report"; then
  grep -A4 FAIL "$report" >&2
  exit 1
fi
grep '^check:' "$report"
ls -l "dist/$name.tar.gz" "$wheel"
