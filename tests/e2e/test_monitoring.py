"""Monitoring end to end (docs/monitoring.md): one `sensorlake run` at scale 0.01 with every
emitter on, against a fabricated history, then every output validated: the Prometheus
textfile with prometheus_client's parser, the EMF lines against the rules of AWS's EMF
specification, the JSON logs, the alert received by a local webhook and by SNS (moto in
server mode on loopback: AWS itself cannot run here), and every OpenLineage event against
the official JSON schema (tests/data/openlineage)."""

import http.server
import json
import re
import socket
import subprocess
import threading
import time
from pathlib import Path

import boto3
import hcl2
import jsonschema
import pytest
from prometheus_client.parser import text_string_to_metric_families
from referencing import Registry, Resource

from sensorlake_cli import REPO, sensorlake_bin

OL_DIR = REPO / "tests" / "data" / "openlineage"
METRICS_TF = REPO / "infra" / "terraform" / "modules" / "monitoring" / "metrics.tf"

# CloudWatch units (CloudWatch API reference, MetricDatum.Unit), as the EMF spec requires.
CW_UNITS = {
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
    "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second",
    "Terabits/Second", "Count/Second", "None"}


class Receiver(http.server.ThreadingHTTPServer):
    """Records every POST: a stand-in for the alert webhook and for Marquez."""

    def __init__(self):
        self.posts = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(h):  # noqa: N802
                body = h.rfile.read(int(h.headers["Content-Length"]))
                self.posts.append((h.path, json.loads(body)))
                h.send_response(201 if h.path == "/api/v1/lineage" else 200)
                h.send_header("Content-Length", "0")
                h.end_headers()

            def log_message(h, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_sns():
    """moto's server on loopback: a topic with an SQS queue subscribed to read what arrives."""
    port = free_port()
    proc = subprocess.Popen([str(REPO / ".venv" / "bin" / "moto_server"), "-H", "127.0.0.1",
                             "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        kw = dict(endpoint_url=endpoint, region_name="eu-west-1", aws_access_key_id="testing",
                  aws_secret_access_key="testing")
        sns, sqs = boto3.client("sns", **kw), boto3.client("sqs", **kw)
        for _ in range(100):
            try:
                topic = sns.create_topic(Name="sensorlake-alerts")["TopicArn"]
                break
            except Exception:  # the server is still starting
                time.sleep(0.1)
        queue = sqs.create_queue(QueueName="alerts")["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
        sns.subscribe(TopicArn=topic, Protocol="sqs",
                      Endpoint=qarn["Attributes"]["QueueArn"])
        yield {"endpoint": endpoint, "topic": topic, "sqs": sqs, "queue": queue}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def fabricate_history(lake, template_record, n=6):
    """n earlier successful runs of the same input taking about 100 s each, in a new lake
    (so that the monitored run does all the work, quarantine included)."""
    rec = json.loads(template_record.read_text())
    (lake / "_runs").mkdir(parents=True)
    for i in range(n):
        r = dict(rec, run_id=f"r-2020010{i + 1}T000000000Z", seconds=100.0 + 3 * (i % 3),
                 started_at=f"2020-01-0{i + 1}T00:00:00Z")
        (lake / "_runs" / f"{r['run_id']}.json").write_text(json.dumps(r))


@pytest.fixture(scope="module")
def monitored_run(tmp_path_factory, moto_sns):
    tmp = tmp_path_factory.mktemp("monitoring")
    first_lake, lake, out = tmp / "first", tmp / "lake", tmp / "out"
    out.mkdir()
    source = tmp / "source"
    subprocess.run([sensorlake_bin(), "-q", "generate", "--out", source, "--scale", "0.01",
                    "--seed", "7"], check=True, capture_output=True)
    # One malformed line: a quarantine reason, so every metric of the catalog is emitted.
    victim = sorted((source / "raw" / "phone" / "accel").glob("*.txt"))[0]
    with victim.open("a") as f:
        f.write("this is not a reading;\n")
    first = subprocess.run(
        [sensorlake_bin(), "--json", "run", "--lake", first_lake, "--source", source],
        capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    fabricate_history(lake, Path(json.loads(first.stdout)["record"]))

    receiver = Receiver()
    alerts_toml = tmp / "alerts.toml"
    alerts_toml.write_text("[alerts]\nmin_history = 5\nzscore_k = 3.0\newma_alpha = 0.3\n"
                           "quarantine_percent_max = 5.0\ntimeout_seconds = 5\n")
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sensorlake_bin(), "--log-format", "json", "run", "--lake", lake, "--source", source,
         "--metrics-textfile", out / "sensorlake.prom", "--metrics-emf", out / "emf.jsonl",
         "--environment", "test", "--alert-config", alerts_toml,
         "--alert-webhook", receiver.url + "/hook", "--alert-sns-topic", moto_sns["topic"],
         "--alert-sns-endpoint", moto_sns["endpoint"], "--lineage-url", receiver.url,
         "--lineage-file", out / "lineage.jsonl"],
        capture_output=True, text=True, timeout=300, env=env)
    receiver.shutdown()
    assert proc.returncode == 0, proc.stderr
    record = max((json.loads(p.read_text()) for p in (lake / "_runs").glob("*.json")),
                 key=lambda r: r["run_id"])
    return dict(lake=lake, out=out, proc=proc, receiver=receiver, record=record, sns=moto_sns,
                source=source)


def test_prometheus_textfile_parses_with_histogram_and_all_catalog_names(monitored_run):
    text = (monitored_run["out"] / "sensorlake.prom").read_text()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    hist = families["sensorlake_run_duration_history_seconds"]
    assert hist.type == "histogram"
    buckets = [s for s in hist.samples if s.name.endswith("_bucket")]
    assert buckets[-1].labels["le"] == "+Inf" and buckets[-1].value == 7  # 6 + this run
    assert families["sensorlake_runs"].type == "counter"
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            assert f"# HELP {line.split()[2]} " in text
    tf_names = set(engine_metrics())
    assert {n.replace(".", "_") for n in tf_names} <= set(families)
    reasons = families["sensorlake_transform_quarantined_by_reason"].samples
    assert sum(s.value for s in reasons) >= 1
    assert families["sensorlake_last_run_info"].samples[0].labels["run_id"] == \
        monitored_run["record"]["run_id"]
    assert not list(monitored_run["out"].glob("*.tmp"))  # renamed into place


def validate_emf(doc):
    """The rules of AWS's Embedded Metric Format specification."""
    aws = doc["_aws"]
    assert isinstance(aws["Timestamp"], int) and aws["Timestamp"] > 1_600_000_000_000
    directives = aws["CloudWatchMetrics"]
    assert isinstance(directives, list) and directives
    names = []
    for d in directives:
        assert isinstance(d["Namespace"], str) and 1 <= len(d["Namespace"]) <= 1024
        assert isinstance(d["Dimensions"], list)
        for dim_set in d["Dimensions"]:
            assert isinstance(dim_set, list) and len(dim_set) <= 30
            for dim in dim_set:
                assert isinstance(doc[dim], str), f"dimension {dim} must be a string root member"
        assert 1 <= len(d["Metrics"]) <= 100
        for m in d["Metrics"]:
            assert isinstance(m["Name"], str) and 1 <= len(m["Name"]) <= 1024
            assert m.get("Unit", "None") in CW_UNITS
            value = doc[m["Name"]]
            assert isinstance(value, (int, float)) or (
                isinstance(value, list) and len(value) <= 100)
            names.append(m["Name"])
    return names


def engine_metrics():
    conf = hcl2.loads(METRICS_TF.read_text())
    locals_ = {k: v for block in conf["locals"] for k, v in block.items()}
    return {k.strip('"'): v for k, v in locals_["engine_metrics"].items()}


def test_emf_lines_follow_the_spec_and_match_metrics_tf_exactly(monitored_run):
    lines = (monitored_run["out"] / "emf.jsonl").read_text().splitlines()
    emitted = set()
    for line in lines:
        doc = json.loads(line)
        emitted.update(validate_emf(doc))
        assert doc["environment"] == "test"
        assert doc["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "sensorlake"
    tf = engine_metrics()
    assert emitted == set(tf)  # every name in metrics.tf is emitted, and nothing else
    units = {m["Name"]: m["Unit"] for line in lines
             for d in json.loads(line)["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    assert all(units[n] == tf[n]["unit"].strip('"') for n in tf)


def test_json_logs_one_object_per_line_with_run_and_stage(monitored_run):
    run_id = monitored_run["record"]["run_id"]
    stages = set()
    for line in monitored_run["proc"].stderr.splitlines():
        j = json.loads(line)
        assert {"ts", "level", "run_id", "stage", "msg"} <= set(j)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", j["ts"])
        if j["stage"]:
            assert j["run_id"] == run_id
            stages.add(j["stage"])
    assert stages == {"ingest", "transform", "check", "features", "publish"}
    assert any(j.get("progress")
               for j in map(json.loads, monitored_run["proc"].stderr.splitlines()))


def test_anomaly_alert_reaches_webhook_and_sns(monitored_run):
    hooks = [body for path, body in monitored_run["receiver"].posts if path == "/hook"]
    assert len(hooks) == 1
    rules = {a["rule"] for a in hooks[0]["alerts"]}
    assert "anomaly_duration" in rules  # ~1 s against a history of ~100 s
    assert hooks[0]["run_id"] == monitored_run["record"]["run_id"]
    sns = monitored_run["sns"]
    msgs = sns["sqs"].receive_message(QueueUrl=sns["queue"], WaitTimeSeconds=2)["Messages"]
    envelope = json.loads(msgs[0]["Body"])
    assert json.loads(envelope["Message"])["run_id"] == monitored_run["record"]["run_id"]
    mon = monitored_run["record"]["monitoring"]
    assert {d["target"]: d["ok"] for d in mon["alerts"]["deliveries"]} == \
        {"webhook": True, "sns": True}
    assert "anomaly_duration" in {a["rule"] for a in mon["alerts"]["fired"]}


def ol_validator():
    resources = [(json.loads(p.read_text())["$id"],
                  Resource.from_contents(json.loads(p.read_text())))
                 for p in OL_DIR.glob("*.json")]
    registry = Registry().with_resources(resources)
    spec = json.loads((OL_DIR / "OpenLineage.json").read_text())
    run_event = {"$ref": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"}
    make = lambda schema: jsonschema.Draft202012Validator(  # noqa: E731
        schema, registry=registry, format_checker=jsonschema.FormatChecker())
    return make(run_event), make, spec


def facets(event):
    for f in event["run"].get("facets", {}).values():
        yield f
    for ds in event.get("inputs", []) + event.get("outputs", []):
        yield from ds.get("facets", {}).values()


def test_every_lineage_event_validates_against_the_openlineage_schema(monitored_run):
    validator, make, _ = ol_validator()
    from_file = [json.loads(x) for x in
                 (monitored_run["out"] / "lineage.jsonl").read_text().splitlines()]
    from_http = [b for p, b in monitored_run["receiver"].posts if p == "/api/v1/lineage"]
    assert len(from_file) == len(from_http) == 12  # pipeline + 5 stages, START and COMPLETE
    for event in from_file + from_http:
        validator.validate(event)
        for facet in facets(event):
            make({"$ref": facet["_schemaURL"]}).validate(facet)
    pipeline_uuid = from_file[0]["run"]["runId"]
    stage_events = [e for e in from_file if e["job"]["name"] != "sensorlake.run"]
    assert {e["run"]["facets"]["parent"]["run"]["runId"] for e in stage_events} == {pipeline_uuid}
    transform = [e for e in stage_events
                 if e["job"]["name"] == "sensorlake.run.transform"
                 and e["eventType"] == "COMPLETE"][0]
    curated = transform["outputs"][0]
    # OpenLineage's naming spec for a local file system: namespace "file", the absolute path.
    assert curated["namespace"] == "file"
    assert curated["name"] == (f"{monitored_run['lake']}/curated/_versions/"
                               f"{monitored_run['record']['versions']['curated']}/sensor_readings")
    fields = {f["name"] for f in curated["facets"]["schema"]["fields"]}
    assert {"subject", "activity", "timestamp_ns", "x", "y", "z"} <= fields
    assert monitored_run["record"]["monitoring"]["lineage"]["events"] == 12


def test_failed_delivery_is_a_warning_and_kept_in_the_record(monitored_run, tmp_path):
    # The same input again with a webhook nobody listens on: the run still succeeds. A
    # zero threshold makes the one quarantined line an alert.
    config = tmp_path / "alerts.toml"
    config.write_text("[alerts]\nquarantine_percent_max = 0.0\nattempts = 2\n")
    proc = subprocess.run(
        [sensorlake_bin(), "--json", "run", "--lake", monitored_run["lake"], "--source",
         monitored_run["source"], "--alert-config", config,
         "--alert-webhook", f"http://127.0.0.1:{free_port()}/hook",
         "--lineage-url", f"http://127.0.0.1:{free_port()}"],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    mon = json.loads(proc.stdout)["monitoring"]
    assert [a["rule"] for a in mon["alerts"]["fired"]] == ["quarantine_rate"]
    assert mon["alerts"]["deliveries"][0]["ok"] is False
    assert mon["lineage"]["failed"] == mon["lineage"]["events"] > 0
    assert any("alert delivery to webhook failed" in p for p in mon["problems"])


def test_runs_table_show_and_unknown_id(monitored_run):
    lake = monitored_run["lake"]
    proc = subprocess.run([sensorlake_bin(), "--json", "runs", "--lake", lake, "--limit", "3"],
                          capture_output=True, text=True, check=True)
    listing = json.loads(proc.stdout)
    assert len(listing["runs"]) == 3 and listing["total"] >= 7
    ids = [r["run_id"] for r in listing["runs"]]
    assert ids == sorted(ids, reverse=True)
    run_id = monitored_run["record"]["run_id"]
    text = subprocess.run([sensorlake_bin(), "runs", "show", run_id, "--lake", lake],
                          capture_output=True, text=True, check=True).stdout
    assert "transform" in text and "alert: anomaly_duration" in text
    assert "lineage events: 12 sent, 0 failed" in text
    table = subprocess.run([sensorlake_bin(), "runs", "--lake", lake],
                           capture_output=True, text=True, check=True).stdout
    assert run_id in table and "succeeded" in table
    bad = subprocess.run([sensorlake_bin(), "runs", "show", "r-nope", "--lake", lake],
                         capture_output=True, text=True)
    assert bad.returncode == 4 and "no run 'r-nope'" in bad.stderr


def test_alarms_use_emitted_names_including_quarantine_rate_and_anomalies():
    conf = {}
    for f in sorted(METRICS_TF.parent.glob("*.tf")):
        for key, blocks in hcl2.loads(f.read_text()).items():
            conf.setdefault(key, []).extend(blocks)
    alarms = {name.strip('"'): body for block in conf["resource"]
              for name, body in block.get('"aws_cloudwatch_metric_alarm"', {}).items()}
    names = set(engine_metrics())
    text = json.dumps(alarms)
    used = set(re.findall(r"sensorlake\.[a-z_.]+[a-z]", text))
    assert used and used <= names
    assert alarms["quarantine_rate"]["metric_name"].strip('"') == \
        "sensorlake.transform.quarantine_percent"
    assert "ANOMALY_DETECTION_BAND" in json.dumps(alarms["duration_anomaly"])
    assert "ANOMALY_DETECTION_BAND" in json.dumps(alarms["rows_anomaly"])
