#!/usr/bin/env bash
# Makes sure a Go toolchain that can build the S3 test server (versitygw, built by
# scripts/setup-s3-server.sh) is on this machine, and prints the path of its `go`.
# Any Go >= 1.21 will do: from that version on, Go fetches the exact toolchain a module's
# go.mod asks for (versitygw v1.8.0 wants go 1.25.0) as a module through the Go module proxy
# (GOTOOLCHAIN). Debian 12's own golang-go is 1.19, so where no Go >= 1.21 is found this
# installs golang-1.23-go from Debian's bookworm-backports (pinned low by apt, so nothing
# else is upgraded from there). Idempotent; progress goes to stderr.
set -euo pipefail

usable() {  # usable GO_BINARY: true when it is Go >= 1.21
  local v
  v=$("$1" env GOVERSION 2>/dev/null) || return 1
  v=${v#go}
  local major=${v%%.*} rest=${v#*.}
  local minor=${rest%%.*}
  [[ $major -gt 1 || ( $major -eq 1 && ${minor%%[!0-9]*} -ge 21 ) ]]
}

find_go() {
  local c
  for c in "$(command -v go || true)" /usr/local/go/bin/go /usr/lib/go-1.23/bin/go; do
    if [[ -n $c && -x $c ]] && usable "$c"; then echo "$c"; return 0; fi
  done
  return 1
}

if go_bin=$(find_go); then
  echo "$go_bin"
  exit 0
fi
echo "setup-go: no Go >= 1.21 found; installing golang-1.23-go from bookworm-backports" >&2
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
list=/etc/apt/sources.list.d/sensorlake-bookworm-backports.list
if [[ ! -f $list ]]; then
  echo "deb http://deb.debian.org/debian bookworm-backports main" | $SUDO tee "$list" >/dev/null
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  -t bookworm-backports golang-1.23-go >/dev/null
go_bin=$(find_go) || { echo "setup-go: golang-1.23-go installed but no usable go found" >&2; exit 1; }
echo "$go_bin"
