"""The emr backend's wiring against moto's server mode: an AWS emulator serving HTTP on
127.0.0.1 (moto's ThreadedMotoServer: the moto_server program run in a thread of this
process). The DAG's tasks reach it through the aws_default connection's endpoint_url,
as they would reach AWS. A driver thread plays EMR: it moves each step the DAG adds from
RUNNING to COMPLETED or FAILED, the one thing moto does not do by itself."""

from __future__ import annotations

import json
import socket

import boto3
import pytest

from aws_emulator import StepDriver
from conftest import task_states

REGION = "us-east-1"
JOB_SCRIPT = "s3://sensorlake-test-artifacts/spark/sensorlake_job.py"
LOG_URI = "s3://sensorlake-test-logs/emr/"
PARAM = "/sensorlake/staging/emr/job-flow"
# Terraform's sensorlake.catalog option (modules/mwaa): the analytics module's database.
CATALOG = "glue://sensorlake_staging"
# The RunJobFlow request in the shape infra/terraform/modules/emr writes to SSM (instance
# fleets, a spot-only task fleet, managed scaling, the bootstrap action with the engine
# version). moto stores the cluster's roles, security groups, security configuration, log
# URI, tags and bootstrap action; it does not model fleets, so those are checked on the
# request in test_dag_structure.py.
JOB_FLOW_SPEC = {
    "Name": "sensorlake-staging-sensorlake",
    "ReleaseLabel": "emr-7.9.0",
    "LogUri": LOG_URI,
    "Applications": [{"Name": "Spark"}, {"Name": "Hadoop"}],
    "ServiceRole": "arn:aws:iam::123456789012:role/sensorlake-staging-emr-service",
    "JobFlowRole": "sensorlake-staging-emr-instance",
    "SecurityConfiguration": "sensorlake-staging-emr",
    "VisibleToAllUsers": True,
    "Tags": [{"Key": "project", "Value": "sensorlake"}, {"Key": "environment", "Value": "staging"}],
    "BootstrapActions": [{
        "Name": "install-sensorlake",
        "ScriptBootstrapAction": {
            "Path": ("s3://sensorlake-staging-123456789012-artifacts/emr/bootstrap/"
                     "install-sensorlake.sh"),
            "Args": ["s3://sensorlake-staging-123456789012-artifacts/engine/abc123/"
                     "sensorlake-linux-x86_64.tar.gz", "abc123"]}}],
    "ManagedScalingPolicy": {"ComputeLimits": {
        "UnitType": "InstanceFleetUnits", "MinimumCapacityUnits": 2, "MaximumCapacityUnits": 10,
        "MaximumOnDemandCapacityUnits": 2, "MaximumCoreCapacityUnits": 2}},
    "Instances": {
        "Ec2SubnetIds": ["subnet-0a", "subnet-0b"],
        "EmrManagedMasterSecurityGroup": "sg-primary",
        "EmrManagedSlaveSecurityGroup": "sg-core",
        "ServiceAccessSecurityGroup": "sg-service",
        "KeepJobFlowAliveWhenNoSteps": False,
        "TerminationProtected": False,
        "InstanceFleets": [
            {"InstanceFleetType": "MASTER", "TargetOnDemandCapacity": 1,
             "InstanceTypeConfigs": [{"InstanceType": "m7i.xlarge"}]},
            {"InstanceFleetType": "CORE", "TargetOnDemandCapacity": 2,
             "InstanceTypeConfigs": [{"InstanceType": "m7i.2xlarge", "WeightedCapacity": 1}]},
            {"InstanceFleetType": "TASK", "TargetOnDemandCapacity": 0, "TargetSpotCapacity": 4,
             "InstanceTypeConfigs": [{"InstanceType": "m7i.2xlarge", "WeightedCapacity": 1}]},
        ],
    },
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws(moto_endpoint, monkeypatch):
    """The aws_default connection pointed at the emulator, and a boto3 client to inspect it."""
    conn = {
        "conn_type": "aws",
        "login": "testing",
        "password": "testing",
        "extra": {"region_name": REGION, "endpoint_url": moto_endpoint},
    }
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", json.dumps(conn))
    # MWAA's [sensorlake] option; no worker variable overrides it.
    monkeypatch.setenv("AIRFLOW__SENSORLAKE__CATALOG", CATALOG)
    monkeypatch.delenv("SENSORLAKE_CATALOG", raising=False)
    import requests

    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10)  # a fresh emulator per test
    # What Terraform publishes: the cluster spec, in the parameter MWAA's options name.
    boto3.client("ssm", region_name=REGION, endpoint_url=moto_endpoint).put_parameter(
        Name=PARAM, Type="String", Value=json.dumps(JOB_FLOW_SPEC))
    return boto3.client("emr", region_name=REGION, endpoint_url=moto_endpoint)


def run_emr(dag, final_state: str):
    # A guard for the test only: should the step never finish, fail after 60 s, not 4 h.
    sensor = dag.get_task("emr.wait_for_spark_step")
    saved_timeout, sensor.timeout = sensor.timeout, 60
    conf = {
        "lake_uri": "s3://sensorlake-test-lake/lake",
        "source": "s3://sensorlake-test-raw/wisdm-dataset.zip",
        "backend": "emr",
        "environment": "staging",
        "emr_job_script": JOB_SCRIPT,
        "emr_job_flow_param": PARAM,
    }
    driver = StepDriver(final_state)
    driver.start()
    try:
        return dag.test(run_conf=conf)
    finally:
        sensor.timeout = saved_timeout
        driver.stop.set()
        driver.join()


def only_cluster(emr):
    clusters = emr.list_clusters()["Clusters"]
    assert len(clusters) == 1, clusters
    return emr.describe_cluster(ClusterId=clusters[0]["Id"])["Cluster"]


def assert_spot_cluster_with_step(emr, cluster):
    # Terraform's spec, with the run key in the name and a tag.
    assert cluster["Name"].startswith("sensorlake-staging-sensorlake-")
    tags = {t["Key"]: t["Value"] for t in cluster["Tags"]}
    assert tags["project"] == "sensorlake" and tags["environment"] == "staging"
    assert cluster["Name"] == f"sensorlake-staging-sensorlake-{tags['sensorlake:run_key']}"
    assert cluster["LogUri"] == LOG_URI
    assert cluster["ServiceRole"] == JOB_FLOW_SPEC["ServiceRole"]
    assert cluster["SecurityConfiguration"] == "sensorlake-staging-emr"
    assert cluster["ReleaseLabel"] == "emr-7.9.0"
    ec2 = cluster["Ec2InstanceAttributes"]
    assert ec2["IamInstanceProfile"] == "sensorlake-staging-emr-instance"
    assert (ec2["EmrManagedMasterSecurityGroup"], ec2["EmrManagedSlaveSecurityGroup"],
            ec2["ServiceAccessSecurityGroup"]) == ("sg-primary", "sg-core", "sg-service")
    assert {"Name": "Spark"} in [{"Name": a["Name"]} for a in cluster["Applications"]]
    (bootstrap,) = emr.list_bootstrap_actions(ClusterId=cluster["Id"])["BootstrapActions"]
    spec_action = JOB_FLOW_SPEC["BootstrapActions"][0]["ScriptBootstrapAction"]
    assert bootstrap["ScriptPath"] == spec_action["Path"]
    assert bootstrap["Args"] == spec_action["Args"]
    steps = emr.list_steps(ClusterId=cluster["Id"])["Steps"]
    assert len(steps) == 1, steps
    args = steps[0]["Config"]["Args"]
    assert args[:3] == ["spark-submit", "--deploy-mode", "cluster"]
    # Spark options, then the job script, then the job's own arguments.
    script_at = args.index(JOB_SCRIPT)
    confs = dict(a.split("=", 1) for a in args[4:script_at:2])
    assert args[3:script_at:2] == ["--conf"] * len(confs)
    assert confs["spark.task.cpus"] == "2" and confs["spark.dynamicAllocation.enabled"] == "true"
    assert args[args.index("--then") + 1] == "check,features,publish"
    assert args[args.index("--lake") + 1] == "s3://sensorlake-test-lake/lake"
    assert args[args.index("--source") + 1] == "s3://sensorlake-test-raw/wisdm-dataset.zip"
    assert steps[0]["Name"] == f"sensorlake-wisdm-{tags['sensorlake:run_key']}"
    # The DAG run's record: the job records its stages there (docs/monitoring.md).
    run_id = args[args.index("--run-id") + 1]
    assert run_id.startswith("r-")
    orchestrator = json.loads(args[args.index("--orchestrator") + 1])
    assert orchestrator["name"] == "airflow" and orchestrator["dag_id"] == "sensorlake_wisdm"
    # The job's check and publish commit the Iceberg tables in Terraform's Glue database.
    assert args[args.index("--catalog") + 1] == CATALOG
    return steps[0]


def test_emr_backend_creates_spot_cluster_runs_step_and_terminates(dag, aws):
    dr = run_emr(dag, "COMPLETED")
    states = task_states(dr)
    assert dr.state == "success", states
    assert states == {
        "choose_backend": "success",
        "emr.create_cluster": "success",
        "emr.add_spark_step": "success",
        "emr.wait_for_spark_step": "success",
        "emr.terminate_cluster": "success",
        "local.ingest": "skipped",
        "local.transform": "skipped",
        "local.quality_gate": "skipped",
        "local.features": "skipped",
        "local.publish": "skipped",
    }
    cluster = only_cluster(aws)
    step = assert_spot_cluster_with_step(aws, cluster)
    assert step["Status"]["State"] == "COMPLETED"
    assert cluster["Status"]["State"] == "TERMINATED"


def test_emr_backend_terminates_the_cluster_when_the_step_fails(dag, aws):
    dr = run_emr(dag, "FAILED")
    states = task_states(dr)
    # The failed step fails the run; the teardown still terminated the cluster.
    assert dr.state == "failed", states
    assert states["emr.wait_for_spark_step"] == "failed"
    assert states["emr.terminate_cluster"] == "success"
    cluster = only_cluster(aws)
    step = assert_spot_cluster_with_step(aws, cluster)
    assert step["Status"]["State"] == "FAILED"
    assert cluster["Status"]["State"] == "TERMINATED"


def test_emr_tasks_are_idempotent_on_retry(dag, aws):
    """Run create_cluster and add_spark_step twice, as a retry would: the second try finds
    the cluster and the step the first made (named by the run key) instead of adding more."""
    params = dag.params.dump()
    params.update(lake_uri="s3://l/lake", source="s3://r/src.zip", backend="emr",
                  emr_job_script=JOB_SCRIPT, emr_job_flow_param=PARAM)
    create = dag.get_task("emr.create_cluster").python_callable
    add_step = dag.get_task("emr.add_spark_step").python_callable

    cluster_id = create(params=params)
    assert create(params=params) == cluster_id
    step_id = add_step(cluster_id, params=params)
    assert add_step(cluster_id, params=params) == step_id
    assert len(aws.list_clusters()["Clusters"]) == 1
    assert len(aws.list_steps(ClusterId=cluster_id)["Steps"]) == 1
    # Other parameters, another run key: another cluster.
    assert create(params={**params, "environment": "prod"}) != cluster_id


def test_a_missing_job_flow_parameter_fails_before_anything_is_created(dag, aws):
    params = dag.params.dump()
    params.update(lake_uri="s3://l/lake", source="s3://r/src.zip", backend="emr",
                  emr_job_script=JOB_SCRIPT, emr_job_flow_param="/sensorlake/staging/emr/nope")
    create = dag.get_task("emr.create_cluster").python_callable
    with pytest.raises(Exception,
                       match="SSM parameter /sensorlake/staging/emr/nope does not exist"):
        create(params=params)
    with pytest.raises(Exception, match="sensorlake.emr_job_flow_param"):
        create(params={**params, "emr_job_flow_param": ""})
    assert aws.list_clusters()["Clusters"] == []
