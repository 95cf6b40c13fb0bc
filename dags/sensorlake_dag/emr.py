"""The emr backend's requests: the transient cluster (RunJobFlow, from the spec Terraform
publishes in SSM), the one Spark step, and the EMR hook."""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

from sensorlake_dag.airflow_compat import AirflowException
from sensorlake_dag.config import AWS_CONN_ID
from sensorlake_dag.engine import dag_run_env

ACTIVE_CLUSTER_STATES = ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"]
REUSABLE_STEP_STATES = ["PENDING", "RUNNING", "COMPLETED"]

log = logging.getLogger(__name__)

# What the DAG needs from Terraform's spec (tests/infra/test_contract.py checks that
# modules/emr writes each of them); the rest of the request passes through unchanged.
REQUIRED_SPEC_KEYS = ("Name", "ReleaseLabel", "Instances", "ServiceRole", "JobFlowRole",
                      "BootstrapActions", "Tags", "LogUri")


def load_job_flow_spec(p: dict[str, Any]) -> dict[str, Any]:
    """The RunJobFlow request Terraform wrote to SSM (infra/terraform/modules/emr): the one
    source of the cluster's roles, subnets, security groups, instance fleets, managed
    scaling, security configuration, log URI and the bootstrap action with the engine
    version. A missing parameter stops the run here, before anything is created."""
    name = p.get("emr_job_flow_param") or ""
    if not name:
        raise AirflowException(
            "emr backend: no job-flow parameter. Set the Airflow option "
            "sensorlake.emr_job_flow_param (MWAA: Terraform's modules/mwaa sets it) or the "
            "emr_job_flow_param param to the SSM parameter Terraform's modules/emr writes "
            "(/<project>/<environment>/emr/job-flow)")
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    ssm = AwsBaseHook(aws_conn_id=AWS_CONN_ID, client_type="ssm").get_conn()
    try:
        value = ssm.get_parameter(Name=name)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound as e:
        raise AirflowException(
            f"emr backend: SSM parameter {name} does not exist: apply this environment's "
            "Terraform (infra/terraform/platform, modules/emr writes it) before running the "
            "emr backend; nothing was created") from e
    try:
        spec = json.loads(value)
    except json.JSONDecodeError as e:
        raise AirflowException(f"emr backend: SSM parameter {name} is not JSON: {e}") from e
    missing = [k for k in REQUIRED_SPEC_KEYS if k not in spec]
    if missing:
        raise AirflowException(
            f"emr backend: SSM parameter {name} lacks {', '.join(missing)}: not the RunJobFlow "
            "request modules/emr writes")
    return spec


def job_flow_config(p: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """The run's cluster: Terraform's spec with only what belongs to the run changed: its
    name and tag carry the run key (a retried task finds its cluster), and it stays up
    between steps (the DAG's teardown task terminates it, also after a failed step)."""
    config = copy.deepcopy(spec)
    config["Name"] = f"{spec['Name']}-{p['run_key']}"
    tags = [t for t in config.get("Tags", []) if t["Key"] != "sensorlake:run_key"]
    if not any(t["Key"] == "project" for t in tags):
        # The MWAA role may create only clusters tagged project=sensorlake (modules/iam).
        raise AirflowException("emr backend: the job-flow spec has no project tag")
    config["Tags"] = [*tags, {"Key": "sensorlake:run_key", "Value": p["run_key"]}]
    config["Instances"]["KeepJobFlowAliveWhenNoSteps"] = True
    return config


# Spark settings of the EMR step, for a multi-threaded C++ engine behind PySpark tasks
# (docs/spark.md explains each). Sized for 4-vCPU workers (m5.xlarge, the default).
SPARK_STEP_CONF = {
    # Two tasks per executor, each reserving the two cores its engine threads use
    # (the job passes spark.task.cpus to the engine as its thread count).
    "spark.executor.cores": "4",
    "spark.task.cpus": "2",
    # The JVM heap only moves small task results; the engine's memory is native, in the
    # Python worker, so it is budgeted as overhead (not spark.executor.pyspark.memory,
    # whose address-space limit breaks Arrow's allocator reservations).
    "spark.executor.memory": "2g",
    "spark.executor.memoryOverhead": "3g",
    # Executors come and go with the work (one stage, no shuffle, nothing cached).
    "spark.dynamicAllocation.enabled": "true",
    "spark.dynamicAllocation.minExecutors": "1",
    "spark.dynamicAllocation.executorIdleTimeout": "60s",
    "spark.dynamicAllocation.shuffleTracking.enabled": "true",
    # Spot: a decommissioned or lost executor's tasks rerun under new attempt prefixes;
    # stragglers get a speculative copy. The job commits one attempt per task either way.
    "spark.decommission.enabled": "true",
    "spark.speculation": "true",
    "spark.speculation.multiplier": "3",
    "spark.speculation.quantile": "0.75",
    "spark.task.maxFailures": "4",
    # The interpreter the bootstrap action installed the sensorlake wheel into: EMR 7.1+ ships
    # CPython 3.11 beside the system python3 (3.9), and the wheel is cp311.
    "spark.pyspark.python": "/usr/bin/python3.11",
    "spark.pyspark.driver.python": "/usr/bin/python3.11",
}
# Target bytes of raw text per task: about 14 tasks for the full dataset (876 MB), two to
# three per task slot of the default cluster, so a lost spot node reruns little.
SPARK_TASK_MB = 64


def spark_step(p: dict[str, Any]) -> dict[str, Any]:
    """The one Spark step: spark-submit spark/sensorlake_job.py, which ingests the source,
    transforms it on the executors, then runs the quality gate, the features and the
    publish on the driver (docs/spark.md)."""
    args = ["spark-submit", "--deploy-mode", "cluster"]
    for key, value in SPARK_STEP_CONF.items():
        args += ["--conf", f"{key}={value}"]
    args += [
        p["emr_job_script"],
        "--lake",
        p["lake_uri"],
        "--source",
        p["source"],
        "--environment",
        p["environment"],
        "--run-key",
        p["run_key"],
        "--task-mb",
        str(SPARK_TASK_MB),
        "--then",
        "check,features,publish",
    ]
    if p.get("dataset_version"):
        args += ["--dataset-version", p["dataset_version"]]
    # The DAG run's record: the job's engine commands and its transform record themselves
    # as the stages of this run (docs/monitoring.md).
    run_env = dag_run_env()
    if run_env:
        args += ["--run-id", run_env["SENSORLAKE_RUN_ID"],
                 "--orchestrator", run_env["SENSORLAKE_ORCHESTRATOR"]]
    # Where the job's engine commands send their metrics and alerts (the cluster's nodes
    # do not have MWAA's configuration), and this task as their lineage parent.
    # The same goes for the Iceberg catalog in which its check and publish commit the
    # lake's tables (Terraform's glue://<database>).
    for flag, name in (("--metrics-log-group", "SENSORLAKE_METRICS_LOG_GROUP"),
                       ("--alert-sns-topic", "SENSORLAKE_ALERT_SNS_TOPIC"),
                       ("--lineage-parent", "SENSORLAKE_LINEAGE_PARENT"),
                       ("--catalog", "SENSORLAKE_CATALOG")):
        if run_env.get(name):
            args += [flag, run_env[name]]
    return {
        "Name": f"sensorlake-wisdm-{p['run_key']}",
        # A failed step leaves the cluster up (CONTINUE) so its logs are complete;
        # the teardown task terminates it either way.
        "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": args},
    }


def emr_hook():
    from airflow.providers.amazon.aws.hooks.emr import EmrHook

    # emr_conn_id=None: the whole cluster definition lives in job_flow_config().
    return EmrHook(aws_conn_id=AWS_CONN_ID, emr_conn_id=None)


def create_or_reuse_cluster(p: dict[str, Any]) -> str:
    """The run's cluster id: the active cluster a previous try created (same run key), else a
    new one."""
    if not p.get("emr_job_script"):
        raise AirflowException(
            "emr backend: no Spark job script. Set the Airflow option sensorlake.spark_job_uri "
            "(Terraform's modules/mwaa sets it) or the emr_job_script param; nothing was created")
    config = job_flow_config(p, load_job_flow_spec(p))
    hook = emr_hook()
    existing = hook.get_cluster_id_by_name(config["Name"], ACTIVE_CLUSTER_STATES)
    if existing:
        log.info("reusing cluster %s (%s)", existing, config["Name"])
        return existing
    response = hook.create_job_flow(config)
    if response["ResponseMetadata"]["HTTPStatusCode"] != 200:
        raise AirflowException(f"RunJobFlow failed: {response}")
    cluster_id = response["JobFlowId"]
    log.info("created cluster %s (%s)", cluster_id, config["Name"])
    return cluster_id


def add_or_reuse_step(p: dict[str, Any], cluster_id: str) -> str:
    """The Spark step's id: the step of the same name that is pending, running or done, else a
    new one."""
    step = spark_step(p)
    client = emr_hook().conn
    for page in client.get_paginator("list_steps").paginate(
        ClusterId=cluster_id, StepStates=REUSABLE_STEP_STATES
    ):
        for s in page["Steps"]:
            if s["Name"] == step["Name"]:
                log.info("reusing step %s (%s)", s["Id"], s["Status"]["State"])
                return s["Id"]
    step_id = client.add_job_flow_steps(JobFlowId=cluster_id, Steps=[step])["StepIds"][0]
    log.info("added step %s to cluster %s", step_id, cluster_id)
    return step_id
