"""Spark reads the lake's Iceberg tables (docs/tables.md) with Iceberg's own Spark runtime,
from the SQLite catalog `sensorlake run` leaves in the lake: main holds exactly the rows the
engine published, and the previous snapshot, read by id, the previous version's rows."""
import json
import os
import subprocess

import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest
from pyiceberg.catalog.sql import SqlCatalog

from conftest import REPO, VENV_PYTHON, run_cli

READER = REPO / "tests" / "spark" / "iceberg_reader.py"


def engine_rows(lake, version):
    return ds.dataset(lake / "curated" / "_versions" / version / "sensor_readings",
                      partitioning="hive").to_table(columns=["subject", "device", "sensor"])


@pytest.fixture(scope="module")
def two_publishes(tmp_path_factory):
    root = tmp_path_factory.mktemp("iceberg")
    lake = root / "lake"
    published = []
    for scale in ("0.01", "0.02"):  # two sizes: time travel must find the first one's rows
        run_cli("run", "--lake", lake, "--generate-scale", scale, "--work-dir", root / "work",
                "--catalog", "lake")
        published.append(json.loads((lake / "_published.json").read_text()))
    return lake, published


def test_spark_reads_main_and_the_previous_snapshot_by_id(two_publishes):
    lake, (first, second) = two_publishes
    assert first["curated_version"] != second["curated_version"]
    first_snapshot = first["tables"]["tables"]["sensor_readings"]["snapshot_id"]
    ivy = REPO / "build" / "ivy"  # Maven Central's jars, fetched once per build tree
    env = {k: v for k, v in os.environ.items() if k != "PYSPARK_PYTHON"}
    proc = subprocess.run([str(VENV_PYTHON), str(READER), str(lake), str(first_snapshot),
                           str(ivy)], capture_output=True, text=True, timeout=900, env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    spark = json.loads(proc.stdout.strip().splitlines()[-1])

    now, before = engine_rows(lake, second["curated_version"]), \
        engine_rows(lake, first["curated_version"])
    assert now.num_rows != before.num_rows  # else time travel would prove nothing
    assert spark["main"] == now.num_rows
    assert spark["previous"] == before.num_rows
    want = {}
    for d, s in zip(now["device"].to_pylist(), now["sensor"].to_pylist()):
        want[f"{d}/{s}"] = want.get(f"{d}/{s}", 0) + 1
    assert spark["by_partition"] == want
    assert spark["subjects"] == len(pc.unique(now["subject"]))

    # The same table through pyiceberg: the same snapshots, in the same order.
    table = SqlCatalog("sensorlake", uri=f"sqlite:///{lake}/_catalog/catalog.db",
                       warehouse=f"file://{lake}").load_table("sensorlake.sensor_readings")
    assert spark["snapshots"] == [e.snapshot_id for e in table.history()]
    assert spark["snapshots"][-1] == second["tables"]["tables"]["sensor_readings"]["snapshot_id"]
    features = ds.dataset(lake / "features" / "_versions" / second["features_version"] /
                          "windows", partitioning="hive").count_rows()
    assert spark["feature_windows"] == features
