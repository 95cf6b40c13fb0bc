"""The production path against an AWS emulator, every name taken from Terraform (issue 16,
items 4 and 7).

tests/infra/terraform_model.py evaluates infra/terraform/platform for the staging
environment in the emulator's account (the caller identity, as Terraform's data source would
read it). From that model, and from nothing else, the test creates in moto's server on
127.0.0.1 what the runtime path reads: the buckets, the roles with their inline and attached
policies, the instance profile, the SSM job-flow parameter, the alerts topic, the log groups
and the bootstrap object. Then it runs the path with each role's own credentials (STS
AssumeRole in the emulator):

  MWAA execution role   the DAG's emr backend (the cluster from the SSM spec, the step,
                        the teardown; then a failed step, whose callback alerts through SNS)
  EMR instance role     the engine on S3: `sensorlake run` from Terraform's source_uri into
                        Terraform's lake_uri (the calls the Spark job's driver and tasks make
                        through the same Lake code), its check and publish committing the
                        Iceberg tables in the catalog the step names (Terraform's
                        glue://<database>, pyiceberg's Glue catalog in the emulator)
  EMR instance role     the bootstrap's `aws s3` commands, read from the script
  GitHub deploy role    deploy-environment.yml's `aws s3` upload commands, read from it

Every request is recorded at the emulator and judged by tests/airflow/aws_emulator.py with
moto's own IAM policy engine against the policies Terraform attached to the caller's role.
The tests assert that no call is refused and that every call names only resources the
model declares; a negative control removes one statement and sees exactly its calls
refused, naming action and role. What only AWS can prove: the service-side checks (EMR
passing roles to EC2, S3 bucket policies, KMS key policies) and the AWS-managed policy of
the EMR service role acting on the VPC (docs/infrastructure.md)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import urllib.parse
import zipfile
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest

from aws_emulator import (Authorizations, Call, Emulator, audit, granted_statements,
                          role_policies)
from conftest import REPO, task_states

ENVIRONMENT = "staging"
ENGINE_VERSION = "4f1c2e9"  # what the deploy passes as TF_VAR_engine_version (the commit)
WHEEL = "sensorlake-0.1.0-cp311-cp311-manylinux_2_28_x86_64.whl"
ADMIN = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
BOOTSTRAP = REPO / "infra" / "emr" / "bootstrap" / "install-sensorlake.sh"
DEPLOY = REPO / ".github" / "workflows" / "deploy-environment.yml"
# Actions that AWS does not scope by resource: the policies hold them with conditions.
# The statements of the platform's inline policies that no call of this path needs, each
# with who needs it; any other unneeded statement fails the test ("enough and no more").
NOT_EXERCISED_HERE = {
    ("mwaa-execution", "PublishMetrics"): "MWAA itself (Airflow metrics to CloudWatch)",
    ("mwaa-execution", "AirflowLogs"): "MWAA itself (task and scheduler logs)",
    ("mwaa-execution", "CeleryQueue"): "MWAA itself (its Celery queue)",
    ("mwaa-execution", "UseProjectKey"): "KMS under SSE-KMS objects, topic and logs (no KMS here)",
    ("mwaa-execution", "ReadDagsAndRequirements"): "MWAA itself (DAGs and requirements sync)",
    ("mwaa-execution", "ReadRunRecordsAndPointers"): "issue 18: the DAG reads its run's record",
    ("emr-instance", "UseProjectKey"): "KMS under SSE-KMS objects (no KMS here)",
    ("emr-instance", "WriteClusterLogs"): "EMR's log pusher on the nodes",
    ("emr-instance", "ClusterAgentMetrics"): "EMR's CloudWatch agent (the nodes' host metrics)",
    ("github-deploy", "EncryptUploads"): "KMS under SSE-KMS uploads (no KMS here)",
    ("emr-service", "PassInstanceRole"): "EMR itself, passing the instance role to EC2",
    ("vpc-flow-logs", None): "VPC flow logs delivery",
}
UNSCOPED = {"elasticmapreduce:RunJobFlow", "elasticmapreduce:ListClusters",
            "cloudwatch:PutMetricData", "sts:GetCallerIdentity"}


def terraform_model(account: str) -> dict:
    """The platform as Terraform would plan it, from the project's venv (python-hcl2)."""
    python = REPO / ".venv" / "bin" / "python"
    proc = subprocess.run(
        [str(python), str(REPO / "tests" / "infra" / "terraform_model.py"),
         "--environment", ENVIRONMENT, "--account", account,
         "--var", f"engine_version={ENGINE_VERSION}"],
        capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def of_type(model: dict, rtype: str) -> dict[str, dict]:
    return {a: r["values"] for a, r in model["resources"].items()
            if r["type"] == rtype and r["mode"] == "resource"}


def one(model: dict, address: str) -> dict:
    return model["resources"][address]["values"]


def provision(model: dict, endpoint: str, region: str) -> list[str]:
    """Create in the emulator what the model declares and the runtime path reads; returns
    the addresses created."""
    def client(service):
        return boto3.client(service, region_name=region, endpoint_url=endpoint, **ADMIN)

    s3, iam, ssm, sns, logs, glue = (client(s)
                                     for s in ("s3", "iam", "ssm", "sns", "logs", "glue"))
    created = []
    for address, v in of_type(model, "aws_s3_bucket").items():
        s3.create_bucket(Bucket=v["bucket"])
        created.append(address)
    for address, v in of_type(model, "aws_iam_role").items():
        iam.create_role(RoleName=v["name"], AssumeRolePolicyDocument=v["assume_role_policy"])
        created.append(address)
    for address, v in of_type(model, "aws_iam_role_policy").items():
        iam.put_role_policy(RoleName=v["role"], PolicyName=v["name"], PolicyDocument=v["policy"])
        created.append(address)
    for address, v in of_type(model, "aws_iam_role_policy_attachment").items():
        iam.attach_role_policy(RoleName=v["role"], PolicyArn=v["policy_arn"])
        created.append(address)
    for address, v in of_type(model, "aws_iam_instance_profile").items():
        iam.create_instance_profile(InstanceProfileName=v["name"])
        iam.add_role_to_instance_profile(InstanceProfileName=v["name"], RoleName=v["role"])
        created.append(address)
    for address, v in of_type(model, "aws_ssm_parameter").items():
        ssm.put_parameter(Name=v["name"], Type=v["type"], Value=v["value"], Tier=v["tier"])
        created.append(address)
    for address, v in of_type(model, "aws_sns_topic").items():
        sns.create_topic(Name=v["name"])
        created.append(address)
    for address, v in of_type(model, "aws_cloudwatch_log_group").items():
        logs.create_log_group(logGroupName=v["name"])
        created.append(address)
    for address, v in of_type(model, "aws_glue_catalog_database").items():
        glue.create_database(DatabaseInput={"Name": v["name"], "Description": v["description"]})
        created.append(address)
    for address, v in of_type(model, "aws_s3_object").items():
        s3.put_object(Bucket=v["bucket"], Key=v["key"], Body=Path(v["source"]).read_bytes())
        created.append(address)
    return created


@pytest.fixture(scope="module")
def platform(engine, wisdm_source, tmp_path_factory):
    emulator = Emulator(tmp_path_factory.mktemp("aws"))
    try:
        sts = boto3.client("sts", region_name="us-east-1", endpoint_url=emulator.endpoint,
                           **ADMIN)
        account = sts.get_caller_identity()["Account"]
        model = terraform_model(account)
        region = model["region"]
        created = provision(model, emulator.endpoint, region)

        # Each role's own credentials, as the service that holds the role gets them.
        creds, principals = {}, {}
        for v in of_type(model, "aws_iam_role").values():
            c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{v['name']}",
                                RoleSessionName="production-path")["Credentials"]
            creds[v["name"]] = c
            principals[c["AccessKeyId"]] = v["name"]

        # The dataset where Terraform's source_uri says it is (put there by its owner).
        archive = tmp_path_factory.mktemp("raw") / "wisdm-dataset.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            for p in sorted(wisdm_source.rglob("*")):
                if p.is_file():
                    z.write(p, Path("wisdm-dataset") / p.relative_to(wisdm_source))
        bucket, key = mwaa_options(model)["source_uri"][5:].split("/", 1)
        boto3.client("s3", region_name=region, endpoint_url=emulator.endpoint,
                     **ADMIN).upload_file(str(archive), bucket, key)
        emulator.record.write_text("")  # from here on: only the path's own calls
        yield SimpleNamespace(emulator=emulator, model=model, account=account, region=region,
                              creds=creds, principals=principals, created=created,
                              engine=engine)
    finally:
        emulator.stop()


def mwaa_options(model: dict) -> dict[str, str]:
    env = one(model, "module.mwaa.aws_mwaa_environment.this")
    return {k.split(".", 1)[1]: v for k, v in env["airflow_configuration_options"].items()
            if k.startswith("sensorlake.")}


def engine_log_group(model: dict) -> str:
    return one(model, 'module.monitoring.aws_cloudwatch_log_group.this["engine"]')["name"]


def role_name(model: dict, address: str) -> str:
    return one(model, address)["name"]


def run_dag_as_mwaa(platform, dag, monkeypatch, final_state: str):
    """dag.test() with the MWAA execution role's credentials and MWAA's [sensorlake] options
    (AIRFLOW__SENSORLAKE__*, as MWAA sets them from airflow_configuration_options)."""
    from sensorlake_dag.config import dag_params

    c = platform.creds[role_name(platform.model, "module.iam.aws_iam_role.mwaa")]
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", json.dumps({
        "conn_type": "aws", "login": c["AccessKeyId"], "password": c["SecretAccessKey"],
        "extra": {"region_name": platform.region, "endpoint_url": platform.emulator.endpoint,
                  "aws_session_token": c["SessionToken"]}}))
    for key, value in mwaa_options(platform.model).items():
        monkeypatch.setenv(f"AIRFLOW__SENSORLAKE__{key.upper()}", value)
    # A worker's own SENSORLAKE_CATALOG would win over the option; MWAA's workers set none
    # (scripts/test.sh exports none for the other suites).
    monkeypatch.delenv("SENSORLAKE_CATALOG", raising=False)
    conf = {name: p.value for name, p in dag_params().items()}
    sensor = dag.get_task("emr.wait_for_spark_step")
    saved_timeout, sensor.timeout = sensor.timeout, 60
    platform.emulator.drive_steps(final_state, platform.region)
    try:
        return dag.test(run_conf=conf), conf
    finally:
        sensor.timeout = saved_timeout
        platform.emulator.drive_steps(None)


def step_telemetry(platform, state: str) -> dict[str, str]:
    """What the DAG's Spark step hands the job (read back from the emulator): the DAG run's
    id, the environment, where the engine's metrics and alerts go, and the tables'
    catalog (the job sets each as the engine's variable)."""
    emr = boto3.client("emr", region_name=platform.region,
                       endpoint_url=platform.emulator.endpoint, **ADMIN)
    for cluster in emr.list_clusters()["Clusters"]:
        for step in emr.list_steps(ClusterId=cluster["Id"])["Steps"]:
            if step["Status"]["State"] != state:
                continue
            args = step["Config"]["Args"]
            value = {a: args[i + 1] for i, a in enumerate(args[:-1]) if a.startswith("--")}
            return {"SENSORLAKE_RUN_ID": value["--run-id"],
                    "SENSORLAKE_ORCHESTRATOR": value["--orchestrator"],
                    "SENSORLAKE_ENVIRONMENT": value["--environment"],
                    "SENSORLAKE_METRICS_LOG_GROUP": value["--metrics-log-group"],
                    "SENSORLAKE_ALERT_SNS_TOPIC": value["--alert-sns-topic"],
                    "SENSORLAKE_CATALOG": value["--catalog"]}
    raise AssertionError(f"no {state} step in the emulator")


def engine_as_instance_role(platform, args: list[str], telemetry: dict[str, str]) -> dict:
    """The engine as the Spark job's driver runs it on a cluster node: the instance role's
    credentials, the telemetry and catalog the job sets from its step arguments."""
    import os

    c = platform.creds[role_name(platform.model, "module.iam.aws_iam_role.emr_instance")]
    env = {**os.environ, "AWS_ACCESS_KEY_ID": c["AccessKeyId"],
           "AWS_SECRET_ACCESS_KEY": c["SecretAccessKey"], "AWS_SESSION_TOKEN": c["SessionToken"],
           "AWS_REGION": platform.region, "AWS_ENDPOINT_URL": platform.emulator.endpoint,
           **telemetry}
    proc = subprocess.run([str(platform.engine), "--json", *args],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]
    return json.loads(proc.stdout)


def run_engine_as_instance_role(platform, telemetry: dict[str, str], lineage: Path) -> dict:
    """`sensorlake run` from Terraform's source_uri into Terraform's lake_uri (the calls the
    Spark job's driver and tasks make through the same Lake code), as its own run, its
    lineage events to a file; its check and publish commit the Iceberg tables in the
    step's catalog (SENSORLAKE_CATALOG, Terraform's glue://<database>)."""
    options = mwaa_options(platform.model)
    own = {k: v for k, v in telemetry.items() if k not in ("SENSORLAKE_RUN_ID",
                                                           "SENSORLAKE_ORCHESTRATOR",
                                                           "SENSORLAKE_LINEAGE_PARENT")}
    own["SENSORLAKE_LINEAGE_FILE"] = str(lineage)
    return engine_as_instance_role(platform, ["run", "--source", options["source_uri"], "--lake",
                                              options["lake_uri"]], own)


def record_failed_spark_transform(platform, telemetry: dict[str, str]) -> dict:
    """What the Spark job of the failed DAG run does when its transform fails: its ingest
    records the run's first stage, `runs record --error` the transform's failure, which ends
    the run, so the engine sends the run's EMF lines and publishes its failure alert."""
    options = mwaa_options(platform.model)
    engine_as_instance_role(platform, ["ingest", "--source", options["source_uri"], "--lake",
                                       options["lake_uri"]], telemetry)
    recorded = engine_as_instance_role(
        platform, ["runs", "record", "--lake", options["lake_uri"], "--stage", "transform",
                   "--seconds", "12.5", "--error", "injected: Job aborted due to stage failure",
                   "--error-code", "IOError"], telemetry)
    assert recorded["outcome"] == "failed" and recorded["status"] == "failed", recorded
    return engine_as_instance_role(
        platform, ["runs", "show", recorded["run_id"], "--lake", options["lake_uri"]], {})


def log_group_documents(platform, group: str, stream: str) -> list[dict]:
    logs = boto3.client("logs", region_name=platform.region,
                        endpoint_url=platform.emulator.endpoint, **ADMIN)
    events = logs.get_log_events(logGroupName=group, logStreamName=stream,
                                 startFromHead=True)["events"]
    return [json.loads(e["message"]) for e in events]


# ------------------------------------------------------------------ the scripts' calls
def _s3_parts(uri: str) -> tuple[str, str]:
    bucket, _, key = uri[len("s3://"):].partition("/")
    return bucket, key


def script_s3_calls(principal: str, lines: list[str], variables: dict[str, str],
                    files_of: dict[str, list[str]], origin: str) -> list[Call]:
    """The S3 authorizations of `aws s3 cp|sync` command lines (the CLI's documented
    requests: cp downloads GetObject, uploads PutObject; --recursive and sync list the
    prefix; sync --delete deletes)."""
    calls = []
    for line in lines:
        m = re.search(r"\baws s3 (cp|sync) (.*?)(;|$)", line)
        if not m:
            continue
        text = re.sub(r"\$\{?(\w+)\}?", lambda v: variables.get(v.group(1), v.group(0)),
                      m.group(2))
        words = [w for w in shlex.split(text) if not w.startswith("--")
                 and w not in ("*",) and not w.startswith("sensorlake-*")]
        flags = set(re.findall(r"--[\w-]+", text))
        src, dest = words[0], words[1]
        if src.startswith("s3://"):  # a download
            bucket, key = _s3_parts(src)
            if "--recursive" in flags:
                calls.append(Call(principal, "s3:ListBucket", f"arn:aws:s3:::{bucket}",
                                  {"s3:prefix": key}, f"{origin}: {line.strip()}"))
                keys = [key + f for f in files_of[src]]
            else:
                keys = [key]
            calls += [Call(principal, "s3:GetObject", f"arn:aws:s3:::{bucket}/{k}", {},
                           f"{origin}: {line.strip()}") for k in keys]
        else:  # an upload
            bucket, key = _s3_parts(dest)
            if m.group(1) == "sync":
                calls.append(Call(principal, "s3:ListBucket", f"arn:aws:s3:::{bucket}",
                                  {"s3:prefix": key}, f"{origin}: {line.strip()}"))
                for f in files_of[src]:
                    for action in ("s3:PutObject",) + (("s3:DeleteObject",)
                                                       if "--delete" in flags else ()):
                        calls.append(Call(principal, action, f"arn:aws:s3:::{bucket}/{key}{f}",
                                          {}, f"{origin}: {line.strip()}"))
            else:
                calls.append(Call(principal, "s3:PutObject", f"arn:aws:s3:::{bucket}/{key}",
                                  {}, f"{origin}: {line.strip()}"))
    return calls


def bootstrap_calls(model: dict) -> list[Call]:
    """The bootstrap's S3 calls with the arguments Terraform's job flow gives it."""
    spec = json.loads(one(model, "module.emr.aws_ssm_parameter.job_flow")["value"])
    (action,) = spec["BootstrapActions"]
    artifact, version = action["ScriptBootstrapAction"]["Args"][:2]
    wheels = artifact.rsplit("/", 1)[0] + "/"  # the script's default: the engine's prefix
    role = role_name(model, "module.iam.aws_iam_role.emr_instance")
    lines = BOOTSTRAP.read_text().splitlines()
    calls = script_s3_calls(role, lines, {"artifact": artifact, "version": version,
                                          "wheels": wheels, "tmp": "/tmp/x"},
                            {wheels: [WHEEL]}, "bootstrap")
    assert len(calls) == 3, calls  # the tarball; the wheel prefix listed and its wheel read
    return calls


def deploy_calls(model: dict) -> list[Call]:
    """deploy-environment.yml's uploads, with Terraform's outputs as the workflow reads them."""
    bucket = model["outputs"]["buckets"]["artifacts"]
    role = model["outputs"]["github_deploy_role_arn"].rsplit("/", 1)[1]
    files = {d: sorted(str(p.relative_to(REPO / d)) for p in (REPO / d).rglob("*")
                       if p.is_file() and "__pycache__" not in p.parts)
             for d in ("dags", "spark")}
    lines = [ln.replace('"$wheel"', WHEEL).replace("$wheel", WHEEL)
             for ln in DEPLOY.read_text().splitlines()]
    calls = script_s3_calls(role, lines, {"BUCKET": bucket, "SHA": ENGINE_VERSION}, files,
                            "deploy-environment.yml")
    assert {c.action for c in calls} == {"s3:PutObject", "s3:ListBucket", "s3:DeleteObject"}
    return calls


# ------------------------------------------------------------------ the audit
def recorded_calls(platform) -> list[Call]:
    emr = boto3.client("emr", region_name=platform.region,
                       endpoint_url=platform.emulator.endpoint, **ADMIN)
    iam = boto3.client("iam", region_name=platform.region,
                       endpoint_url=platform.emulator.endpoint, **ADMIN)

    def tags(cluster_id):
        cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
        return {t["Key"]: t["Value"] for t in cluster.get("Tags", [])}

    def role_of(profile):
        return iam.get_instance_profile(InstanceProfileName=profile)[
            "InstanceProfile"]["Roles"][0]["RoleName"]

    auth = Authorizations(platform.account, platform.principals, tags, role_of)
    calls = []
    for req in platform.emulator.requests():
        calls += auth.calls(req)
    return calls


def policies(platform, without_sid: str = "") -> dict[str, list[str]]:
    """Each role's policy documents as the emulator's IAM holds them; `without_sid` drops
    that statement (the negative control)."""
    iam = boto3.client("iam", region_name=platform.region,
                       endpoint_url=platform.emulator.endpoint, **ADMIN)
    out = {}
    for v in of_type(platform.model, "aws_iam_role").values():
        docs = role_policies(iam, v["name"])
        if without_sid:
            docs = [json.dumps({**d, "Statement": [s for s in d["Statement"]
                                                   if s.get("Sid") != without_sid]})
                    for d in map(json.loads, docs)]
        out[v["name"]] = docs
    return out


def declared(platform, calls: list[Call]) -> list[str]:
    """Calls naming a resource the model does not declare (clusters: those the DAG made from
    the SSM spec's name; objects: inside a declared bucket)."""
    model = platform.model
    arns = {r["values"]["arn"] for r in model["resources"].values() if "arn" in r["values"]}
    buckets = {v["bucket"] for v in of_type(model, "aws_s3_bucket").values()}
    groups = {v["name"] for v in of_type(model, "aws_cloudwatch_log_group").values()}
    databases = {v["arn"] for v in of_type(model, "aws_glue_catalog_database").values()}
    glue_catalog = f"arn:aws:glue:{platform.region}:{platform.account}:catalog"
    spec = json.loads(one(model, "module.emr.aws_ssm_parameter.job_flow")["value"])
    emr = boto3.client("emr", region_name=platform.region,
                       endpoint_url=platform.emulator.endpoint, **ADMIN)
    clusters = {c["Id"] for c in emr.list_clusters()["Clusters"]
                if c["Name"].startswith(spec["Name"] + "-")}
    outside = []
    for c in calls:
        r = c.resource
        ok = (r in arns
              or (r == "*" and c.action in UNSCOPED)
              or (r.startswith("arn:aws:s3:::") and r[13:].split("/", 1)[0] in buckets)
              or any(r.endswith(f":cluster/{i}") for i in clusters)
              or any(f":log-group:{g}:log-stream:" in r for g in groups)
              or (r == glue_catalog and databases)
              or any(r.startswith(d.replace(":database/", ":table/", 1) + "/")
                     for d in databases))
        if not ok:
            outside.append(str(c))
    return outside


@pytest.fixture(scope="module")
def production_run(platform, dag, tmp_path_factory):
    """Run the whole path once (module scope): DAG success, DAG failure, engine."""
    monkeypatch = pytest.MonkeyPatch()
    try:
        ok_run, conf = run_dag_as_mwaa(platform, dag, monkeypatch, "COMPLETED")
        failed_run, _ = run_dag_as_mwaa(platform, dag, monkeypatch, "FAILED")
    finally:
        monkeypatch.undo()
    ok_telemetry = step_telemetry(platform, "COMPLETED")
    failed_telemetry = step_telemetry(platform, "FAILED")
    lineage = tmp_path_factory.mktemp("lineage") / "engine.jsonl"
    summary = run_engine_as_instance_role(platform, ok_telemetry, lineage)
    failed_record = record_failed_spark_transform(platform, failed_telemetry)
    calls = recorded_calls(platform)
    calls += bootstrap_calls(platform.model) + deploy_calls(platform.model)
    return SimpleNamespace(ok=ok_run, failed=failed_run, conf=conf, engine=summary, calls=calls,
                           lineage=[json.loads(x) for x in lineage.read_text().splitlines()],
                           ok_telemetry=ok_telemetry, failed_telemetry=failed_telemetry,
                           failed_record=failed_record)


def test_the_emulator_holds_what_terraform_declares(platform):
    """The set-up took its names from the model: the MWAA options point at objects that now
    exist in the emulator, created from the same model."""
    kinds = {platform.model["resources"][a]["type"] for a in platform.created}
    assert {"aws_s3_bucket", "aws_iam_role", "aws_iam_role_policy", "aws_ssm_parameter",
            "aws_sns_topic", "aws_cloudwatch_log_group", "aws_iam_instance_profile",
            "aws_iam_role_policy_attachment"} <= kinds
    options = mwaa_options(platform.model)
    ssm = boto3.client("ssm", region_name=platform.region,
                       endpoint_url=platform.emulator.endpoint, **ADMIN)
    spec = json.loads(ssm.get_parameter(Name=options["emr_job_flow_param"])["Parameter"]["Value"])
    assert spec["Name"] == f"sensorlake-{ENVIRONMENT}-sensorlake"
    assert spec["BootstrapActions"][0]["ScriptBootstrapAction"]["Args"][1] == ENGINE_VERSION
    assert "(known after apply" not in json.dumps(spec)


def test_the_dag_runs_the_cluster_from_terraform_and_alerts_on_failure(platform, production_run):
    assert production_run.ok.state == "success", task_states(production_run.ok)
    assert production_run.failed.state == "failed"
    emr = boto3.client("emr", region_name=platform.region,
                       endpoint_url=platform.emulator.endpoint, **ADMIN)
    spec = json.loads(one(platform.model, "module.emr.aws_ssm_parameter.job_flow")["value"])
    clusters = emr.list_clusters()["Clusters"]
    assert len(clusters) == 2 and all(c["Status"]["State"] == "TERMINATED" for c in clusters)
    for c in clusters:
        cluster = emr.describe_cluster(ClusterId=c["Id"])["Cluster"]
        assert cluster["ServiceRole"] == spec["ServiceRole"]
        assert cluster["Ec2InstanceAttributes"]["IamInstanceProfile"] == spec["JobFlowRole"]
        assert cluster["LogUri"] == spec["LogUri"]
        assert cluster["SecurityConfiguration"] == spec["SecurityConfiguration"]
    # The failed run's callback published to Terraform's alerts topic, as the MWAA role.
    topic = platform.model["outputs"]["alerts_topic_arn"]
    mwaa = role_name(platform.model, "module.iam.aws_iam_role.mwaa")
    published = [c for c in production_run.calls
                 if c.action == "sns:Publish" and c.principal == mwaa]
    assert published and all(c.resource == topic for c in published)


def test_the_engine_runs_on_terraform_s3_paths_with_the_instance_role(platform, production_run):
    summary = production_run.engine
    assert summary["ok"] is True
    lake_bucket = mwaa_options(platform.model)["lake_uri"][5:].split("/")[0]
    engine_calls = [c for c in production_run.calls
                    if c.principal == role_name(platform.model,
                                                "module.iam.aws_iam_role.emr_instance")
                    and not c.origin.startswith("bootstrap")]
    writes = [c for c in engine_calls if c.action == "s3:PutObject"]
    assert writes and all(c.resource.startswith(f"arn:aws:s3:::{lake_bucket}/lake/")
                          for c in writes)


def test_no_call_of_the_production_path_is_refused(platform, production_run):
    """Every call, judged by moto's policy engine against its role's Terraform policies."""
    calls = production_run.calls
    refused = audit(platform.emulator, calls, policies(platform))
    assert refused == [], "\n".join(refused)
    by_role = {}
    for c in calls:
        by_role.setdefault(c.principal, set()).add(c.action)
    print("IAM calls checked:", len(calls),
          json.dumps({r: sorted(a) for r, a in by_role.items()}, indent=1))
    # The path exercised every role that makes calls, and the calls one expects of each.
    mwaa = role_name(platform.model, "module.iam.aws_iam_role.mwaa")
    assert {"ssm:GetParameter", "elasticmapreduce:RunJobFlow", "iam:PassRole",
            "elasticmapreduce:AddJobFlowSteps", "elasticmapreduce:TerminateJobFlows",
            "sns:Publish"} <= by_role[mwaa]
    instance = role_name(platform.model, "module.iam.aws_iam_role.emr_instance")
    assert {"s3:GetObject", "s3:PutObject", "s3:ListBucket", "logs:CreateLogStream",
            "logs:PutLogEvents", "sns:Publish", "glue:GetDatabase", "glue:GetTable",
            "glue:CreateTable", "glue:UpdateTable"} <= by_role[instance]
    # Terraform owns the database: the engine looks it up and never creates one; only the
    # instance role, which runs the engine, calls Glue.
    assert "glue:CreateDatabase" not in by_role[instance]
    assert {r for r, actions in by_role.items()
            if any(a.startswith("glue:") for a in actions)} == {instance}
    github = role_name(platform.model, "module.iam.aws_iam_role.github_deploy")
    assert {"s3:PutObject", "s3:DeleteObject"} <= by_role[github]


def test_every_call_names_only_resources_terraform_declares(platform, production_run):
    outside = declared(platform, production_run.calls)
    assert outside == [], "\n".join(outside)


def test_a_missing_statement_refuses_exactly_its_calls_naming_action_and_role(
        platform, production_run):
    """The negative control: without the MWAA role's PublishAlerts statement, the failure
    alert is refused, and nothing else."""
    refused = audit(platform.emulator, production_run.calls,
                    policies(platform, without_sid="PublishAlerts"))
    mwaa = role_name(platform.model, "module.iam.aws_iam_role.mwaa")
    assert refused, "removing PublishAlerts refused nothing: the audit cannot fail"
    assert all(line.startswith(f"implicitly denied: {mwaa}: sns:Publish on ") for line in refused)
    refused = audit(platform.emulator, production_run.calls,
                    policies(platform, without_sid="ReadWriteLake"))
    assert refused and all(": s3:" in line and "/lake/" in line for line in refused)
    # Without the Glue statement, exactly the engine's catalog calls are refused.
    refused = audit(platform.emulator, production_run.calls,
                    policies(platform, without_sid="GlueCatalogOfTheProject"))
    instance = role_name(platform.model, "module.iam.aws_iam_role.emr_instance")
    glue_calls = [c for c in production_run.calls if c.action.startswith("glue:")]
    assert refused and len(refused) == len(glue_calls), refused
    assert all(line.startswith(f"implicitly denied: {instance}: glue:") for line in refused)


def test_the_publish_advances_the_iceberg_tables_in_terraform_glue_database(
        platform, production_run):
    """The engine's run (as the instance role, with the step's catalog) registered the three
    Iceberg tables in the database Terraform declares, their metadata under the lake's
    tables/ prefix, and main of sensor_readings is the snapshot the publish recorded."""
    database = one(platform.model, "module.analytics.aws_glue_catalog_database.this")["name"]
    assert production_run.ok_telemetry["SENSORLAKE_CATALOG"] == f"glue://{database}" == \
        mwaa_options(platform.model)["catalog"]
    glue = boto3.client("glue", region_name=platform.region,
                        endpoint_url=platform.emulator.endpoint, **ADMIN)
    tables = {t["Name"]: t for t in glue.get_tables(DatabaseName=database)["TableList"]}
    assert set(tables) == {"sensor_readings", "quarantine", "feature_windows"}
    lake = mwaa_options(platform.model)["lake_uri"]
    for name, t in tables.items():
        assert t["Parameters"]["table_type"].upper() == "ICEBERG", t
        assert t["Parameters"]["metadata_location"].startswith(
            f"{lake}/tables/{name}/metadata/"), t
    # The metadata file Glue points at, read back from the lake: main is the snapshot the
    # publish recorded in _published.json, of the version it published.
    s3 = boto3.client("s3", region_name=platform.region,
                      endpoint_url=platform.emulator.endpoint, **ADMIN)

    def read(uri):
        bucket, key = uri[len("s3://"):].split("/", 1)
        return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())

    published = read(f"{lake}/_published.json")
    metadata = read(tables["sensor_readings"]["Parameters"]["metadata_location"])
    main = metadata["refs"]["main"]["snapshot-id"]
    assert set(metadata["refs"]) == {"main"}  # the audit branch was dropped
    assert str(main) == str(published["tables"]["tables"]["sensor_readings"]["snapshot_id"])
    (snapshot,) = [x for x in metadata["snapshots"] if x["snapshot-id"] == main]
    assert snapshot["summary"]["sensorlake.curated-version"] == published["curated_version"]


def test_every_statement_is_needed_by_a_call_or_by_a_named_service(platform, production_run):
    """IAM that is no more than enough: each inline statement Terraform declares either
    allowed some call of this run, or is in NOT_EXERCISED_HERE with who needs it."""
    granted = granted_statements(platform.emulator, production_run.calls, policies(platform))
    prefix = f"sensorlake-{ENVIRONMENT}-"
    declared_sids = set()
    for v in of_type(platform.model, "aws_iam_role_policy").values():
        for st in json.loads(v["policy"])["Statement"]:
            declared_sids.add((v["role"], st.get("Sid")))
    expected_unused = {(prefix + role, sid) for role, sid in NOT_EXERCISED_HERE}
    unused = {(role, sid) for role, sid in declared_sids if (role, sid) not in granted}
    assert unused == expected_unused, (
        f"needed by nothing: {sorted(unused - expected_unused)}; "
        f"listed as not exercised but used: {sorted(expected_unused - unused)}")


def test_the_step_hands_the_job_terraform_telemetry(platform, production_run):
    """The DAG passes the Spark job the DAG run's id and Terraform's log group, alerts topic
    and environment (MWAA's options), which the job sets for its engine commands."""
    options = mwaa_options(platform.model)
    for telemetry in (production_run.ok_telemetry, production_run.failed_telemetry):
        assert telemetry["SENSORLAKE_METRICS_LOG_GROUP"] == \
            engine_log_group(platform.model) == options["metrics_log_group"]
        assert telemetry["SENSORLAKE_ALERT_SNS_TOPIC"] == options["alert_topic_arn"]
        assert telemetry["SENSORLAKE_ENVIRONMENT"] == ENVIRONMENT
    assert production_run.ok_telemetry["SENSORLAKE_RUN_ID"] != \
        production_run.failed_telemetry["SENSORLAKE_RUN_ID"]


def test_the_engine_metrics_fill_the_alarms_terraform_declares(platform, production_run):
    """The engine's EMF lines arrive in Terraform's log group (one stream per run), and for
    every alarm on an engine metric there is a document CloudWatch turns into exactly that
    metric: namespace, name and dimensions as the alarm reads them. The failed Spark run
    reports sensorlake.run.failed = 1, which the run_failed alarm fires on."""
    group = engine_log_group(platform.model)
    ok_run = production_run.engine["run_id"]
    failed_run = production_run.failed_telemetry["SENSORLAKE_RUN_ID"]
    ok_docs = log_group_documents(platform, group, ok_run)
    failed_docs = log_group_documents(platform, group, failed_run)
    assert {d.get("stage") for d in ok_docs if "stage" in d} == {
        "ingest", "transform", "check", "features", "publish"}
    assert production_run.engine["monitoring"]["metrics_log_group"] == {
        "log_group": group, "log_stream": ok_run, "events": len(ok_docs)}

    def emitted(docs, namespace, name, dimensions):
        for d in docs:
            for directive in d["_aws"]["CloudWatchMetrics"]:
                if directive["Namespace"] == namespace and any(
                        set(ds) == set(dimensions) for ds in directive["Dimensions"]) and \
                        any(m["Name"] == name for m in directive["Metrics"]) and \
                        all(d.get(k) == v for k, v in dimensions.items()):
                    return d[name]
        return None

    alarms = {a: v for a, v in of_type(platform.model, "aws_cloudwatch_metric_alarm").items()
              if v.get("metric_name")}
    assert len(alarms) >= 3
    for address, alarm in alarms.items():
        value = emitted(ok_docs, alarm["namespace"], alarm["metric_name"], alarm["dimensions"])
        assert value is not None, f"{address}: nothing in {group} feeds it"
    run_failed = one(platform.model, "module.monitoring.aws_cloudwatch_metric_alarm.run_failed")
    args = (run_failed["namespace"], run_failed["metric_name"], run_failed["dimensions"])
    assert emitted(ok_docs, *args) == 0
    assert emitted(failed_docs, *args) == 1
    record = production_run.failed_record
    assert record["outcome"] == "failed" and record["failed_stage"] == "transform"


def test_the_failed_spark_run_alerts_through_the_topic_as_the_instance_role(
        platform, production_run):
    """The engine's own failure alert for the Spark run (the same alert code as
    `sensorlake run`), published to Terraform's topic with the instance role."""
    topic = platform.model["outputs"]["alerts_topic_arn"]
    instance = role_name(platform.model, "module.iam.aws_iam_role.emr_instance")
    published = [r for r in platform.emulator.requests()
                 if b"Action=Publish" in r.body and r.credential[0] in platform.principals
                 and platform.principals[r.credential[0]] == instance]
    assert len(published) == 1
    form = {k: v[0] for k, v in urllib.parse.parse_qs(published[0].body.decode()).items()}
    assert form["TopicArn"] == topic
    payload = json.loads(form["Message"])
    assert payload["run_id"] == production_run.failed_telemetry["SENSORLAKE_RUN_ID"]
    assert payload["outcome"] == "failed"
    assert [a["rule"] for a in payload["alerts"]] == ["pipeline_failed"]
    assert "injected: Job aborted" in payload["alerts"][0]["message"]
    deliveries = production_run.failed_record["monitoring"]["alerts"]["deliveries"]
    assert [d["target"] for d in deliveries] == ["sns"] and deliveries[0]["ok"] is True


def test_the_engine_names_s3_datasets_as_the_airflow_openlineage_provider_does(
        platform, production_run):
    """The datasets of the engine's lineage on Terraform's buckets are the ones the Airflow
    OpenLineage provider names for the same S3 locations (its own Asset translation, here
    under the Airflow that MWAA runs), so Marquez joins a DAG's declared assets with the
    engine's events: the source, the lake's published table and every version written."""
    try:
        from airflow.providers.openlineage.utils.utils import translate_airflow_asset as translate
    except ImportError:  # provider 1.x under Airflow 2.10
        from airflow.providers.openlineage.utils.utils import (
            translate_airflow_dataset as translate)
    try:
        from airflow.sdk import Asset
    except ImportError:  # Airflow 2.10: the Dataset that Airflow 3 renamed
        from airflow.datasets import Dataset as Asset

    options = mwaa_options(platform.model)
    datasets = {(d["namespace"], d["name"]) for e in production_run.lineage
                for d in e.get("inputs", []) + e.get("outputs", [])}
    assert len(datasets) >= 6, datasets
    for uri in (options["source_uri"], f"{options['lake_uri']}/curated/published/sensor_readings"):
        theirs = translate(Asset(uri), None)
        assert (theirs.namespace, theirs.name) in datasets, (uri, sorted(datasets))
    for namespace, name in datasets:
        assert namespace.startswith("s3://"), (namespace, name)
        theirs = translate(Asset(f"{namespace}/{name}"), None)
        assert (theirs.namespace, theirs.name) == (namespace, name)
