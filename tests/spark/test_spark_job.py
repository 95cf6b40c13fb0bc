"""spark/sensorlake_job.py end to end: spark-submit in local mode and on a standalone
cluster (one master, two one-core workers, started here on 127.0.0.1), each with one task
killed after it wrote its staging output. Both must publish exactly the rows and the
quarantine of the single-node `sensorlake transform`."""
import json
import os
import pathlib
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from conftest import copy_raw_lake, curated_version_dir, spark_env, spark_home, spark_submit, sorted_table

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_daemon(args, log: pathlib.Path, env) -> subprocess.Popen:
    spark_class = str(pathlib.Path(spark_home()) / "bin" / "spark-class")
    with open(log, "w") as out:
        # Own process group: teardown stops the daemon and the executors it started.
        return subprocess.Popen([spark_class, *args], stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def stop_daemon(proc: subprocess.Popen):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def alive_workers(ui_port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=2) as r:
            return int(json.load(r).get("aliveworkers", 0))
    except OSError:
        return -1


@pytest.fixture
def standalone_cluster(tmp_path):
    """A Spark standalone cluster on loopback: a master and two workers of one core each."""
    env = spark_env({"SPARK_WORKER_DIR": str(tmp_path / "work"), "SPARK_LOG_DIR": str(tmp_path / "logs")})
    port, ui = free_port(), free_port()
    master_url = f"spark://127.0.0.1:{port}"
    procs = []
    try:
        procs.append(start_daemon(["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
                                   "--webui-port", str(ui)], tmp_path / "master.log", env))
        for i in range(2):
            procs.append(start_daemon(["org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
                                       "--memory", "1g", "--webui-port", str(free_port()),
                                       "--work-dir", str(tmp_path / f"work-{i}"), master_url],
                                      tmp_path / f"worker-{i}.log", env))
        deadline = time.monotonic() + 60
        while alive_workers(ui) < 2:
            dead = [p.args[1] for p in procs if p.poll() is not None]
            assert not dead, f"spark daemons exited: {dead}; logs in {tmp_path}"
            assert time.monotonic() < deadline, f"two workers did not register in 60 s; logs in {tmp_path}"
            time.sleep(0.3)
        yield master_url, [tmp_path / "work-0", tmp_path / "work-1"]
    finally:
        for p in reversed(procs):
            stop_daemon(p)


def test_standalone_cluster_with_a_killed_task_matches_single_node(raw_lake, reference, standalone_cluster, tmp_path):
    master_url, worker_dirs = standalone_cluster
    lake = copy_raw_lake(raw_lake, tmp_path / "lake")
    marker, env = fail_once_env(tmp_path)
    conf = {
        # Start only when both one-core executors are up, so that both take tasks.
        "spark.cores.max": "2",
        "spark.scheduler.minRegisteredResourcesRatio": "1.0",
        "spark.executor.cores": "1",
        "spark.executor.memory": "512m",
        # The executors' Python needs the package and the test hook (their environment
        # is the worker's, not spark-submit's).
        "spark.executorEnv.PYTHONPATH": spark_env()["PYTHONPATH"],
        "spark.executorEnv.PYSPARK_PYTHON": spark_env()["PYSPARK_PYTHON"],
    }
    rc, summary, logs = spark_submit(master_url, lake, tmp_path, conf, ["--tasks", "4"], env)
    assert rc == 0, logs[-4000:]
    assert_retried_without_leftovers(lake, summary, marker, 4)
    # Tasks ran in executors under both workers' folders, not in the driver.
    used = {next((i for i, d in enumerate(worker_dirs) if t["workdir"].startswith(str(d))), None) for t in summary["tasks"]}
    assert used == {0, 1}, [t["workdir"] for t in summary["tasks"]]
    assert_same_as_reference(lake, summary, reference)
