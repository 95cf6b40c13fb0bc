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
The engine runner, the EMR requests, configuration and the failure alert live in
sensorlake_dag/ (next to this file; dags/.airflowignore keeps it from being parsed as DAGs).
See docs/orchestration.md.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime, timedelta
from typing import Any

from airflow.providers.amazon.aws.operators.emr import EmrTerminateJobFlowOperator
from airflow.providers.amazon.aws.sensors.emr import EmrStepSensor

# The package beside this file. Airflow and MWAA put the DAGs folder on sys.path; a file
# loaded by path (tests, `python dags/sensorlake_wisdm.py`) may not have it there.
_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.append(_HERE)

from sensorlake_dag.airflow_compat import (  # noqa: E402
    DAG,
    AirflowException,
    AirflowFailException,
    AirflowSkipException,
    Param,
    TaskGroup,
    Variable,
    task,
)
from sensorlake_dag.alerts import alert_on_failure  # noqa: E402
from sensorlake_dag.config import (  # noqa: E402
    AWS_CONN_ID,
    DAG_ID,
    EMR_POKE_SECONDS,
    dag_params,
    dag_schedule,
)
from sensorlake_dag import emr as emr_requests  # noqa: E402
from sensorlake_dag import local_backend  # noqa: E402
from sensorlake_dag.emr import job_flow_config  # noqa: E402
from sensorlake_dag.engine import resolve_params, run_engine  # noqa: E402

log = logging.getLogger(__name__)

# Re-exported: tests and tools read the Airflow objects and helpers from the DAG module.
__all__ = ["DAG", "Param", "TaskGroup", "Variable", "task", "AirflowException",
           "AirflowFailException", "AirflowSkipException", "alert_on_failure",
           "job_flow_config", "run_engine", "dag"]

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
    # None (triggered runs) unless the sensorlake.schedule option names an asset (a run when
    # new raw objects are announced by an asset event) or a cron expression.
    schedule=dag_schedule(),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # one writer per lake (the engine also locks it: exit 8)
    dagrun_timeout=timedelta(hours=6),
    default_args=default_args,
    on_failure_callback=alert_on_failure,
    tags=["sensorlake", "wisdm", "lake"],
    params=dag_params(),
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
            return local_backend.ingest(resolve_params(params))

        @task(task_id="transform", execution_timeout=timedelta(minutes=60))
        def transform(ingested: dict[str, Any],
                      params: dict[str, Any] | None = None) -> dict[str, Any]:
            """Curate the raw version (the param dataset_version, else the one just ingested)."""
            return local_backend.transform(resolve_params(params), ingested)

        @task(task_id="quality_gate", execution_timeout=timedelta(minutes=20))
        def quality_gate(curated: dict[str, Any],
                         params: dict[str, Any] | None = None) -> dict[str, Any]:
            """Run the quality rules; a failed gate fails the run (final: a retry would fail the
            same way)."""
            return local_backend.quality_gate(resolve_params(params), curated)

        @task(task_id="features", execution_timeout=timedelta(minutes=60))
        def features(gate: dict[str, Any], params: dict[str, Any] | None = None) -> dict[str, Any]:
            """Compute the windowed features; skipped, with a logged reason, if the engine has no
            'features'."""
            return local_backend.features(resolve_params(params), gate)

        # Runs when the gate passed, whether features ran or were skipped (an engine without
        # them): names the gated versions as the ones consumers read.
        @task(task_id="publish", execution_timeout=timedelta(minutes=10),
              trigger_rule="none_failed_min_one_success")
        def publish(gate: dict[str, Any], computed: dict[str, Any] | None,
                    params: dict[str, Any] | None = None) -> dict[str, Any]:
            """Point curated/published (and features/published) at the versions that passed the
            gate."""
            return local_backend.publish(resolve_params(params), gate, computed)

        gate = quality_gate(transform(ingest()))
        publish(gate, features(gate))

    with TaskGroup("emr", tooltip="A transient EMR cluster runs the engine as a Spark step") as emr:

        @task(task_id="create_cluster", execution_timeout=timedelta(minutes=20))
        def create_cluster(params: dict[str, Any] | None = None) -> str:
            """Create the run's cluster, or reuse the active one a previous try created (same run
            key)."""
            return emr_requests.create_or_reuse_cluster(resolve_params(params))

        @task(task_id="add_spark_step", execution_timeout=timedelta(minutes=10))
        def add_spark_step(cluster_id: str, params: dict[str, Any] | None = None) -> str:
            """Add the Spark step, or return the one with the same name that is pending, running or
            done."""
            return emr_requests.add_or_reuse_step(resolve_params(params), cluster_id)

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
