"""A run whose stages an orchestrator starts one by one (issue 18): `sensorlake ingest|
transform|check|features|publish --run-id ID` (or SENSORLAKE_RUN_ID) records every stage in
one _runs/<ID>.json, with the telemetry `sensorlake run` has, configured from the
environment (SENSORLAKE_METRICS_EMF, SENSORLAKE_LINEAGE_FILE, ...; flags win)."""

import json
import os
import subprocess

import pytest

from sensorlake_cli import sensorlake_bin
from test_monitoring import engine_metrics, facets, ol_validator, validate_emf

STAGES = ["ingest", "transform", "check", "features", "publish"]
PARENT = {"namespace": "default", "name": "sensorlake_wisdm",  # the DAG run
          "run_id": "0190a3b2-1111-7222-8333-444455556666"}
# The task run that starts each stage (the provider's lineage_parent_id); publish runs
# without one, as a command started by hand would.
TASK_RUNS = {stage: f"0190a3b2-2222-7222-8333-44445555000{i}"
             for i, stage in enumerate(STAGES[:-1])}
ORCHESTRATOR = {"name": "airflow", "dag_id": "sensorlake_wisdm", "run_id": "manual__1",
                "lineage_parent": PARENT}


def keep(name):
    """The caller's variables but sensorlake's own; the catalog (conftest.py) stays."""
    return not name.startswith("SENSORLAKE_") or name == "SENSORLAKE_CATALOG"


def cli(*args, env=None):
    full_env = {k: v for k, v in os.environ.items() if keep(k)}
    full_env.update(env or {})
    proc = subprocess.run([sensorlake_bin(), "--json", *map(str, args)], capture_output=True,
                          text=True, env=full_env, timeout=600)
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else None, proc.stderr


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    out = tmp_path_factory.mktemp("stage-runs") / "source"
    subprocess.run([sensorlake_bin(), "-q", "generate", "--out", str(out), "--scale", "0.01",
                    "--seed", "5"], check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def staged_run(source, tmp_path_factory):
    """Five commands, one run: the id and the telemetry come from the environment."""
    out = tmp_path_factory.mktemp("staged")
    env = {"SENSORLAKE_RUN_ID": "r-dag-1", "SENSORLAKE_ORCHESTRATOR": json.dumps(ORCHESTRATOR),
           "SENSORLAKE_METRICS_EMF": str(out / "emf.jsonl"),
           "SENSORLAKE_LINEAGE_FILE": str(out / "lineage.jsonl"),
           "SENSORLAKE_ENVIRONMENT": "staging", "SENSORLAKE_LOG_FORMAT": "json"}
    summaries, stderrs = {}, {}
    for stage in STAGES:
        extra = ["--source", source] if stage == "ingest" else []
        task = {"SENSORLAKE_LINEAGE_PARENT": f"default/sensorlake_wisdm.local.{stage}/"
                                             f"{TASK_RUNS[stage]}"} if stage in TASK_RUNS else {}
        code, summary, err = cli(stage, *extra, "--lake", out / "lake", env={**env, **task})
        assert code == 0, err
        summaries[stage], stderrs[stage] = summary, err
    _, runs, _ = cli("runs", "--lake", out / "lake")
    _, shown, _ = cli("runs", "show", "r-dag-1", "--lake", out / "lake")
    return {"out": out, "summaries": summaries, "stderr": stderrs, "runs": runs, "record": shown}


def test_one_record_holds_every_stage_and_the_orchestrator(staged_run):
    runs = staged_run["runs"]["runs"]
    assert [r["run_id"] for r in runs] == ["r-dag-1"]
    record = staged_run["record"]
    assert record["outcome"] == "succeeded" and record["finished_at"]
    assert [s["stage"] for s in record["stages"]] == STAGES
    assert all(s["status"] == "completed" and s["attempts"] == 1 for s in record["stages"])
    assert record["orchestrator"] == ORCHESTRATOR
    assert set(record["versions"]) == {"engine", "raw", "curated", "quality_run", "features"}
    assert record["input"]["source"]  # from ingest
    for stage, summary in staged_run["summaries"].items():
        recorded = summary["recorded_run"]
        assert recorded["run_id"] == "r-dag-1" and recorded["record"].endswith("r-dag-1.json")
    assert staged_run["summaries"]["check"]["run_id"].startswith("q-")  # its own, kept
    # The publish command names the run in _published.json as `sensorlake run` does.
    published = json.loads((staged_run["out"] / "lake" / "_published.json").read_text())
    assert published["run_id"] == "r-dag-1"


def test_the_emf_lines_hold_every_stage_and_follow_the_spec(staged_run):
    lines = (staged_run["out"] / "emf.jsonl").read_text().splitlines()
    emitted, stages = set(), set()
    for line in lines:
        doc = json.loads(line)
        emitted.update(validate_emf(doc))
        assert doc["environment"] == "staging"  # SENSORLAKE_ENVIRONMENT
        if "stage" in doc:
            stages.add(doc["stage"])
    assert stages == set(STAGES)
    # Every metric metrics.tf declares (the per-reason quarantine counts only when a line was
    # quarantined: this generated data has none).
    assert set(engine_metrics()) - emitted == {"sensorlake.transform.quarantined_by_reason"}
    assert emitted <= set(engine_metrics())


def test_lineage_validates_and_the_run_names_its_orchestrator_as_parent(staged_run):
    validator, make, _ = ol_validator()
    events = [json.loads(x) for x in
              (staged_run["out"] / "lineage.jsonl").read_text().splitlines()]
    assert len(events) == 12  # the run and its 5 stages, START and COMPLETE, once each
    for event in events:
        validator.validate(event)
        for facet in facets(event):
            make({"$ref": facet["_schemaURL"]}).validate(facet)
    run_events = [e for e in events if e["job"]["name"] == "sensorlake.run"]
    assert [e["eventType"] for e in run_events] == ["START", "COMPLETE"]
    for e in run_events:
        parent = e["run"]["facets"]["parent"]
        assert parent["job"] == {"namespace": PARENT["namespace"], "name": PARENT["name"]}
        assert parent["run"]["runId"] == PARENT["run_id"]
    run_uuid = run_events[0]["run"]["runId"]
    # Each stage's parent is the task that started it, its root the DAG run; a stage
    # without a task (publish here) hangs under the lake's run.
    for e in events:
        stage = e["job"]["name"].removeprefix("sensorlake.run.")
        if e["job"]["name"] == "sensorlake.run":
            continue
        parent = e["run"]["facets"]["parent"]
        if stage in TASK_RUNS:
            assert parent["job"] == {"namespace": "default",
                                     "name": f"sensorlake_wisdm.local.{stage}"}
            assert parent["run"]["runId"] == TASK_RUNS[stage]
            assert parent["root"] == {"job": {"namespace": "default", "name": "sensorlake_wisdm"},
                                      "run": {"runId": PARENT["run_id"]}}
        else:
            assert parent["run"]["runId"] == run_uuid and "root" not in parent
    assert staged_run["record"]["monitoring"]["lineage"]["events"] == 12


def test_a_lineage_parent_that_is_not_the_providers_format_is_refused(source, tmp_path):
    code, summary, err = cli("ingest", "--source", source, "--lake", tmp_path / "lake",
                             env={"SENSORLAKE_RUN_ID": "r-bad-parent",
                                  "SENSORLAKE_LINEAGE_PARENT": "sensorlake_wisdm.local.ingest"})
    assert code == 3, err
    assert "<namespace>/<job name>/<run uuid>" in summary["error"]["message"]
    assert not (tmp_path / "lake" / "_runs").exists()


def test_logs_are_json_from_the_environment(source, tmp_path):
    env = {k: v for k, v in os.environ.items() if keep(k)}
    env.update(SENSORLAKE_RUN_ID="r-logs", SENSORLAKE_LOG_FORMAT="json")
    proc = subprocess.run([sensorlake_bin(), "ingest", "--source", str(source), "--lake",
                           str(tmp_path / "lake")], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    objects = [json.loads(line) for line in proc.stderr.splitlines() if line.strip()]
    staged = [o for o in objects if o.get("stage")]
    assert staged and all(o["run_id"] == "r-logs" and o["stage"] == "ingest" for o in staged)


def test_a_flag_wins_over_the_environment(source, tmp_path):
    env = {"SENSORLAKE_RUN_ID": "r-from-env",
           "SENSORLAKE_METRICS_EMF": str(tmp_path / "env.jsonl")}
    code, summary, err = cli("ingest", "--source", source, "--lake", tmp_path / "lake",
                             "--run-id", "r-from-flag", "--metrics-emf", tmp_path / "flag.jsonl",
                             env=env)
    assert code == 0, err
    assert summary["recorded_run"]["run_id"] == "r-from-flag"
    assert (tmp_path / "lake" / "_runs" / "r-from-flag.json").exists()
    assert not (tmp_path / "lake" / "_runs" / "r-from-env.json").exists()


def test_a_failed_stage_fails_the_run_keeps_its_exit_code_and_a_retry_resumes(source, tmp_path):
    lake = tmp_path / "lake"
    # The alert settings an orchestrator sets once (nothing listens on port 9).
    alerting = {"SENSORLAKE_ALERT_WEBHOOK": "http://127.0.0.1:9/hook"}
    code, _, err = cli("ingest", "--source", tmp_path / "missing", "--lake", lake,
                       "--run-id", "r-retry", env=alerting)
    assert code == 4, err  # not found, as without --run-id
    assert "does not exist" in err
    _, shown, _ = cli("runs", "show", "r-retry", "--lake", lake)
    assert shown["outcome"] == "failed" and shown["failed_stage"] == "ingest"
    assert "does not exist" in shown["error"]
    # The run ended with this stage: its alert, by the code `sensorlake run` uses.
    alerts = shown["monitoring"]["alerts"]
    assert [a["rule"] for a in alerts["fired"]] == ["pipeline_failed"]
    assert [(d["target"], d["ok"]) for d in alerts["deliveries"]] == [("webhook", False)]
    code, _, err = cli("ingest", "--source", source, "--lake", lake, "--run-id", "r-retry")
    assert code == 0, err
    _, shown, _ = cli("runs", "show", "r-retry", "--lake", lake)
    assert shown["outcome"] == "running" and shown["stages"][0]["status"] == "completed"
    assert shown["stages"][0]["attempts"] == 2


def test_a_run_id_that_is_not_a_file_name_is_a_usage_error(source, tmp_path):
    code, _, err = cli("transform", "--lake", tmp_path / "lake", "--run-id", "../escape")
    assert code == 3, err
    assert "run id '../escape'" in err
    assert not (tmp_path / "_runs").exists()


def test_sensorlake_run_takes_its_telemetry_from_the_environment_too(source, tmp_path):
    code, _, err = cli("run", "--source", source, "--lake", tmp_path / "lake",
                       env={"SENSORLAKE_METRICS_EMF": str(tmp_path / "emf.jsonl")})
    assert code == 0, err
    docs = [json.loads(x) for x in (tmp_path / "emf.jsonl").read_text().splitlines()]
    assert {d["stage"] for d in docs if "stage" in d} == set(STAGES)


def test_runs_record_keeps_a_stage_that_ran_elsewhere(tmp_path):
    """`runs record`: the Spark job's transform, with the summary it produced, or its error."""
    lake = tmp_path / "lake"
    summary = tmp_path / "summary.json"
    summary.write_text(json.dumps({"curated_version": "c-1", "totals": {"rows": 7},
                                   "spark": {"retried_partitions": [1]}}))
    code, out, err = cli("runs", "record", "--lake", lake, "--run-id", "r-spark",
                         "--stage", "transform", "--seconds", "12.5", "--summary", summary)
    assert code == 0, err
    assert out["status"] == "completed" and out["outcome"] == "running"
    _, shown, _ = cli("runs", "show", "r-spark", "--lake", lake)
    transform = shown["stages"][1]
    assert transform["seconds"] == 12.5 and transform["metrics"]["rows_out"] == 7
    assert transform["metrics"]["peak_rss_bytes"] == 0  # ran on executors, not here
    assert transform["summary"]["spark"]["retried_partitions"] == [1]
    assert shown["versions"]["curated"] == "c-1"

    code, out, err = cli("runs", "record", "--lake", lake, "--run-id", "r-spark", "--stage",
                         "transform", "--seconds", "1", "--error", "executor lost",
                         "--error-code", "IOError")
    assert code == 0, err
    _, shown, _ = cli("runs", "show", "r-spark", "--lake", lake)
    assert shown["outcome"] == "failed" and shown["failed_stage"] == "transform"
    assert "IOError: executor lost" in shown["error"]

    code, _, err = cli("runs", "record", "--lake", lake, "--run-id", "r-spark", "--stage",
                       "transform", "--seconds", "1", "--error", "x", "--error-code", "Nope")
    assert code == 3 and "--error-code Nope" in err
