"""spark/sensorlake_job.py end to end: spark-submit in local mode and on a standalone
cluster (one master, two one-core workers, started here on 127.0.0.1), each with one task
killed after it wrote its staging output. Both must publish exactly the rows and the
quarantine of the single-node `sensorlake transform`."""
import json
import pathlib

import pytest
from pyiceberg.catalog.sql import SqlCatalog

from conftest import curated_version_dir, spark_env, spark_submit, sorted_table
from local_cluster import LocalCluster

KILLED = 1  # the partition whose first attempt dies
TASKS = 4


def assert_same_as_reference(lake: pathlib.Path, summary: dict, reference: dict):
    version = curated_version_dir(lake)
    manifest = json.loads((version / "_manifest.json").read_text())
    assert manifest["totals"] == reference["manifest"]["totals"]
    readings = sorted_table(version / "sensor_readings")
    assert readings.num_rows == reference["readings"].num_rows > 100_000
    assert readings.equals(reference["readings"])
    quarantine = sorted_table(version / "quarantine") if (version / "quarantine").exists() else None
    if reference["quarantine"].num_rows:
        assert quarantine.num_rows == reference["quarantine"].num_rows
        assert quarantine.equals(reference["quarantine"])
    else:
        assert quarantine is None or quarantine.num_rows == 0
    assert summary["transform"]["curated_version"] == version.name


def assert_retried_without_leftovers(lake: pathlib.Path, summary: dict, marker: pathlib.Path):
    committed = {t["partition"]: t for t in summary["tasks"]}
    assert sorted(committed) == list(range(TASKS))
    killed_prefix = marker.read_text()
    assert killed_prefix.endswith(f"task-{KILLED:05d}/attempt-0")
    # The killed attempt wrote output; the driver committed a later attempt and deleted it.
    assert committed[KILLED]["attempt"] >= 1
    assert killed_prefix in summary["discarded_attempts"]
    assert all(t["attempt"] == 0 for p, t in committed.items() if p != KILLED)
    assert not (lake / "_staging" / "spark" / summary["job_id"]).exists()


def fail_once_env(tmp_path):
    marker = tmp_path / "fail-once.marker"
    return marker, {"SENSORLAKE_SPARK_FAIL_ONCE": str(KILLED),
                    "SENSORLAKE_SPARK_FAIL_MARKER": str(marker)}


def test_local_mode_with_a_killed_task_matches_single_node(datasets, tmp_path):
    """Faulty input (quarantine, duplicates); the job then runs the quality gate, which
    fails on this data: exit 1 with the failing rule, the transform stays committed."""
    reference = datasets.reference("faults")
    lake = datasets.fresh_lake("faults", tmp_path / "lake")
    marker, env = fail_once_env(tmp_path)
    env["SENSORLAKE_RUN_ID"] = "r-spark-local"  # as the DAG's EMR step passes it
    env["SENSORLAKE_METRICS_EMF"] = str(tmp_path / "emf.jsonl")  # the run's metrics at its end
    # local[2,2]: two cores, and a task may fail twice (local mode's default is once).
    rc, summary, logs = spark_submit("local[2,2]", lake, tmp_path, {},
                                     ["--tasks", str(TASKS), "--then", "check"], env)
    assert rc == 1, logs[-4000:]
    assert "sensorlake_job: error: quality gate failed for curated version c-" in logs
    assert "rules ['scaled_values']" in logs
    assert summary is None  # no summary for a failed run
    # The transform committed before the gate: same rows as the single node.
    job_id = next(line.split("staging _staging/spark/")[1].strip() for line in logs.splitlines()
                  if "staging _staging/spark/" in line)
    assert not (lake / "_staging" / "spark" / job_id).exists()
    assert marker.read_text().endswith(f"task-{KILLED:05d}/attempt-0")
    assert (f"discarding uncommitted attempt _staging/spark/{job_id}/task-{KILLED:05d}/attempt-0"
            in logs)
    assert_same_as_reference(
        lake, {"transform": {"curated_version": curated_version_dir(lake).name}}, reference)

    # One run record: the transform with its tasks' attempts (the killed one retried), then
    # the check that failed the run at the gate.
    record = json.loads((lake / "_runs" / "r-spark-local.json").read_text())
    stages = {s["stage"]: s for s in record["stages"]}
    assert stages["transform"]["status"] == "completed"
    spark = stages["transform"]["summary"]["spark"]
    assert spark["job_id"] == job_id and spark["tasks"] == TASKS
    assert spark["retried_partitions"] == [KILLED]
    killed = [a for a in spark["task_attempts"] if a["partition"] == KILLED]
    assert [a["committed"] for a in killed] == [False] + [True] * (len(killed) - 1)
    assert stages["transform"]["summary"]["curated_version"] == curated_version_dir(lake).name
    assert stages["transform"]["metrics"]["rows_out"] == reference["manifest"]["totals"]["rows"]
    assert stages["check"]["status"] == "failed"
    assert record["outcome"] == "failed" and record["gate_failed"] is True
    assert record["versions"]["curated"] == curated_version_dir(lake).name
    assert record["orchestrator"]["name"] == "spark"  # spark-submit without a DAG
    # The run's end, as for `sensorlake run`: its metrics (the gate metric the alarm reads).
    run_level = [d for d in map(json.loads, (tmp_path / "emf.jsonl").read_text().splitlines())
                 if "stage" not in d and "reason" not in d]
    assert [d["sensorlake.quality.gate_failed"] for d in run_level] == [1]
    assert run_level[0]["run_id"] == "r-spark-local"


@pytest.fixture
def standalone_cluster(tmp_path):
    """A Spark standalone cluster on loopback: a master and two workers of one core each,
    stopped (with their executors) after the test, also when it fails."""
    env = spark_env({"SPARK_LOG_DIR": str(tmp_path / "logs")})
    with LocalCluster(workers=2, cores_per_worker=1, base=tmp_path / "cluster", env=env,
                      memory_per_worker="1g") as c:
        yield c


def test_standalone_cluster_with_a_killed_task_matches_single_node(datasets, standalone_cluster,
                                                                   tmp_path):
    """Clean input, the whole EMR step's flow: transform on the executors, then check,
    features and publish on the driver, committing the Iceberg tables in the lake's catalog
    with the job's own interpreter (build/spark-venv: sensorlake[tables], as the EMR
    bootstrap installs it on the nodes)."""
    cluster = standalone_cluster
    reference = datasets.reference("clean")
    lake = datasets.fresh_lake("clean", tmp_path / "lake")
    marker, env = fail_once_env(tmp_path)
    conf = {
        # Start only when both one-core executors are up, so that both take tasks.
        **cluster.submit_conf(),
        "spark.executor.memory": "512m",
        # The executors' interpreter (with the package) is the driver's PYSPARK_PYTHON,
        # which Spark ships with every Python task.
    }
    args = ["--tasks", str(TASKS), "--then", "check,features,publish", "--run-key", "spark-test",
            "--catalog", "lake"]
    rc, summary, logs = spark_submit(cluster.master_url, lake, tmp_path, conf, args, env)
    assert rc == 0, logs[-4000:]
    assert summary["files"] == 204 and summary["raw_version"] == datasets.raw_lake("clean")[1]
    assert_retried_without_leftovers(lake, summary, marker)
    # Tasks ran in executors under both workers' folders, not in the driver.
    used = {next((i for i, d in enumerate(cluster.worker_dirs)
                  if t["workdir"].startswith(str(d))), None)
            for t in summary["tasks"]}
    assert used == {0, 1}, [t["workdir"] for t in summary["tasks"]]
    assert_same_as_reference(lake, summary, reference)
    then = summary["then"]
    assert then["check"]["success"] is True
    # (No windows at this scale: its blocks are shorter than a 200-reading window.)
    assert then["features"]["features_version"].startswith("f-")
    published = json.loads((lake / "_published.json").read_text())
    assert published["curated_version"] == summary["transform"]["curated_version"]
    assert published["quality_run"] == then["check"]["run_id"]
    assert published["features_version"] == then["features"]["features_version"]
    assert published["run_id"] == "spark-test"
    # The tables' current snapshots are the ones the publish committed, holding its rows.
    committed = published["tables"]["tables"]
    catalog = SqlCatalog("sensorlake", uri=f"sqlite:///{lake}/_catalog/catalog.db",
                         warehouse=f"file://{lake}")
    readings = catalog.load_table("sensorlake.sensor_readings")
    assert readings.current_snapshot().snapshot_id == committed["sensor_readings"]["snapshot_id"]
    assert readings.scan().to_arrow().num_rows == reference["readings"].num_rows
