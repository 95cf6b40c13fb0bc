"""spark/sensorlake_job.py end to end: spark-submit in local mode and on a standalone
cluster (one master, two one-core workers, started here on 127.0.0.1), each with one task
killed after it wrote its staging output. Both must publish exactly the rows and the
quarantine of the single-node `sensorlake transform`."""
import json
import pathlib

import pytest

from conftest import copy_raw_lake, curated_version_dir, spark_env, spark_submit, sorted_table
from local_cluster import LocalCluster

KILLED = 1  # the partition whose first attempt dies


def assert_same_as_reference(lake: pathlib.Path, summary: dict, reference: dict):
    version = curated_version_dir(lake)
    manifest = json.loads((version / "_manifest.json").read_text())
    assert manifest["totals"] == reference["manifest"]["totals"]
    readings = sorted_table(version / "sensor_readings")
    quarantine = sorted_table(version / "quarantine")
    assert readings.num_rows == reference["readings"].num_rows > 100_000
    assert quarantine.num_rows == reference["quarantine"].num_rows > 0
    assert readings.equals(reference["readings"])
    assert quarantine.equals(reference["quarantine"])
    assert summary["transform"]["curated_version"] == version.name


def assert_retried_without_leftovers(lake: pathlib.Path, summary: dict, marker: pathlib.Path, tasks: int):
    committed = {t["partition"]: t for t in summary["tasks"]}
    assert sorted(committed) == list(range(tasks))
    killed_prefix = marker.read_text()
    assert killed_prefix.endswith(f"task-{KILLED:05d}/attempt-0")
    # The killed attempt wrote output; the driver committed a later attempt and deleted it.
    assert committed[KILLED]["attempt"] >= 1
    assert killed_prefix in summary["discarded_attempts"]
    assert all(t["attempt"] == 0 for p, t in committed.items() if p != KILLED)
    assert not (lake / "_staging" / "spark" / summary["job_id"]).exists()


def fail_once_env(tmp_path):
    marker = tmp_path / "fail-once.marker"
    return marker, {"SENSORLAKE_SPARK_FAIL_ONCE": str(KILLED), "SENSORLAKE_SPARK_FAIL_MARKER": str(marker)}


def test_local_mode_with_a_killed_task_matches_single_node(raw_lake, reference, tmp_path):
    lake = copy_raw_lake(raw_lake, tmp_path / "lake")
    marker, env = fail_once_env(tmp_path)
    # local[2,2]: two cores, and a task may fail twice (local mode's default is once).
    rc, summary, logs = spark_submit("local[2,2]", lake, tmp_path, {}, ["--tasks", "4"], env)
    assert rc == 0, logs[-4000:]
    assert summary["files"] == 204 and summary["raw_version"] == raw_lake[1]
    assert_retried_without_leftovers(lake, summary, marker, 4)
    assert_same_as_reference(lake, summary, reference)


@pytest.fixture
def standalone_cluster(tmp_path):
    """A Spark standalone cluster on loopback: a master and two workers of one core each,
    stopped (with their executors) after the test, also when it fails."""
    env = spark_env({"SPARK_LOG_DIR": str(tmp_path / "logs")})
    with LocalCluster(workers=2, cores_per_worker=1, base=tmp_path / "cluster", env=env, memory_per_worker="1g") as c:
        yield c


def test_standalone_cluster_with_a_killed_task_matches_single_node(raw_lake, reference, standalone_cluster, tmp_path):
    cluster = standalone_cluster
    lake = copy_raw_lake(raw_lake, tmp_path / "lake")
    marker, env = fail_once_env(tmp_path)
    conf = {
        # Start only when both one-core executors are up, so that both take tasks.
        **cluster.submit_conf(),
        "spark.executor.memory": "512m",
        # The executors' Python needs the package and the test hook (their environment
        # is the worker's, not spark-submit's).
        "spark.executorEnv.PYTHONPATH": spark_env()["PYTHONPATH"],
        "spark.executorEnv.PYSPARK_PYTHON": spark_env()["PYSPARK_PYTHON"],
    }
    rc, summary, logs = spark_submit(cluster.master_url, lake, tmp_path, conf, ["--tasks", "4"], env)
    assert rc == 0, logs[-4000:]
    assert_retried_without_leftovers(lake, summary, marker, 4)
    # Tasks ran in executors under both workers' folders, not in the driver.
    used = {next((i for i, d in enumerate(cluster.worker_dirs) if t["workdir"].startswith(str(d))), None) for t in summary["tasks"]}
    assert used == {0, 1}, [t["workdir"] for t in summary["tasks"]]
    assert_same_as_reference(lake, summary, reference)
