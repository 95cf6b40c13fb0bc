#!/usr/bin/env bash
# The web app's end-to-end test: a small lake (scale 0.01, `sensorlake run`), a real
# `sensorlake serve` on a free loopback port, and web/e2e/e2e.mjs driving Debian's Chromium
# headless through every page. Screenshots land in build/test-artifacts/web/.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
bin="$PWD/build/$preset/src/sensorlake"
bash scripts/build-web.sh
tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
"$bin" --quiet run --lake "$tmp/lake" --generate-scale 0.01 --work-dir "$tmp/work" >/dev/null
"$bin" serve --lake "$tmp/lake" --port 0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
server_pid=$!
for _ in $(seq 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/serve.out" || true)
  [[ -n $url ]] && break
  sleep 0.1
done
[[ -n $url ]] || { echo "sensorlake serve did not start:"; cat "$tmp/serve.err"; exit 1; }
(cd web && node e2e/e2e.mjs "$url" "$PWD/../build/test-artifacts/web")
# SIGTERM stops the server with exit 0 (under PRESET=asan also: no sanitizer report).
kill -TERM "$server_pid"
rc=0; wait "$server_pid" || rc=$?
server_pid=""
if [[ $rc -ne 0 ]]; then echo "sensorlake serve exited $rc:"; cat "$tmp/serve.err"; exit 1; fi
echo "sensorlake serve stopped cleanly"
