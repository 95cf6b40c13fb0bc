#!/usr/bin/env bash
# Builds the web app's front end into web/dist (served by `sensorlake serve`): npm ci when
# package-lock.json changed, vite build when a source changed; otherwise nothing.
set -euo pipefail
cd "$(dirname "$0")/../web"
stamp=node_modules/.package-lock.json
if [[ ! -f $stamp || package-lock.json -nt $stamp ]]; then
  echo "web: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
newest=$(find src index.html vite.config.ts tsconfig.json package-lock.json -type f -newer dist/index.html 2>/dev/null | head -1 || true)
if [[ -f dist/index.html && -z $newest ]]; then
  exit 0
fi
echo "web: vite build"
npm run --silent build
