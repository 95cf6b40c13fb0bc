"""The README's first command, `make run`, end to end at a small scale: `sensorlake run`
(generate, ingest, transform, the quality gate, publish), and it says where the results,
the report and the run record are."""
import os
import pathlib
import re
import subprocess

from sensorlake_cli import REPO


def test_make_run_builds_the_whole_pipeline_and_prints_where_things_are(tmp_path):
    lake = tmp_path / "lake"
    env = dict(os.environ, SENSORLAKE_WORK=str(tmp_path / "work"))
    env.pop("SENSORLAKE_CATALOG", None)  # the default: the lake's own Iceberg catalog
    proc = subprocess.run(["make", "--no-print-directory", "run", f"LAKE={lake}", "SCALE=0.01"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "succeeded" in proc.stdout
    report = re.search(r"quality report:\s+(\S+)", proc.stdout).group(1)
    assert pathlib.Path(report).is_file()
    assert (lake / "curated" / "current" / "_manifest.json").is_file()
    assert any((lake / "curated" / "published" / "sensor_readings")
               .glob("device=*/sensor=*/*.parquet"))
    record = re.search(r"run record:\s+(\S+)", proc.stdout).group(1)
    assert '"outcome": "succeeded"' in pathlib.Path(record).read_text()
    assert (tmp_path / "work" / "generated" / "scale-0.01-seed-1" / "generate.json").is_file()
    # The published version is a snapshot in the lake's SQLite catalog, and it says how to
    # query it with pyiceberg, Spark and DuckDB (docs/tables.md).
    assert (lake / "_catalog" / "catalog.db").is_file()
    for reader in ("pyiceberg:", "Spark:", "DuckDB:"):
        assert reader in proc.stdout, proc.stdout[-2000:]
    assert "sensorlake.sensor_readings" in proc.stdout
