#!/usr/bin/env bash
# The web app's end-to-end test: a small lake (scale 0.01, `sensorlake run`), a real
# `sensorlake serve` on a free loopback port, and web/e2e/e2e.mjs driving Debian's Chromium
# headless through every page. Screenshots land in build/test-artifacts/web/, the JUnit
# report (one testcase per check) in build/test-results/web-e2e.xml. What the pages must
# show is computed here from the lake with independent readers (pyarrow, DuckDB) and the
# rules file, not copied from an earlier run.
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
# Then a run recorded stage by stage as the Airflow DAG records it (each task one command,
# the DAG run's id and orchestrator in the environment: dags/sensorlake_dag/engine.py), on
# other data so that every stage does work; the newest run, first on the Runs page.
"$bin" --quiet generate --out "$tmp/dag-source" --scale 0.01 --seed 2 >/dev/null
(
  export SENSORLAKE_RUN_ID=r-29990101T000000000Z-5e1f0a2b
  export SENSORLAKE_ORCHESTRATOR='{"name":"airflow","dag_id":"sensorlake_wisdm","run_id":"manual__web_e2e"}'
  "$bin" --quiet ingest --source "$tmp/dag-source" --lake "$tmp/lake" >/dev/null
  for stage in transform check features; do "$bin" --quiet "$stage" --lake "$tmp/lake" >/dev/null; done
  "$bin" --quiet publish --lake "$tmp/lake" >/dev/null
)
"$bin" serve --lake "$tmp/lake" --port 0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
server_pid=$!
for _ in $(seq 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/serve.out" || true)
  [[ -n $url ]] && break
  sleep 0.1
done
[[ -n $url ]] || { echo "sensorlake serve did not start:"; cat "$tmp/serve.err"; exit 1; }
# The expected values, from the published Parquet the pages read.
.venv/bin/python - "$tmp/lake" "$PWD/config/quality.toml" >"$tmp/expected.json" <<'PY'
import json, pathlib, sys, tomllib

import duckdb
import pyarrow.parquet as pq

lake, rules_file = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
readings = lake / "curated" / "published" / "sensor_readings"
glob = f"'{readings}/*/*/*.parquet'"
con = duckdb.connect()
by_folder = con.sql(f"SELECT device, sensor, count(*) FROM read_parquet({glob}, "
                    "hive_partitioning=true) GROUP BY ALL ORDER BY device, sensor").fetchall()
watch_gyro_subjects = con.sql(
    f"SELECT count(DISTINCT subject) FROM read_parquet({glob}, hive_partitioning=true) "
    "WHERE device = 'watch' AND sensor = 'gyro'").fetchall()[0][0]

# The signal of one cell: the server reads the part that holds the subject (one file per raw
# file) and skips the row groups whose subject statistics exclude it (docs/web.md).
device, sensor, subject, activity = "phone", "accel", 1605, "B"


def row_groups_that_may_hold(meta):
    col = meta.schema.to_arrow_schema().get_field_index("subject")
    return sum(1 for rg in range(meta.num_row_groups)
               if (st := meta.row_group(rg).column(col).statistics) is None
               or not st.has_min_max or st.min <= subject <= st.max)


parts = sorted((readings / f"device={device}" / f"sensor={sensor}").glob("*.parquet"))
holding = [p for p in parts if row_groups_that_may_hold(pq.ParquetFile(p).metadata) > 0]
assert len(holding) == 1, holding
meta = pq.ParquetFile(holding[0]).metadata
may_hold = row_groups_that_may_hold(meta)
table = pq.read_table(holding[0], columns=["subject", "activity"],
                      filters=[("subject", "=", subject)])
signal_rows = sum(1 for a in table.column("activity").to_pylist() if a == activity)

# sampling_rate (config/quality.toml, docs/quality.md): a block of 2 or more readings fails
# when (rows - 1) / duration is outside [min_hz, max_hz]; result.json lists the first 200.
rule = next(r for r in tomllib.loads(rules_file.read_text())["rule"]
            if r["check"] == "sampling_rate")
failing = con.sql(f"""
    SELECT count(*) FROM (
      SELECT count(*) AS n, min(timestamp_ns) AS t0, max(timestamp_ns) AS t1
      FROM read_parquet({glob}, hive_partitioning=true)
      GROUP BY device, sensor, subject, activity, block)
    WHERE n >= 2 AND NOT (CASE WHEN t1 > t0 THEN (n - 1) * 1e9 / (t1 - t0) ELSE 0 END
                          BETWEEN {rule["min_hz"]} AND {rule["max_hz"]})""").fetchall()[0][0]

json.dump({
    "readings_total": sum(n for _, _, n in by_folder),
    "readings_by_folder": [[d, s, n] for d, s, n in by_folder],
    "watch_gyro_subjects": watch_gyro_subjects,
    "signal": {"device": device, "sensor": sensor, "subject": subject, "activity": activity,
               "rows": signal_rows, "row_groups_read": may_hold,
               "row_groups_total": meta.num_row_groups},
    "flags_truncated": {"check": "sampling_rate", "failing": failing, "listed": min(failing, 200)},
}, sys.stdout)
PY
echo "expected (pyarrow/DuckDB over the lake): $(cat "$tmp/expected.json")"
mkdir -p build/test-results
SENSORLAKE_JUNIT="$PWD/build/test-results/web-e2e.xml" \
  bash -c 'cd web && node e2e/e2e.mjs "$1" "$2" "$3"' _ "$url" "$PWD/build/test-artifacts/web" "$tmp/expected.json"
# SIGTERM stops the server with exit 0 (under PRESET=asan also: no sanitizer report).
kill -TERM "$server_pid"
rc=0; wait "$server_pid" || rc=$?
server_pid=""
if [[ $rc -ne 0 ]]; then echo "sensorlake serve exited $rc:"; cat "$tmp/serve.err"; exit 1; fi
echo "sensorlake serve stopped cleanly"
