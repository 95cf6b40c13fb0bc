#!/usr/bin/env bash
# EMR bootstrap action: installs the sensorlake engine on every node.
#   $1  s3://<artifacts>/engine/<version>/sensorlake-linux-x86_64.tar.gz (uploaded by deploy.yml)
#   $2  the version (for the log)
# The engine lands in /opt/sensorlake/bin and is linked to /usr/local/bin/sensorlake.
set -euo pipefail
artifact="$1"
version="$2"
dest=/opt/sensorlake
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

aws s3 cp --only-show-errors "$artifact" "$tmp/engine.tar.gz"
sudo mkdir -p "$dest"
sudo tar -xzf "$tmp/engine.tar.gz" -C "$dest"
sudo ln -sf "$dest/bin/sensorlake" /usr/local/bin/sensorlake
# Fail the bootstrap (and so the cluster) at once if the build cannot run on this image,
# e.g. a glibc newer than Amazon Linux's (docs/infrastructure.md).
/usr/local/bin/sensorlake --version
echo "sensorlake $version installed from $artifact"
