"""The transform on real WISDM lines (../shared/wisdm/real-sample), read back by pyarrow
and DuckDB as independent readers."""
import collections

import duckdb
import numpy as np
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from sensorlake_cli import REAL_SAMPLE


def query(sql):
    """Runs SQL on a fresh DuckDB connection and returns all rows."""
    with duckdb.connect() as con:
        return con.execute(sql).fetchall()


def raw_lines():
    """Every raw line of the sample: (device, sensor, subject, activity, ts, x, y, z texts)."""
    for path in sorted((REAL_SAMPLE / "raw").glob("*/*/data_*.txt")):
        device, sensor = path.parent.parent.name, path.parent.name
        for line in path.read_text().splitlines():
            subject, activity, ts, x, y, z = line.rstrip(";").split(",")
            yield device, sensor, int(subject), activity, int(ts), x, y, z


def curated_table(lake):
    return ds.dataset(lake / "curated" / "sensor_readings", format="parquet",
                      partitioning="hive").to_table()


def test_every_raw_line_is_a_curated_row(real_sample_lake):
    lake, summary = real_sample_lake
    n_raw = sum(1 for _ in raw_lines())
    totals = summary["totals"]
    assert totals["lines"] == n_raw
    assert totals["rows"] + totals["quarantined"] + totals["duplicates_dropped"] == n_raw
    assert totals["quarantined"] == 0  # the real sample is clean
    assert curated_table(lake).num_rows == n_raw


def test_every_value_equals_the_raw_text_as_float32(real_sample_lake):
    lake, _ = real_sample_lake
    t = curated_table(lake).to_pandas()
    t["device"] = t["device"].astype(str)
    t["sensor"] = t["sensor"].astype(str)
    t["activity"] = t["activity"].astype(str)
    curated = {(r.device, r.sensor, r.subject, r.activity, r.timestamp_ns): (r.x, r.y, r.z)
               for r in t.itertuples()}
    mismatches = 0
    checked = 0
    for device, sensor, subject, activity, ts, x, y, z in raw_lines():
        got = curated[(device, sensor, subject, activity, ts)]
        want = np.array([x, y, z], dtype=np.float32)
        if not np.array_equal(np.array(got, dtype=np.float32).view(np.uint32),
                              want.view(np.uint32)):
            mismatches += 1
        checked += 1
    assert checked > 300_000
    assert mismatches == 0


def test_counts_per_subject_and_activity_equal_raw_line_counts(real_sample_lake):
    lake, _ = real_sample_lake
    want = collections.Counter((d, s, subj, act) for d, s, subj, act, *_ in raw_lines())
    rows = query(f"""
        SELECT device, sensor, subject, activity::VARCHAR, count(*)
        FROM read_parquet('{lake}/curated/sensor_readings/*/*/*.parquet', hive_partitioning=true)
        GROUP BY ALL""")
    got = {(d, s, subj, act): n for d, s, subj, act, n in rows}
    assert got == dict(want)


def test_pyarrow_and_duckdb_agree(real_sample_lake):
    lake, _ = real_sample_lake
    t = curated_table(lake)
    pa_sum = (t.num_rows, float(np.sum(t["x"].to_numpy(), dtype=np.float64)),
              int(np.sum(t["timestamp_ns"].to_numpy() % 1000003)))
    db = query(f"""
        SELECT count(*), sum(x::DOUBLE), sum(timestamp_ns % 1000003)
        FROM read_parquet('{lake}/curated/sensor_readings/*/*/*.parquet')""")[0]
    assert db[0] == pa_sum[0]
    assert abs(db[1] - pa_sum[1]) < 1e-6 * max(1.0, abs(pa_sum[1]))
    assert int(db[2]) == pa_sum[2]


def test_files_are_sorted_and_say_so(real_sample_lake):
    lake, _ = real_sample_lake
    for path in (lake / "curated" / "sensor_readings").glob("*/*/*.parquet"):
        f = pq.ParquetFile(path)
        md = f.metadata
        assert md.row_group(0).sorting_columns[0].column_index == 0
        t = f.read().to_pandas()
        key = list(zip(t["subject"], t["activity"].cat.codes, t["timestamp_ns"]))
        assert key == sorted(key), path
        col = md.schema.to_arrow_schema()
        assert str(col.field("x").type) == "float"
        assert md.row_group(0).column(0).compression == "ZSTD"


def test_quarantine_exists_and_is_empty_for_clean_input(real_sample_lake):
    lake, _ = real_sample_lake
    q = ds.dataset(lake / "curated" / "quarantine", format="parquet", partitioning="hive")
    assert q.to_table().num_rows == 0
    assert {"file", "line", "reason", "raw_text"} <= set(q.schema.names)
