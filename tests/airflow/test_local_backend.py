"""The local backend end to end: dag.test() runs the DAG against the real engine on a
small generated dataset (scale 0.01), and the tests read the lake it leaves behind.
Two wrappers around the real engine stand in for engines that lack `features` or whose
quality gate fails."""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path

from conftest import task_states


def run_local(dag, lake: Path, source: Path, **extra):
    conf = {"lake_uri": f"file://{lake}", "source": str(source), "backend": "local",
            "environment": "dev", **extra}
    return dag.test(run_conf=conf)


def wrapper(tmp_path: Path, engine: Path, body: str) -> Path:
    """A shell script that handles some invocations itself and passes the rest to the engine."""
    script = tmp_path / "sensorlake-wrapper"
    script.write_text(f'#!/bin/sh\nREAL="{engine}"\n{body}\nexec "$REAL" "$@"\n')
    script.chmod(0o755)
    return script


def engine_has_features(engine: Path) -> bool:
    return subprocess.run([str(engine), "features", "--help"], capture_output=True).returncode == 0


STAGES = ["ingest", "transform", "check", "features", "publish"]


def assert_one_recorded_run(engine: Path, lake: Path, dr, tmp_path: Path) -> None:
    """The DAG run is one run of the lake's history, stage by stage, with its metrics and
    lineage, as `sensorlake run` would leave it."""
    import jsonschema
    from referencing import Registry, Resource

    listed = json.loads(subprocess.run([str(engine), "--json", "runs", "--lake", str(lake)],
                                       capture_output=True, text=True, check=True).stdout)
    (run,) = listed["runs"]
    record = json.loads((lake / "_runs" / f"{run['run_id']}.json").read_text())
    assert record["outcome"] == "succeeded", record["error"]
    assert [s["stage"] for s in record["stages"]] == STAGES
    assert all(s["status"] == "completed" for s in record["stages"]), record["stages"]
    assert record["orchestrator"]["name"] == "airflow"
    assert record["orchestrator"]["dag_id"] == dr.dag_id
    assert record["orchestrator"]["run_id"] == dr.run_id
    published = json.loads((lake / "_published.json").read_text())
    assert published["run_id"] == run["run_id"]

    emf = [json.loads(x) for x in (tmp_path / "emf.jsonl").read_text().splitlines()]
    assert {d["stage"] for d in emf if "stage" in d} == set(STAGES)
    assert all(d["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "sensorlake" for d in emf)
    # The run's environment param is the dimension the alarms filter on (SENSORLAKE_ENVIRONMENT).
    assert {d["environment"] for d in emf} == {dr.conf["environment"]}

    schemas = [json.loads(p.read_text())
               for p in (Path(__file__).parents[1] / "data" / "openlineage").glob("*.json")]
    registry = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in schemas])
    validator = jsonschema.Draft202012Validator(
        {"$ref": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"},
        registry=registry)
    events = [json.loads(x) for x in (tmp_path / "lineage.jsonl").read_text().splitlines()]
    assert len(events) == 12  # the run and its 5 stages, START and COMPLETE, once each
    for event in events:
        validator.validate(event)
    assert_lineage_joins_the_providers(dr, record, events)


TASK_OF_STAGE = {"ingest": "local.ingest", "transform": "local.transform",
                 "check": "local.quality_gate", "features": "local.features",
                 "publish": "local.publish"}


def provider_events(dag_id: str, tasks: set[str], timeout: float = 60) -> list[dict]:
    """The Airflow OpenLineage provider's own events of the DAG's tasks (its file transport,
    conftest.py), once a COMPLETE event of each task has arrived: the provider emits from a
    forked process or a thread pool, after the task has finished."""
    import time

    from conftest import OPENLINEAGE_FILE

    deadline = time.monotonic() + timeout
    while True:
        text = OPENLINEAGE_FILE.read_text() if OPENLINEAGE_FILE.exists() else ""
        events = [json.loads(x) for x in text.splitlines() if x.strip()]
        done = {e["job"]["name"] for e in events if e.get("eventType") == "COMPLETE"}
        if {f"{dag_id}.{t}" for t in tasks} <= done or time.monotonic() > deadline:
            return events
        time.sleep(0.5)


def assert_lineage_joins_the_providers(dr, record: dict, events: list[dict]) -> None:
    """The engine's events name the runs the Airflow OpenLineage provider names in its own
    events: the engine run's parent is the provider's DAG run, each stage's parent the
    provider's run of the task that started it, and its root that DAG run (Marquez then
    shows DAG run -> task -> stage, and DAG run -> sensorlake.run -> stages)."""
    ours = [e for e in provider_events(dr.dag_id, set(TASK_OF_STAGE.values()))
            if e["job"]["name"].startswith(f"{dr.dag_id}.local.")
            and e.get("eventType") == "COMPLETE"]
    task_runs = {e["job"]["name"]: e for e in ours}
    assert set(task_runs) == {f"{dr.dag_id}.{t}" for t in TASK_OF_STAGE.values()}, \
        sorted(task_runs)
    # The provider's task events name their DAG run as parent: one run, in its namespace.
    dag_runs = {(e["run"]["facets"]["parent"]["job"]["namespace"],
                 e["run"]["facets"]["parent"]["job"]["name"],
                 e["run"]["facets"]["parent"]["run"]["runId"]) for e in ours}
    assert len(dag_runs) == 1, dag_runs
    namespace, dag_job, dag_run_id = dag_runs.pop()
    assert (namespace, dag_job) == ("sensorlake-test", dr.dag_id)  # [openlineage] namespace
    dag_run = {"job": {"namespace": namespace, "name": dag_job}, "run": {"runId": dag_run_id}}
    for event in events:
        parent = event["run"]["facets"]["parent"]
        if event["job"]["name"] == "sensorlake.run":
            assert {k: parent[k] for k in ("job", "run")} == dag_run
            continue
        task = task_runs[f"{dr.dag_id}.{TASK_OF_STAGE[event['job']['name'].rsplit('.', 1)[1]]}"]
        assert parent["job"] == {"namespace": task["job"]["namespace"],
                                 "name": task["job"]["name"]}
        assert parent["run"]["runId"] == task["run"]["runId"]
        assert parent["root"] == dag_run
    assert record["orchestrator"]["lineage_parent"] == {
        "namespace": namespace, "name": dag_job, "run_id": dag_run_id}


def test_local_backend_end_to_end(dag, engine, wisdm_source, use_engine, tmp_path, monkeypatch):
    use_engine(engine)
    # Telemetry set once for every engine command the DAG starts (issue 18).
    monkeypatch.setenv("SENSORLAKE_METRICS_EMF", str(tmp_path / "emf.jsonl"))
    monkeypatch.setenv("SENSORLAKE_LINEAGE_FILE", str(tmp_path / "lineage.jsonl"))
    lake = tmp_path / "lake"
    dr = run_local(dag, lake, wisdm_source)
    states = task_states(dr)
    assert dr.state == "success", states
    assert states["choose_backend"] == "success"
    for t in ("ingest", "transform", "quality_gate"):
        assert states[f"local.{t}"] == "success", states
    assert states["local.features"] == ("success" if engine_has_features(engine) else "skipped")
    assert states["local.publish"] == "success"
    for t in ("create_cluster", "add_spark_step", "wait_for_spark_step", "terminate_cluster"):
        assert states[f"emr.{t}"] == "skipped", states

    # The lake: one raw version, a published curated version with Parquet parts, a passed gate.
    raw = [p.parent.name for p in (lake / "raw" / "wisdm").glob("*/_manifest.json")]
    assert len(raw) == 1, raw
    ingested = dr.get_task_instance("local.ingest").xcom_pull(task_ids="local.ingest")
    assert ingested["version"] == raw[0]
    curated = json.loads((lake / "curated" / "current" / "_manifest.json").read_text())
    assert curated, "empty curated manifest"
    parts = list((lake / "curated" / "sensor_readings").glob("device=*/sensor=*/*.parquet"))
    assert {p.parent.parent.name for p in parts} == {"device=phone", "device=watch"}
    assert {p.parent.name for p in parts} == {"sensor=accel", "sensor=gyro"}
    latest = json.loads((lake / "quality" / "_latest.json").read_text())
    gate = dr.get_task_instance("local.quality_gate").xcom_pull(task_ids="local.quality_gate")
    assert gate["success"] is True
    assert json.dumps(latest).find(gate["run_id"]) >= 0, latest
    assert (lake / "quality" / "runs" / gate["run_id"] / "report.html").is_file()
    assert (lake / gate["report"]).is_file()
    # Published: the gated curated version is the one consumers read.
    published = json.loads((lake / "_published.json").read_text())
    assert published["curated_version"] == curated["curated_version"]
    assert published["quality_run"] == gate["run_id"]
    assert (lake / "curated" / "published" / "sensor_readings").is_dir()
    assert_one_recorded_run(engine, lake, dr, tmp_path)

    # A second run with the same parameters changes nothing (the engine's idempotence,
    # surfaced in the tasks' XComs).
    dr2 = run_local(dag, lake, wisdm_source)
    assert dr2.state == "success", task_states(dr2)
    ingested2 = dr2.get_task_instance("local.ingest").xcom_pull(task_ids="local.ingest")
    assert ingested2["unchanged"] is True
    transformed2 = dr2.get_task_instance("local.transform").xcom_pull(task_ids="local.transform")
    assert transformed2["unchanged"] is True
    assert [p.parent.name for p in (lake / "raw" / "wisdm").glob("*/_manifest.json")] == raw


def test_every_engine_command_gets_the_configured_catalog_and_a_worker_variable_wins(
        dag, engine, wisdm_source, use_engine, tmp_path, monkeypatch):
    """The [sensorlake] catalog option (Terraform's glue://<database> on MWAA) reaches every
    engine command as SENSORLAKE_CATALOG, so check and publish commit the tables there:
    here a SQLite catalog outside the lake, which the publish fills with the three tables.
    A SENSORLAKE_CATALOG the worker sets itself wins over the option."""
    import sqlite3

    seen = tmp_path / "catalogs.txt"
    use_engine(wrapper(tmp_path, engine,
                       f'[ "$1" = "--json" ] && echo "$2 $SENSORLAKE_CATALOG" >> "{seen}"'))
    db = tmp_path / "elsewhere" / "catalog.db"
    monkeypatch.setenv("AIRFLOW__SENSORLAKE__CATALOG", f"sqlite:///{db}")
    monkeypatch.delenv("SENSORLAKE_CATALOG", raising=False)
    lake = tmp_path / "lake"
    dr = run_local(dag, lake, wisdm_source)
    assert dr.state == "success", task_states(dr)
    commands = [line.split(" ", 1) for line in seen.read_text().splitlines()]
    assert {c for c, _ in commands} >= {"ingest", "transform", "check", "publish"}, commands
    assert all(catalog == f"sqlite:///{db}" for _, catalog in commands), commands
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT table_name FROM iceberg_tables")}
    assert tables == {"sensor_readings", "quarantine", "feature_windows"} if \
        engine_has_features(engine) else {"sensor_readings", "quarantine"}
    assert not (lake / "_catalog").exists()  # not the lake's default catalog

    from sensorlake_dag.engine import catalog_env

    assert catalog_env() == {"SENSORLAKE_CATALOG": f"sqlite:///{db}"}
    monkeypatch.setenv("SENSORLAKE_CATALOG", "none")
    assert catalog_env() == {"SENSORLAKE_CATALOG": "none"}
    monkeypatch.delenv("AIRFLOW__SENSORLAKE__CATALOG")
    monkeypatch.delenv("SENSORLAKE_CATALOG")
    assert catalog_env() == {}


def test_features_skipped_with_a_reason_when_the_engine_lacks_it(
    dag, engine, wisdm_source, use_engine, tmp_path, caplog, monkeypatch
):
    # An engine built before `features`: no such subcommand in --help, usage error (2) for it.
    body = (
        'if [ "$1" = "features" ] || [ "$2" = "features" ]; then '
        'echo "unknown subcommand features" >&2; exit 2; fi\n'
        'if [ "$1" = "--help" ]; then "$REAL" --help | grep -v "^  features "; exit 0; fi'
    )
    use_engine(wrapper(tmp_path, engine, body))
    lake = tmp_path / "lake"
    # Lake and source from the Variables (here through AIRFLOW_VAR_*), the params left empty.
    monkeypatch.setenv("AIRFLOW_VAR_SENSORLAKE_LAKE_URI", f"file://{lake}")
    monkeypatch.setenv("AIRFLOW_VAR_SENSORLAKE_SOURCE", str(wisdm_source))
    with caplog.at_level(logging.WARNING):
        dr = dag.test(run_conf={"backend": "local"})
    states = task_states(dr)
    assert dr.state == "success", states
    assert states["local.quality_gate"] == "success"
    assert states["local.features"] == "skipped"
    assert states["local.publish"] == "success"  # the gate passed; features are optional
    assert not (lake / "features").exists()
    assert (lake / "quality" / "_latest.json").is_file()
    assert "has no 'features' subcommand" in caplog.text


def test_failed_quality_gate_fails_the_run_and_alerts(
    dag, engine, wisdm_source, use_engine, tmp_path, caplog
):
    # The engine's check with a failed gate: exit 1, the summary still printed.
    summary = {
        "command": "check",
        "ok": False,
        "success": False,
        "run_id": "q-test",
        "report": "quality/runs/q-test/report.html",
        "counts": {"error": 1, "pass": 12, "warn": 0, "skipped": 1},
        # The shape of the engine's summary: status is the rule's outcome (pass, warn,
        # error, skipped); only the failed error rule is named in the message.
        "checks": [{"rule": "value_range", "severity": "error", "status": "error",
                    "observed": "42 readings out of range"},
                   {"rule": "sampling_rate", "severity": "warn", "status": "warn",
                    "observed": "3 blocks below 15 Hz"}],
    }
    body = f"if [ \"$2\" = \"check\" ]; then echo '{json.dumps(summary)}'; exit 1; fi"
    use_engine(wrapper(tmp_path, engine, body))
    with caplog.at_level(logging.ERROR):
        dr = run_local(dag, tmp_path / "lake", wisdm_source)
    states = task_states(dr)
    assert dr.state == "failed", states
    assert states["local.transform"] == "success"
    assert states["local.quality_gate"] == "failed"
    assert states["local.features"] == "upstream_failed"
    assert states["local.publish"] == "upstream_failed"
    assert not (tmp_path / "lake" / "_published.json").exists()
    # Failed once, without retries: a failed gate is not transient.
    assert dr.get_task_instance("local.quality_gate").try_number == 1
    assert "quality gate failed" in caplog.text
    assert "value_range: 42 readings out of range" in caplog.text
    message = next(r.getMessage() for r in caplog.records
                   if "quality gate failed" in r.getMessage())
    assert "sampling_rate" not in message  # a warning is not why the gate failed
    # The failure callback raised the alert.
    assert "SENSORLAKE ALERT dag=sensorlake_wisdm task=local.quality_gate" in caplog.text
