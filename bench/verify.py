"""Checks that an engine's output honours the benchmark's output contract, so that the
timings compare the same work:
  - hive layout device=*/sensor=*/ with Parquet files, ZSTD compressed;
  - typed columns: subject int16, timestamp_ns int64, x/y/z float32, activity a string
    (or a dictionary of strings);
  - rows sorted by subject, activity, timestamp_ns inside every file;
  - row count, and a content fingerprint: per (device, sensor), count and an exact,
    order-independent sum of a hash of (subject, activity, timestamp_ns, x, y, z), so two
    engines that parsed any value differently (a float rounded otherwise, a ';' kept)
    disagree.
"""
import pathlib

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

WANT_TYPES = {"subject": pa.int16(), "timestamp_ns": pa.int64(), "x": pa.float32(),
              "y": pa.float32(), "z": pa.float32()}


def parquet_files(root):
    return sorted(p for p in pathlib.Path(root).rglob("*.parquet")
                  if not any(part.startswith((".", "_")) for part in p.relative_to(root).parts))


def output_bytes(root):
    return sum(p.stat().st_size for p in parquet_files(root))


def row_count(root):
    return sum(pq.ParquetFile(p).metadata.num_rows for p in parquet_files(root))


def _sorted_problems(path):
    t = pq.read_table(path, columns=["subject", "activity", "timestamp_ns"])
    if t.num_rows < 2:
        return []
    act = t["activity"].combine_chunks()
    if pa.types.is_dictionary(act.type):
        act = act.cast(act.type.value_type)
    uniq = pc.unique(act).sort()
    rank = pc.index_in(act, value_set=uniq).to_numpy(zero_copy_only=False).astype(np.int64)
    subj = t["subject"].to_numpy().astype(np.int64)
    ts = t["timestamp_ns"].to_numpy()
    key = subj * 64 + rank
    dk = np.diff(key)
    bad = (dk < 0) | ((dk == 0) & (np.diff(ts) < 0))
    n = int(bad.sum())
    return [f"{path}: {n} rows out of (subject, activity, timestamp_ns) order"] if n else []


def check(root, *, check_sort=True):
    """Returns (summary dict, list of problems)."""
    root = pathlib.Path(root).resolve()
    files = parquet_files(root)
    problems = []
    if not files:
        return {"files": 0, "rows": 0, "bytes": 0}, [f"{root}: no Parquet files"]
    for f in files:
        rel = f.relative_to(root).parts
        if len(rel) != 3 or not rel[0].startswith("device=") or not rel[1].startswith("sensor="):
            problems.append(f"{f}: not in device=*/sensor=*/")
        pf = pq.ParquetFile(f)
        schema = pf.schema_arrow
        for col, want in WANT_TYPES.items():
            if col not in schema.names:
                problems.append(f"{f}: no column {col}")
            elif schema.field(col).type != want:
                problems.append(f"{f}: {col} is {schema.field(col).type}, want {want}")
        if "activity" not in schema.names:
            problems.append(f"{f}: no column activity")
        md = pf.metadata
        codecs = {md.row_group(g).column(c).compression
                  for g in range(md.num_row_groups) for c in range(md.num_columns)}
        if codecs - {"ZSTD"}:
            problems.append(f"{f}: compression {sorted(codecs)}, want ZSTD")
        if check_sort:
            problems += _sorted_problems(f)
    return {"files": len(files), "rows": row_count(root), "bytes": output_bytes(root),
            "fingerprint": fingerprint(root)}, problems


def fingerprint(root):
    glob = f"{pathlib.Path(root).resolve()}/device=*/sensor=*/*.parquet"
    rows = duckdb.sql(f"""
        SELECT device, sensor, count(*) AS n,
               sum(hash(subject::SMALLINT, activity::VARCHAR, timestamp_ns::BIGINT,
                        x::FLOAT, y::FLOAT, z::FLOAT)::HUGEINT)::VARCHAR AS h
        FROM read_parquet('{glob}', hive_partitioning = true, union_by_name = true)
        GROUP BY ALL ORDER BY ALL""").fetchall()
    return {f"{d}/{s}": [n, h] for d, s, n, h in rows}


if __name__ == "__main__":
    import json
    import sys
    for r in sys.argv[1:]:
        summary, probs = check(r)
        print(r, json.dumps(summary), probs or "ok")
