#!/usr/bin/env bash
# The main job on the embedded default: `sensorlake run` on a local file:// lake with data
# generated at full size (cached between runs in work/generated/): ingest, transform, the
# quality gate, features, publish. A failing stage (or gate) stops with its exit code.
# Usage: scripts/run-local.sh BIN LAKE SCALE
set -euo pipefail
bin="$1"; lake="$2"; scale="$3"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${SENSORLAKE_WORK:-$root/work}"

"$bin" run --lake "file://$lake" --generate-scale "$scale" --seed 1 --work-dir "$work"
report=$(ls -t "$lake"/quality/runs/*/report.html | head -1)
record=$(ls -t "$lake"/_runs/*.json | head -1)

cat <<TXT

Done. The lake is at $lake
  raw zone:        $lake/raw/wisdm/
  curated data:    $lake/curated/published/sensor_readings/   (Parquet, hive-partitioned by device, sensor; passed the gate)
  quarantine:      $lake/curated/published/quarantine/
  quality report:  $report   (open it in a browser)
  run record:      $record
Query it, for example:
  .venv/bin/python -c "import duckdb; print(duckdb.sql(\"SELECT device, sensor, count(*) FROM read_parquet('$lake/curated/published/sensor_readings/*/*/*.parquet', hive_partitioning=true) GROUP BY ALL ORDER BY ALL\"))"
TXT
