#!/usr/bin/env bash
# The S3-compatible server the s3:// lake tests run against: versitygw (Versity S3
# Gateway, Apache-2.0) with its posix backend, built from source through the Go module
# proxy into .tools/ (gitignored). Idempotent: nothing happens when the pinned version is
# already there. Go comes from scripts/setup-go.sh (any Go >= 1.21; the go 1.25 toolchain
# versitygw asks for is fetched through the module proxy). A cold build (empty Go caches,
# modules downloaded) took 65 s on an idle 2-core machine, 240 s on a busy one. Exits
# non-zero when it cannot build: the S3 tests then fail, naming this script.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="v1.8.0"
dest="$PWD/.tools/versitygw-$VERSION"
bin="$dest/versitygw"
if [[ -x "$bin" ]]; then
  echo "versitygw $VERSION: $bin"
  exit 0
fi
go_bin=$(bash scripts/setup-go.sh) || {
  echo "setup-s3-server: no Go toolchain: versitygw (the S3 test server) cannot be built" >&2
  exit 1
}
mkdir -p "$dest"
start=$(date +%s)
# Debian's Go sets GOTOOLCHAIN=local in its go.env: allow the switch to the go.mod's version.
GOTOOLCHAIN=auto GOBIN="$dest" "$go_bin" install "github.com/versity/versitygw/cmd/versitygw@$VERSION"
echo "versitygw $VERSION built in $(( $(date +%s) - start )) s: $bin"
