"""Five analyst queries, run by DuckDB over two copies of the same data: sensorlake's
curated output and DuckDB's own output of the transform benchmark.

Time: median of `runs` timed executions after one untimed warm-up, profiling off.
Bytes read: one more execution with DuckDB's JSON profiler on; DuckDB 2.0 reports
`io.total_bytes_read` (bytes its file system layer read from the Parquet files) and
`row_groups_scanned` / `total_row_groups_to_scan` per scan. Local files are not held in
DuckDB's external file cache (`cache_local_files` is false by default), so every run reads
the files again (from the OS page cache: the numbers are warm-cache numbers).
"""
import json
import pathlib
import statistics
import tempfile
import time

import duckdb

QUERIES = {
    "q1_activity_magnitude": (
        "mean magnitude per device, sensor and activity (full scan of x, y, z)",
        """SELECT device, sensor, activity, avg(sqrt(x*x + y*y + z*z)) AS mean_mag
           FROM r GROUP BY ALL ORDER BY ALL"""),
    "q2_subject_activity_range": (
        "one subject and activity over a 60 s range (phone accel): pruning by statistics",
        """SELECT count(*) AS n, avg(x) AS ax, avg(y) AS ay, avg(z) AS az
           FROM r WHERE device = 'phone' AND sensor = 'accel' AND subject = {subject}
             AND activity = 'B' AND timestamp_ns BETWEEN {t0} AND {t1}"""),
    "q3_counts_subject_activity": (
        "row counts per subject x activity (all partitions)",
        """SELECT subject, activity, count(*) AS n FROM r GROUP BY ALL ORDER BY ALL"""),
    "q4_quantiles_sensor": (
        "5/50/95% quantiles of the magnitude per device and sensor",
        """SELECT device, sensor,
                  quantile_cont(sqrt(x*x + y*y + z*z), [0.05, 0.5, 0.95]) AS q
           FROM r GROUP BY ALL ORDER BY ALL"""),
    "q5_asof_join_accel_gyro": (
        "one subject's watch accel joined to its gyro on the nearest earlier timestamp (ASOF)",
        """WITH a AS (SELECT activity, timestamp_ns, sqrt(x*x + y*y + z*z) AS am FROM r
                      WHERE device = 'watch' AND sensor = 'accel' AND subject = {subject}),
                g AS (SELECT activity, timestamp_ns, sqrt(x*x + y*y + z*z) AS gm FROM r
                      WHERE device = 'watch' AND sensor = 'gyro' AND subject = {subject})
           SELECT a.activity, count(*) AS n, avg(am) AS am, avg(gm) AS gm
           FROM a ASOF JOIN g ON a.activity = g.activity AND a.timestamp_ns >= g.timestamp_ns
           GROUP BY ALL ORDER BY ALL"""),
}


def _connect(root, threads):
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    glob = f"{pathlib.Path(root).resolve()}/device=*/sensor=*/*.parquet"
    con.execute(f"CREATE VIEW r AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true)")
    return con


def parameters(root, threads):
    """A subject in the middle of the data and a 60 s range inside its phone accel 'B'."""
    con = _connect(root, threads)
    subjects = [s for (s,) in con.execute(
        "SELECT DISTINCT subject FROM r WHERE device = 'watch' ORDER BY 1").fetchall()] or \
        [s for (s,) in con.execute("SELECT DISTINCT subject FROM r ORDER BY 1").fetchall()]
    subject = subjects[len(subjects) // 2]
    row = con.execute(
        f"""SELECT min(timestamp_ns) FROM r WHERE device = 'phone'
            AND sensor = 'accel' AND subject = {subject} AND activity = 'B'""").fetchone()
    t0 = (row[0] or 0) + 30 * 10**9
    return {"subject": subject, "t0": t0, "t1": t0 + 60 * 10**9}


def _profile(con, sql):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        con.execute("PRAGMA enable_profiling = 'json'")
        con.execute(f"PRAGMA profiling_output = '{f.name}'")
        con.execute(sql).fetchall()
        con.execute("PRAGMA disable_profiling")
        prof = json.loads(pathlib.Path(f.name).read_text())
    q = prof.get("query", {})
    return {"bytes_read": prof.get("io", {}).get("total_bytes_read"),
            "bytes_scanned": q.get("total_bytes_scanned"),
            "row_groups_scanned": q.get("total_row_groups_scanned"),
            "row_groups_total": q.get("total_row_groups_to_scan")}


def run(outputs, threads, runs, params):
    """outputs: {label: root}. Returns {query: {label: {...}}} and whether answers agree."""
    results, answers = {}, {}
    for name, (_, sql_t) in QUERIES.items():
        sql = sql_t.format(**params)
        results[name] = {}
        for label, root in outputs.items():
            con = _connect(root, threads)
            answer = con.execute(sql).fetchall()  # warm-up
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                con.execute(sql).fetchall()
                times.append(time.perf_counter() - t)
            entry = {"median_s": statistics.median(times), "times_s": times}
            entry.update(_profile(con, sql))
            results[name][label] = entry
            answers.setdefault(name, {})[label] = _rounded(answer)
            con.close()
    agree = {name: len({json.dumps(a, default=str) for a in by.values()}) == 1
             for name, by in answers.items()}
    return results, agree


def _rounded(rows):
    def r(v):
        if isinstance(v, float):
            return float(f"{v:.6g}")
        if isinstance(v, list):
            return [r(x) for x in v]
        return v
    return [[r(v) for v in row] for row in rows]
