#!/usr/bin/env bash
# The main job on the embedded default: a local file:// lake, data generated at full size
# (cached between runs), ingested into the raw zone, transformed into curated Parquet and
# checked by the quality gate (a failing gate stops here with exit code 1).
# Usage: scripts/run-local.sh BIN LAKE SCALE
set -euo pipefail
bin="$1"; lake="$2"; scale="$3"
root="$(cd "$(dirname "$0")/.." && pwd)"
gen="${SENSORLAKE_WORK:-$root/work}/generated/scale-$scale-seed-1"

if [ ! -f "$gen/generate.json" ]; then
  rm -rf "$gen"
  "$bin" generate --out "$gen" --scale "$scale" --seed 1
else
  echo "generate: reusing $gen (delete it to regenerate)"
fi
"$bin" ingest --source "$gen" --lake "file://$lake"
"$bin" transform --lake "file://$lake"
"$bin" check --lake "file://$lake"
report=$(ls -t "$lake"/quality/runs/*/report.html | head -1)

cat <<TXT

Done. The lake is at $lake
  raw zone:        $lake/raw/wisdm/
  curated data:    $lake/curated/sensor_readings/   (Parquet, hive-partitioned by device, sensor)
  quarantine:      $lake/curated/quarantine/
  run manifest:    $lake/curated/current/_manifest.json
  quality report:  $report   (open it in a browser)
Query it, for example:
  .venv/bin/python -c "import duckdb; print(duckdb.sql(\"SELECT device, sensor, count(*) FROM read_parquet('$lake/curated/sensor_readings/*/*/*.parquet', hive_partitioning=true) GROUP BY ALL ORDER BY ALL\"))"
TXT
