"""The emr backend's requests: the transient cluster (RunJobFlow), its bootstrap action, the
one Spark step, and the EMR hook."""

from __future__ import annotations

import logging
from typing import Any

from sensorlake_dag.airflow_compat import AirflowException
from sensorlake_dag.config import AWS_CONN_ID, DEFAULT_ARTIFACTS_URI, DEFAULT_ENGINE_VERSION

ACTIVE_CLUSTER_STATES = ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"]
REUSABLE_STEP_STATES = ["PENDING", "RUNNING", "COMPLETED"]

log = logging.getLogger(__name__)


def job_flow_config(p: dict[str, Any]) -> dict[str, Any]:
    """RunJobFlow request for the run's transient cluster: on-demand master and core, spot task
    nodes."""
    name = f"sensorlake-{p['environment']}-{p['run_key']}"
    groups = [
        {
            "Name": "master",
            "InstanceRole": "MASTER",
            "Market": "ON_DEMAND",
            "InstanceType": p["emr_master_instance_type"],
            "InstanceCount": 1,
        },
        {
            "Name": "core",
            "InstanceRole": "CORE",
            "Market": "ON_DEMAND",
            "InstanceType": p["emr_worker_instance_type"],
            "InstanceCount": int(p["emr_core_nodes"]),
        },
    ]
    if int(p["emr_spot_task_nodes"]) > 0:
        groups.append(
            {
                "Name": "task-spot",
                "InstanceRole": "TASK",
                "Market": "SPOT",
                "InstanceType": p["emr_worker_instance_type"],
                "InstanceCount": int(p["emr_spot_task_nodes"]),
            }
        )
    config: dict[str, Any] = {
        "Name": name,
        "ReleaseLabel": p["emr_release_label"],
        "Applications": [{"Name": "Spark"}],
        "Instances": {
            "InstanceGroups": groups,
            # The DAG terminates the cluster itself (teardown task), also after a failed step.
            "KeepJobFlowAliveWhenNoSteps": True,
            "TerminationProtected": False,
        },
        "JobFlowRole": p["emr_job_flow_role"],
        "ServiceRole": p["emr_service_role"],
        "VisibleToAllUsers": True,
        "Tags": [
            {"Key": "project", "Value": "sensorlake"},
            {"Key": "environment", "Value": p["environment"]},
            {"Key": "sensorlake:run_key", "Value": p["run_key"]},
        ],
    }
    if p.get("emr_log_uri"):
        config["LogUri"] = p["emr_log_uri"]
    config["BootstrapActions"] = [bootstrap_action(p)]
    return config


def bootstrap_action(p: dict[str, Any]) -> dict[str, Any]:
    """Install the engine and the sensorlake wheel on every node (infra/emr/bootstrap),
    with the same arguments as the Terraform module's job-flow spec
    (infra/terraform/modules/emr)."""
    artifacts = (p.get("emr_artifacts_uri") or DEFAULT_ARTIFACTS_URI).rstrip("/")
    version = p.get("engine_version") or DEFAULT_ENGINE_VERSION
    return {
        "Name": "install-sensorlake",
        "ScriptBootstrapAction": {
            "Path": f"{artifacts}/emr/bootstrap/install-sensorlake.sh",
            "Args": [f"{artifacts}/engine/{version}/sensorlake-linux-x86_64.tar.gz", version],
        },
    }


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
    hook = emr_hook()
    config = job_flow_config(p)
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
