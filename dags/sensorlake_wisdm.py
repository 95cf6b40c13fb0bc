"""sensorlake_wisdm: the WISDM 2019 pipeline (ingest, transform, quality gate, features) as an
Airflow DAG.

One DAG, two backends picked per run by the ``backend`` param:

* ``local``: each stage is a task that runs the ``sensorlake`` engine on the worker
  (``sensorlake --json <stage> ...``) and pushes the engine's JSON summary to XCom.
* ``emr``: a transient EMR cluster (on-demand master and core, spot task nodes) runs
  one Spark step that drives the engine; a sensor waits for the step and a teardown
  task terminates the cluster whatever happened to the step.

Written for Airflow 3 (``airflow.sdk``), also importable on Airflow 2.10, with the Amazon
provider. Nothing heavy runs at import time: no Variable, Connection or AWS call happens
while the file is parsed; Variables are read inside tasks, when a run needs them.
See docs/orchestration.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
from datetime import datetime, timedelta
from typing import Any

from airflow.providers.amazon.aws.operators.emr import EmrTerminateJobFlowOperator
from airflow.providers.amazon.aws.sensors.emr import EmrStepSensor

try:  # Airflow 3
    from airflow.sdk import DAG, Param, TaskGroup, Variable, task
except ImportError:  # Airflow 2.10 (MWAA's 2.10.x environments)
    from airflow.decorators import task
    from airflow.models.dag import DAG
    from airflow.models.param import Param
    from airflow.models.variable import Variable
    from airflow.utils.task_group import TaskGroup

try:  # Airflow >= 3.1 (the Task SDK's own exceptions)
    from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException
except ImportError:  # Airflow 3.0 and 2.10
    from airflow.exceptions import AirflowException, AirflowFailException, AirflowSkipException

try:
    from airflow.configuration import conf as airflow_conf
except ImportError:  # a Task-SDK-only worker
    from airflow.sdk.configuration import conf as airflow_conf

log = logging.getLogger(__name__)

DAG_ID = "sensorlake_wisdm"

# Connections and Variables the DAG reads (at run time only; see docs/orchestration.md).
AWS_CONN_ID = "aws_default"
VAR_BIN = "sensorlake_bin"
VAR_LAKE = "sensorlake_lake_uri"
VAR_SOURCE = "sensorlake_source"
VAR_ALERT_SNS = "sensorlake_alert_sns_topic_arn"


def deployment_default(key: str, fallback: str) -> str:
    """A param's default from the [sensorlake] section of the Airflow configuration, e.g.
    AIRFLOW__SENSORLAKE__LAKE_URI or MWAA's airflow_configuration_options
    (infra/terraform/modules/mwaa sets backend, lake_uri, environment, source_uri,
    spark_job_uri). Reading the configuration is local and cheap: fine at parse time."""
    return airflow_conf.get("sensorlake", key, fallback=fallback) or fallback


# How often the step sensor looks at the EMR step. Read from the environment (cheap,
# no metadata-database access) so that tests can poll quickly.
EMR_POKE_SECONDS = float(os.environ.get("SENSORLAKE_EMR_POKE_SECONDS", "60"))

# The engine's exit codes (docs/cli.md).
EXIT_NAMES = {
    0: "ok",
    1: "quality gate failed",
    2: "usage error",
    3: "invalid input",
    4: "not found",
    5: "already exists",
    6: "I/O or storage error",
    7: "corrupt data",
    8: "lake busy",
    9: "input refused",
    10: "not implemented",
    11: "cancelled",
    70: "internal error",
}
# Transient failures: the task raises a plain AirflowException so Airflow retries it
# with backoff. Every other failure is final (AirflowFailException: no retry).
TRANSIENT_EXIT_CODES = {6, 8}

# Where deploy.yml uploads the bootstrap script, the engine and the wheel (one prefix per
# engine version); the [sensorlake] config section overrides both.
DEFAULT_ARTIFACTS_URI = "s3://sensorlake-artifacts"
DEFAULT_ENGINE_VERSION = "latest"

ACTIVE_CLUSTER_STATES = ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"]
REUSABLE_STEP_STATES = ["PENDING", "RUNNING", "COMPLETED"]


# --------------------------------------------------------------------------- helpers


def alert_on_failure(context: dict[str, Any]) -> None:
    """Failure callback: raise an alert for a failed task (or DAG run).

    Always logs one ERROR line starting with ``SENSORLAKE ALERT`` (picked up by log-based
    alerting, e.g. a CloudWatch metric filter on MWAA); when the Variable
    ``sensorlake_alert_sns_topic_arn`` is set, also publishes the message to that SNS topic.
    A callback must never raise, so problems while alerting are logged and swallowed.
    """
    ti = context.get("task_instance") or context.get("ti")
    dag_run = context.get("dag_run")
    params = context.get("params") or {}
    message = (
        f"SENSORLAKE ALERT dag={DAG_ID} task={getattr(ti, 'task_id', '?')} "
        f"run={getattr(dag_run, 'run_id', '?')} try={getattr(ti, 'try_number', '?')} "
        f"environment={params.get('environment', '?')} backend={params.get('backend', '?')} "
        f"lake={params.get('lake_uri', '?')}: {context.get('exception')}"
    )
    log.error(message)
    try:
        topic = Variable.get(VAR_ALERT_SNS, None)
        if topic:
            from airflow.providers.amazon.aws.hooks.sns import SnsHook

            SnsHook(aws_conn_id=AWS_CONN_ID).publish_to_target(
                target_arn=topic, message=message, subject=f"{DAG_ID} failed"
            )
    except Exception as exc:  # noqa: BLE001 - the alert must not fail the callback
        log.warning("alert_on_failure: could not publish to SNS: %s", exc)


def engine_bin() -> str:
    """The sensorlake binary: $SENSORLAKE_BIN, else the Variable sensorlake_bin, else PATH."""
    path = os.environ.get("SENSORLAKE_BIN") or Variable.get(VAR_BIN, None) or "sensorlake"
    resolved = shutil.which(path)
    if not resolved:
        raise AirflowFailException(
            f"sensorlake binary {path!r} not found: set $SENSORLAKE_BIN or the Variable {VAR_BIN}"
        )
    return resolved


def run_engine(args: list[str], *, allow_gate_failure: bool = False) -> tuple[int, dict[str, Any]]:
    """Run ``sensorlake --json ARGS`` and return (exit code, JSON summary).

    Exit 6 (I/O) and 8 (lake busy) raise AirflowException, so the task is retried;
    every other non-zero exit except a gate failure (1, when allowed) is final.
    """
    cmd = [engine_bin(), "--json", *args]
    log.info("running: %s", " ".join(cmd))
    # subprocess.run kills the child if the task is interrupted (execution_timeout).
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    for line in proc.stderr.splitlines():
        log.info("sensorlake: %s", line)
    try:
        summary = json.loads(proc.stdout) if proc.stdout.strip() else {}
    except json.JSONDecodeError:
        summary = {"unparsed_stdout": proc.stdout[-2000:]}
    rc = proc.returncode
    if rc == 0 or (rc == 1 and allow_gate_failure):
        return rc, summary
    error = summary.get("error", {}) if isinstance(summary, dict) else {}
    what = f"sensorlake {args[0]} exited {rc} ({EXIT_NAMES.get(rc, 'unknown')}): " + (
        error.get("message") or proc.stderr.strip()[-500:] or "no message"
    )
    if rc in TRANSIENT_EXIT_CODES:
        raise AirflowException(what + " (transient: will retry)")
    raise AirflowFailException(what)


def resolve_params(params: dict[str, Any]) -> dict[str, Any]:
    """The run's parameters with the Variable fallbacks applied (run time only)."""
    lake = params.get("lake_uri") or Variable.get(VAR_LAKE, None)
    source = params.get("source") or Variable.get(VAR_SOURCE, None)
    if not lake:
        raise AirflowFailException(
            f"no lake: pass the param lake_uri or set the Variable {VAR_LAKE}")
    if not source:
        raise AirflowFailException(
            f"no source: pass the param source or set the Variable {VAR_SOURCE}")
    resolved = dict(params)
    resolved.update(lake_uri=lake, source=source)
    resolved["run_key"] = run_key(resolved)
    return resolved


def run_key(params: dict[str, Any]) -> str:
    """A short, stable key for a run's parameters: the same parameters give the same key.

    It names the EMR cluster and step, so that a retried task finds the cluster or step
    that an earlier try created instead of creating another one.
    """
    keyed = {k: params.get(k)
             for k in ("lake_uri", "source", "dataset_version", "environment", "backend")}
    blob = json.dumps(keyed, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


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
    # The interpreter the bootstrap action installed the sensorlake wheel into.
    "spark.pyspark.python": "/usr/bin/python3",
    "spark.pyspark.driver.python": "/usr/bin/python3",
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


# --------------------------------------------------------------------------- the DAG

default_args = {
    "owner": "sensorlake",
    "retries": 3,
    "retry_delay": timedelta(seconds=30),
    # True, not a float multiplier: Airflow 3.0 accepts only a bool here, and Airflow >= 3.2
    # turns True into the multiplier 2.0 (30 s, 60 s, 120 s, ... up to max_retry_delay).
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": alert_on_failure,
}

with DAG(
    dag_id=DAG_ID,
    description="WISDM 2019: ingest, transform, quality gate and features into the sensorlake lake",
    doc_md=__doc__,
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # one writer per lake (the engine also locks it: exit 8)
    dagrun_timeout=timedelta(hours=6),
    default_args=default_args,
    on_failure_callback=alert_on_failure,
    tags=["sensorlake", "wisdm", "lake"],
    params={
        "lake_uri": Param(
            deployment_default("lake_uri", ""),
            type="string",
            description=f"Lake URI (file:// or s3://); empty: Variable {VAR_LAKE}",
        ),
        "source": Param(
            deployment_default("source_uri", ""),
            type="string",
            description=f"Dataset source: URL, zip or directory; empty: Variable {VAR_SOURCE}",
        ),
        "dataset_version": Param(
            "",
            type="string",
            description="Raw dataset version to transform; empty: the version just ingested",
        ),
        "environment": Param(
            deployment_default("environment", "dev"), type="string", enum=["dev", "staging", "prod"]
        ),
        "backend": Param(
            deployment_default("backend", "local"), type="string", enum=["local", "emr"]
        ),
        "emr_job_script": Param(
            deployment_default(
                "spark_job_uri", "s3://sensorlake-artifacts/spark/sensorlake_job.py"
            ),
            type="string",
            description="S3 path of the Spark job script the EMR step runs",
        ),
        "emr_artifacts_uri": Param(
            deployment_default("artifacts_uri", DEFAULT_ARTIFACTS_URI),
            type="string",
            description=(
                "S3 prefix holding emr/bootstrap/install-sensorlake.sh and engine/<version>/ "
                "(engine and wheel)"
            ),
        ),
        "engine_version": Param(
            deployment_default("engine_version", DEFAULT_ENGINE_VERSION),
            type="string",
            description="Engine build the bootstrap action installs on the EMR nodes",
        ),
        "emr_release_label": Param("emr-7.5.0", type="string"),
        "emr_master_instance_type": Param("m5.xlarge", type="string"),
        "emr_worker_instance_type": Param("m5.xlarge", type="string"),
        "emr_core_nodes": Param(1, type="integer", minimum=1),
        "emr_spot_task_nodes": Param(2, type="integer", minimum=0),
        "emr_log_uri": Param("", type="string", description="S3 prefix for EMR logs (optional)"),
        "emr_job_flow_role": Param("EMR_EC2_DefaultRole", type="string"),
        "emr_service_role": Param("EMR_DefaultRole", type="string"),
    },
) as dag:

    @task.branch(task_id="choose_backend", retries=0, execution_timeout=timedelta(minutes=1))
    def choose_backend(params: dict[str, Any] | None = None) -> str:
        backend = params["backend"]
        log.info("backend=%s environment=%s", backend, params["environment"])
        return "local.ingest" if backend == "local" else "emr.create_cluster"

    with TaskGroup("local", tooltip="Stages run by the engine on the worker") as local:

        @task(task_id="ingest", execution_timeout=timedelta(minutes=60))
        def ingest(params: dict[str, Any] | None = None) -> dict[str, Any]:
            """Land the source in the lake's raw zone (idempotent: the same source is
            'unchanged')."""
            p = resolve_params(params)
            _, out = run_engine(["ingest", "--source", p["source"], "--lake", p["lake_uri"]])
            log.info("ingested version %s (unchanged=%s, run_key=%s)",
                     out.get("version"), out.get("unchanged"), p["run_key"])
            return {"version": out.get("version"), "unchanged": out.get("unchanged"),
                    "run_key": p["run_key"]}

        @task(task_id="transform", execution_timeout=timedelta(minutes=60))
        def transform(ingested: dict[str, Any],
                      params: dict[str, Any] | None = None) -> dict[str, Any]:
            """Curate the raw version (the param dataset_version, else the one just ingested)."""
            p = resolve_params(params)
            version = p.get("dataset_version") or ingested["version"]
            _, out = run_engine(["transform", "--lake", p["lake_uri"],
                                 "--dataset-version", version])
            return {"dataset_version": version, "curated_version": out.get("curated_version"),
                    "unchanged": out.get("unchanged")}

        @task(task_id="quality_gate", execution_timeout=timedelta(minutes=20))
        def quality_gate(curated: dict[str, Any],
                         params: dict[str, Any] | None = None) -> dict[str, Any]:
            """Run the quality rules; a failed gate fails the run (final: a retry would fail the
            same way)."""
            p = resolve_params(params)
            rc, out = run_engine(["check", "--lake", p["lake_uri"]], allow_gate_failure=True)
            result = {
                "success": bool(out.get("success")) and rc == 0,
                "run_id": out.get("run_id"),
                "report": out.get("report"),
                "counts": out.get("counts"),
                "curated_version": out.get("curated_version", curated.get("curated_version")),
            }
            if not result["success"]:
                failing = [
                    f"{c.get('rule')}: {c.get('observed')}"
                    for c in out.get("checks", [])
                    # The engine's outcome of a failed rule of severity error (checks.cc).
                    if c.get("status") == "error"
                ]
                raise AirflowFailException(
                    f"quality gate failed for curated version {result['curated_version']} "
                    f"(check run {result['run_id']}, report {p['lake_uri']}/{result['report']}): "
                    + ("; ".join(failing) or json.dumps(out.get("counts")))
                )
            log.info("quality gate passed: run %s, report %s", result["run_id"], result["report"])
            return result

        @task(task_id="features", execution_timeout=timedelta(minutes=60))
        def features(gate: dict[str, Any], params: dict[str, Any] | None = None) -> dict[str, Any]:
            """Compute the windowed features; skipped, with a logged reason, if the engine has no
            'features'."""
            p = resolve_params(params)
            binary = engine_bin()
            top = subprocess.run([binary, "--help"], capture_output=True, text=True, check=False)
            sub = subprocess.run([binary, "features", "--help"], capture_output=True, text=True,
                                 check=False)
            if sub.returncode != 0 or "features" not in top.stdout:
                message = (
                    f"SKIPPED: the sensorlake engine at {binary} has no 'features' subcommand "
                    f"('features --help' exited {sub.returncode}); features were NOT computed for "
                    f"curated version {gate.get('curated_version')}"
                )
                log.warning(message)
                raise AirflowSkipException(message)
            _, out = run_engine(["features", "--lake", p["lake_uri"]])
            return {
                "features_version": out.get("features_version"),
                "windows": out.get("windows"),
                "unchanged": out.get("unchanged"),
            }

        # Runs when the gate passed, whether features ran or were skipped (an engine without
        # them): names the gated versions as the ones consumers read.
        @task(task_id="publish", execution_timeout=timedelta(minutes=10),
              trigger_rule="none_failed_min_one_success")
        def publish(gate: dict[str, Any], computed: dict[str, Any] | None,
                    params: dict[str, Any] | None = None) -> dict[str, Any]:
            """Point curated/published (and features/published) at the versions that passed the
            gate."""
            p = resolve_params(params)
            args = ["publish", "--lake", p["lake_uri"],
                    "--curated-version", gate["curated_version"],
                    "--quality-run", gate["run_id"], "--run-id", p["run_key"]]
            if computed and computed.get("features_version"):
                args += ["--features-version", computed["features_version"]]
            _, out = run_engine(args)
            log.info("published curated version %s (quality run %s)",
                     out.get("curated_version"), out.get("quality_run"))
            return out

        gate = quality_gate(transform(ingest()))
        publish(gate, features(gate))

    with TaskGroup("emr", tooltip="A transient EMR cluster runs the engine as a Spark step") as emr:

        @task(task_id="create_cluster", execution_timeout=timedelta(minutes=20))
        def create_cluster(params: dict[str, Any] | None = None) -> str:
            """Create the run's cluster, or reuse the active one a previous try created (same run
            key)."""
            p = resolve_params(params)
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

        @task(task_id="add_spark_step", execution_timeout=timedelta(minutes=10))
        def add_spark_step(cluster_id: str, params: dict[str, Any] | None = None) -> str:
            """Add the Spark step, or return the one with the same name that is pending, running or
            done."""
            p = resolve_params(params)
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

        cluster_id = create_cluster()
        step_id = add_spark_step(cluster_id)

        wait_for_step = EmrStepSensor(
            task_id="wait_for_spark_step",
            job_flow_id=cluster_id,
            step_id=step_id,
            aws_conn_id=AWS_CONN_ID,
            mode="reschedule",  # frees the worker slot between pokes
            poke_interval=EMR_POKE_SECONDS,
            timeout=timedelta(hours=4).total_seconds(),
            execution_timeout=timedelta(hours=4),
            # A FAILED step is final; API throttling is retried by botocore itself.
            retries=0,
        )

        terminate_cluster = EmrTerminateJobFlowOperator(
            task_id="terminate_cluster",
            job_flow_id=cluster_id,
            aws_conn_id=AWS_CONN_ID,
            execution_timeout=timedelta(minutes=20),
        )

        step_id >> wait_for_step >> terminate_cluster
        # Teardown: runs when every upstream task is done, success or failure (the teardown
        # form of ALL_DONE), as long as the cluster was created; it does not decide the run's
        # state, so a failed step still fails the run after the cluster is terminated.
        terminate_cluster.as_teardown(setups=cluster_id)

    backend_choice = choose_backend()
    backend_choice >> [local, emr]
