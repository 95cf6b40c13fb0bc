#!/usr/bin/env bash
# EMR bootstrap action: installs the sensorlake engine and its Python package on every node.
#   $1  s3://<artifacts>/engine/<version>/sensorlake-linux-x86_64.tar.gz (uploaded by deploy.yml:
#       `make dist`'s tarball, the engine with every library it needs in lib/)
#   $2  the version (for the log)
#   $3  optional: the S3 prefix holding the sensorlake-*.whl files; default: the engine's
#       own prefix (s3://<artifacts>/engine/<version>/)
# The engine lands in /opt/sensorlake/{bin,lib,share} and is linked to /usr/local/bin/sensorlake
# (the Spark job's driver runs its CLI for ingest, check, features and publish). The wheel
# (manylinux_2_28, cp311) goes into python3.11, which EMR 7.1 and later ship beside the
# system's python3 (3.9, for which pyarrow publishes no wheels); the EMR step names the same
# interpreter as spark.pyspark.python, so that every executor can `import sensorlake`
# (docs/spark.md).
set -euo pipefail
artifact="$1"
version="$2"
wheels="${3:-${artifact%/*}/}"
dest=/opt/sensorlake
python=${SENSORLAKE_PYTHON:-python3.11}
if ! command -v "$python" >/dev/null 2>&1; then
  echo "install-sensorlake: $python is not on this image: the wheel is for CPython 3.11 (EMR 7.1 or later)" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

aws s3 cp --only-show-errors "$artifact" "$tmp/engine.tar.gz"
sudo mkdir -p "$dest"
sudo tar -xzf "$tmp/engine.tar.gz" -C "$dest" --strip-components=1
sudo ln -sf "$dest/bin/sensorlake" /usr/local/bin/sensorlake
# Fail the bootstrap (and so the cluster) at once if the engine cannot run on this image: the
# loader names the missing library or symbol version (docs/infrastructure.md).
/usr/local/bin/sensorlake --version
echo "sensorlake $version installed from $artifact"

# The Python package with its `tables` extra (pyiceberg with its Glue and SQL catalogs: the
# engine's check and publish commit the lake's Iceberg tables through it, docs/tables.md):
# pip picks the one wheel whose tags match this node's Python and fetches its dependencies
# (pyarrow, pyiceberg, boto3, ...) from the package index, so the nodes need PyPI through
# the NAT gateway (or pip's PIP_INDEX_URL / PIP_FIND_LINKS pointing at a wheelhouse).
mkdir -p "$tmp/wheels"
aws s3 cp --only-show-errors --recursive "$wheels" "$tmp/wheels" --exclude '*' --include 'sensorlake-*.whl'
if ! ls "$tmp"/wheels/sensorlake-*.whl >/dev/null 2>&1; then
  echo "install-sensorlake: no sensorlake-*.whl under $wheels: the Spark job cannot run" >&2
  exit 1
fi
# Pinned to the wheels' version, so that no other "sensorlake" on the index can win.
wheel_version=$(basename "$(ls "$tmp"/wheels/sensorlake-*.whl | head -n 1)" | cut -d- -f2)
sudo "$python" -m pip install --quiet --find-links "$tmp/wheels" --only-binary :all: "sensorlake[tables]==$wheel_version"
# Fail here, not in the first Spark task or the first publish, if the package or its Iceberg
# library does not load on this node.
"$python" -c 'import sensorlake, sys; print("sensorlake package", getattr(sensorlake, "__version__", "?"), "for Python", sys.version.split()[0])'
"$python" -c 'import pyiceberg.catalog.glue, pyiceberg.catalog.sql; import pyiceberg; print("pyiceberg", pyiceberg.__version__)'
