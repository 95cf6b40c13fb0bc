"""The curated layout on generated data: pruning, file sizes, and the CLI's contract."""
import duckdb
import pyarrow.parquet as pq
import pytest

from sensorlake_cli import run_cli


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("layout")
    data, lake = root / "data", root / "lake"
    run_cli("generate", "--out", data, "--scale", "0.2", "--seed", "3")
    run_cli("ingest", "--source", data, "--lake", lake)
    run_cli("transform", "--lake", lake)
    return lake


def test_one_subject_and_activity_reads_under_5_percent(lake):
    files = sorted((lake / "curated" / "sensor_readings").glob("*/*/*.parquet"))
    total = sum(f.stat().st_size for f in files)
    read = 0
    for f in files:
        md = pq.ParquetFile(f).metadata
        for g in range(md.num_row_groups):
            rg = md.row_group(g)
            s = rg.column(0).statistics
            if s.min <= 1625 <= s.max:
                read += sum(rg.column(c).total_compressed_size for c in range(rg.num_columns))
    assert 0 < read <= 0.05 * total
    with duckdb.connect() as con:
        n = con.execute(
            f"""SELECT count(*) FROM read_parquet('{lake}/curated/sensor_readings/*/*/*.parquet')
                WHERE subject = 1625 AND activity = 'B'""").fetchall()[0][0]
    assert n > 0


def test_a_second_transform_is_a_no_op(lake):
    code, summary, _ = run_cli("transform", "--lake", lake)
    assert code == 0 and summary["unchanged"] is True


def test_errors_are_json_with_exit_codes(tmp_path):
    code, summary, stderr = run_cli("transform", "--lake", tmp_path / "empty", check=False)
    assert code == 4
    assert summary["ok"] is False and summary["error"]["code"] == "NotFound"
    assert "ingest" in stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("[bounds]\naccel_max = 3\n")
    code, summary, stderr = run_cli("transform", "--lake", tmp_path / "empty", "--config", bad,
                                    check=False)
    assert code == 3 and "unknown key 'accel_max'" in stderr
