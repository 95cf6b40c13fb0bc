"""The DAG as Airflow parses it: zero import errors, the task order of both backends,
and the operational settings (retries with backoff, timeouts, callbacks, tags, params)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from datetime import timedelta

import pytest

from conftest import DAGS, airflow_api, airflow_major

LOCAL = ["local.ingest", "local.transform", "local.quality_gate", "local.features", "local.publish"]
EMR = ["emr.create_cluster", "emr.add_spark_step", "emr.wait_for_spark_step",
       "emr.terminate_cluster"]


def test_dagbag_imports_with_zero_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "sensorlake_wisdm" in dagbag.dag_ids


def test_tags_schedule_and_run_limits(dag):
    assert set(dag.tags) == {"sensorlake", "wisdm", "lake"}
    assert dag.max_active_runs == 1
    assert dag.catchup is False
    assert dag.dagrun_timeout == timedelta(hours=6)
    assert dag.doc_md and "emr" in dag.doc_md


def test_params(dag):
    params = dag.params
    for name in ("lake_uri", "source", "dataset_version", "environment", "backend",
                 "emr_job_script"):
        assert name in params, name
    assert params.get_param("backend").schema["enum"] == ["local", "emr"]
    assert params.get_param("environment").schema["enum"] == ["dev", "staging", "prod"]
    assert params["backend"] == "local"


def test_task_order(dag):
    assert set(dag.task_ids) == {"choose_backend", *LOCAL, *EMR}
    assert dag.get_task("choose_backend").downstream_task_ids == {LOCAL[0], EMR[0]}
    for upstream, downstream in zip(LOCAL[:-1], LOCAL[1:-1]):
        assert dag.get_task(downstream).upstream_task_ids == {upstream}
    # publish needs the gate's verdict and runs after features (which may be skipped).
    assert dag.get_task("local.publish").upstream_task_ids == {"local.quality_gate",
                                                               "local.features"}
    assert dag.get_task("local.publish").trigger_rule == "none_failed_min_one_success"
    assert dag.get_task("emr.add_spark_step").upstream_task_ids == {"emr.create_cluster"}
    assert dag.get_task("emr.wait_for_spark_step").upstream_task_ids == {
        "emr.create_cluster", "emr.add_spark_step"}
    assert dag.get_task("emr.terminate_cluster").upstream_task_ids == {
        "emr.create_cluster", "emr.wait_for_spark_step"}


def test_terminate_cluster_is_an_all_done_teardown(dag):
    terminate = dag.get_task("emr.terminate_cluster")
    assert terminate.is_teardown
    # The teardown form of ALL_DONE: runs after success or failure of the step, provided
    # the cluster (its setup) was created; skipped with the emr branch.
    assert terminate.trigger_rule == "all_done_setup_success"
    assert dag.get_task("emr.create_cluster").is_setup
    assert terminate.on_failure_fail_dagrun is False


def test_step_sensor(dag):
    sensor = dag.get_task("emr.wait_for_spark_step")
    assert sensor.mode == "reschedule"
    assert sensor.timeout == timedelta(hours=4).total_seconds()
    assert sensor.retries == 0


@pytest.fixture(scope="module")
def scheduler_dag(dag):
    """The DAG as the scheduler sees it (serialized and back), which computes retry delays."""
    api = airflow_api()
    return api.deserialize_dag(api.serialize_dag(dag))


@pytest.mark.parametrize("task_id", [*LOCAL, *EMR])
def test_retries_timeouts_and_callbacks(dag, scheduler_dag, task_id):
    t = dag.get_task(task_id)
    if task_id != "emr.wait_for_spark_step":
        assert t.retries == 3
        assert t.retry_delay == timedelta(seconds=30)
        assert t.max_retry_delay == timedelta(minutes=10)
        # Exponential backoff: doubling the delay on each retry. Airflow >= 3.2 turns the
        # DAG's True into the multiplier 2.0; Airflow 2.10 keeps the bool, whose documented
        # meaning is the same doubling (delay * 2 ** (try - 1), capped by max_retry_delay).
        backoff = scheduler_dag.get_task(task_id).retry_exponential_backoff
        if airflow_major() >= 3:
            assert backoff == 2.0
        else:
            assert backoff is True
    assert t.execution_timeout is not None and t.execution_timeout <= timedelta(hours=4)
    callbacks = (t.on_failure_callback if isinstance(t.on_failure_callback, list)
                 else [t.on_failure_callback])
    assert any(getattr(cb, "__name__", "") == "alert_on_failure" for cb in callbacks)
    assert t.owner == "sensorlake"


def test_dag_failure_callback(dag):
    callbacks = (dag.on_failure_callback if isinstance(dag.on_failure_callback, list)
                 else [dag.on_failure_callback])
    assert any(getattr(cb, "__name__", "") == "alert_on_failure" for cb in callbacks)


def _load_module(name: str = "sensorlake_wisdm_under_test"):
    spec = importlib.util.spec_from_file_location(name, DAGS / "sensorlake_wisdm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_variable_or_connection_access_at_import(monkeypatch):
    """Parsing the file must not touch Variables, Connections or AWS (Airflow best practice)."""
    api = airflow_api()
    BaseHook, Variable = api.BaseHook, api.Variable

    def forbidden(*args, **kwargs):
        raise AssertionError("called at import time")

    monkeypatch.setattr(Variable, "get", forbidden)
    monkeypatch.setattr(BaseHook, "get_connection", forbidden)
    import botocore.client

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", forbidden)
    _load_module()


# Parses the DAG file in a fresh interpreter, as the DAG processor does, under an audit hook
# (PEP 578) installed once the modules the processor has loaded already are imported: Airflow,
# croniter (Airflow's cron timetables; its first import runs `file` through
# platform.architecture()) and the Amazon provider's EMR modules the DAG imports (importing
# urllib3 binds a probe socket to ::1 to detect IPv6). What is then recorded is the DAG
# file's own doing: every process start (a JVM or the engine can only come from one) and
# every socket operation (any AWS or other network call needs one), with the heavy modules
# the parse pulled in. How long the parse takes is measured by bench/dag_parse.py, not here.
_AUDITED_PARSE = r"""
import importlib.util, json, sys
import airflow
import croniter
import airflow.providers.amazon.aws.operators.emr, airflow.providers.amazon.aws.sensors.emr
EVENTS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
          "os.forkpty", "pty.spawn", "socket.connect", "socket.bind", "socket.getaddrinfo",
          "socket.gethostbyname", "socket.gethostbyaddr", "socket.sendto", "urllib.Request"}
seen = []
sys.addaudithook(lambda event, args: seen.append([event, repr(args)[:300]])
                 if event in EVENTS else None)
before = set(sys.modules)
spec = importlib.util.spec_from_file_location("sensorlake_wisdm_parse", sys.argv[2])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
heavy = sorted(m for m in set(sys.modules) - before
               if m.split(".")[0] in ("pyspark", "py4j", "sensorlake", "pyarrow", "duckdb"))
with open(sys.argv[1], "w") as f:
    json.dump({"events": seen, "heavy_modules": heavy}, f)
"""


def test_parsing_the_dag_file_starts_no_process_and_opens_no_socket(tmp_path):
    """Importing the DAG file does no heavy work: no process started (no engine, no
    spark-submit, so no JVM), no socket used (no AWS or other network call), and neither
    the engine's Python package, pyarrow, DuckDB nor pyspark/py4j imported."""
    import json

    report = tmp_path / "parse-audit.json"
    subprocess.run([sys.executable, "-c", _AUDITED_PARSE, str(report),
                    str(DAGS / "sensorlake_wisdm.py")], check=True, capture_output=True,
                   text=True, timeout=600)
    audit = json.loads(report.read_text())
    assert audit["events"] == []
    assert audit["heavy_modules"] == []


def test_exit_codes_map_to_retry_or_fail(monkeypatch, tmp_path):
    api = airflow_api()
    AirflowException, AirflowFailException = api.AirflowException, api.AirflowFailException

    module = _load_module()
    for rc, final in [(8, False), (6, False), (3, True), (10, True), (70, True)]:
        fake = tmp_path / f"engine-{rc}"
        fake.write_text("#!/bin/sh\n"
                        f"echo '{{\"ok\": false, \"error\": {{\"message\": \"boom {rc}\"}}}}'\n"
                        f"exit {rc}\n")
        fake.chmod(0o755)
        monkeypatch.setenv("SENSORLAKE_BIN", str(fake))
        with pytest.raises(AirflowException) as err:
            module.run_engine(["ingest"])
        assert isinstance(err.value, AirflowFailException) is final, rc
        assert f"boom {rc}" in str(err.value)


def test_alert_on_failure_logs_an_alert(caplog):
    module = _load_module()

    class TI:
        task_id, try_number = "local.ingest", 2

    class Run:
        run_id = "manual__x"

    context = {
        "task_instance": TI(),
        "dag_run": Run(),
        "params": {"environment": "prod", "backend": "local", "lake_uri": "file:///lake"},
        "exception": RuntimeError("disk full"),
    }
    module.alert_on_failure(context)
    assert ("SENSORLAKE ALERT dag=sensorlake_wisdm task=local.ingest run=manual__x try=2 "
            "environment=prod") in caplog.text
    assert "disk full" in caplog.text


def test_the_cluster_request_is_terraforms_spec_with_the_run_key():
    """The DAG takes the cluster from the SSM spec Terraform writes and changes only what is
    the run's: the name and a tag carry the run key, and the cluster stays up between steps
    (the teardown task ends it). Roles, subnets, fleets and the bootstrap stay Terraform's."""
    module = _load_module()
    from test_emr_backend import JOB_FLOW_SPEC

    config = module.job_flow_config({"run_key": "abc"}, JOB_FLOW_SPEC)
    assert config["Name"] == "sensorlake-staging-sensorlake-abc"
    assert {"Key": "sensorlake:run_key", "Value": "abc"} in config["Tags"]
    assert config["Instances"]["KeepJobFlowAliveWhenNoSteps"] is True
    assert JOB_FLOW_SPEC["Instances"]["KeepJobFlowAliveWhenNoSteps"] is False  # not mutated
    unchanged = {k: v for k, v in config.items() if k not in ("Name", "Tags", "Instances")}
    assert unchanged == {k: v for k, v in JOB_FLOW_SPEC.items()
                         if k not in ("Name", "Tags", "Instances")}
    fleets = {f["InstanceFleetType"]: f for f in config["Instances"]["InstanceFleets"]}
    assert fleets["TASK"]["TargetSpotCapacity"] == 4
    assert fleets["TASK"]["TargetOnDemandCapacity"] == 0
    assert config["Instances"]["Ec2SubnetIds"] == ["subnet-0a", "subnet-0b"]
    # The MWAA role creates only clusters tagged project=sensorlake (modules/iam).
    untagged = {**JOB_FLOW_SPEC, "Tags": []}
    with pytest.raises(Exception, match="no project tag"):
        module.job_flow_config({"run_key": "abc"}, untagged)


def test_param_defaults_from_the_sensorlake_config_section(monkeypatch):
    """MWAA's airflow_configuration_options (sensorlake.*) set the params' defaults."""
    monkeypatch.setenv("AIRFLOW__SENSORLAKE__BACKEND", "emr")
    monkeypatch.setenv("AIRFLOW__SENSORLAKE__LAKE_URI", "s3://lake-bucket/lake")
    monkeypatch.setenv("AIRFLOW__SENSORLAKE__SOURCE_URI", "s3://raw-bucket/wisdm.zip")
    monkeypatch.setenv("AIRFLOW__SENSORLAKE__ENVIRONMENT", "prod")
    monkeypatch.setenv("AIRFLOW__SENSORLAKE__SPARK_JOB_URI",
                       "s3://artifacts/spark/sensorlake_job.py")
    params = _load_module("sensorlake_wisdm_configured").dag.params.dump()
    assert params["backend"] == "emr"
    assert params["lake_uri"] == "s3://lake-bucket/lake"
    assert params["source"] == "s3://raw-bucket/wisdm.zip"
    assert params["environment"] == "prod"
    assert params["emr_job_script"] == "s3://artifacts/spark/sensorlake_job.py"


def test_param_defaults_without_the_config_section(dag):
    params = dag.params.dump()
    assert (params["backend"], params["environment"], params["lake_uri"], params["source"]) == (
        "local", "dev", "", "")
