#!/usr/bin/env bash
# The S3-compatible server the s3:// lake tests run against: versitygw (Versity S3
# Gateway, Apache-2.0) with its posix backend, built from source through the Go module
# proxy into .tools/ (gitignored). Idempotent: nothing happens when the pinned version is
# already there. Needs Go >= 1.24 (go on PATH or /usr/local/go/bin/go). A cold build (empty Go
# caches, modules downloaded) took 65 s on an idle 2-core machine, 240 s on a busy one.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="v1.8.0"
dest="$PWD/.tools/versitygw-$VERSION"
bin="$dest/versitygw"
if [[ -x "$bin" ]]; then
  echo "versitygw $VERSION: $bin"
  exit 0
fi
go_bin="$(command -v go || true)"
[[ -z "$go_bin" && -x /usr/local/go/bin/go ]] && go_bin=/usr/local/go/bin/go
if [[ -z "$go_bin" ]]; then
  echo "setup-s3-server: Go is needed to build versitygw (the s3:// lake tests skip without it)" >&2
  exit 1
fi
mkdir -p "$dest"
start=$(date +%s)
GOBIN="$dest" "$go_bin" install "github.com/versity/versitygw/cmd/versitygw@$VERSION"
echo "versitygw $VERSION built in $(( $(date +%s) - start )) s: $bin"
