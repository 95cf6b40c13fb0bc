"""Running the sensorlake engine on a worker, and the run's resolved parameters."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import uuid
from typing import Any

from sensorlake_dag.airflow_compat import (ASSET_TRIGGERED_RUN_TYPE, TRIGGERING_EVENTS_KEY,
                                           AirflowException, AirflowFailException, Variable,
                                           airflow_conf, get_current_context)
from sensorlake_dag.config import (DAG_ID, VAR_BIN, VAR_LAKE, VAR_SOURCE, alert_topic_arn,
                                   catalog, metrics_log_group)
from sensorlake_dag.constants import EXIT_GATE_FAILED, EXIT_NAMES, TRANSIENT_EXIT_CODES

log = logging.getLogger(__name__)


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
    run_env = dag_run_env()
    log.info("running: %s (run %s)", " ".join(cmd), run_env.get("SENSORLAKE_RUN_ID", "-"))
    # subprocess.run kills the child if the task is interrupted (execution_timeout).
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False,
                          env={**os.environ, **run_env})
    for line in proc.stderr.splitlines():
        log.info("sensorlake: %s", line)
    try:
        summary = json.loads(proc.stdout) if proc.stdout.strip() else {}
    except json.JSONDecodeError:
        summary = {"unparsed_stdout": proc.stdout[-2000:]}
    rc = proc.returncode
    if rc == 0 or (rc == EXIT_GATE_FAILED and allow_gate_failure):
        return rc, summary
    error = summary.get("error", {}) if isinstance(summary, dict) else {}
    what = f"sensorlake {args[0]} exited {rc} ({EXIT_NAMES.get(rc, 'unknown')}): " + (
        error.get("message") or proc.stderr.strip()[-500:] or "no message"
    )
    if rc in TRANSIENT_EXIT_CODES:
        raise AirflowException(what + " (transient: will retry)")
    raise AirflowFailException(what)


def record_run_id(dag_id: str, dag_run_id: str, started) -> str:
    """The engine's run id for one DAG run: r-<UTC start>-<hash of the DAG run>, so that the
    lake's run history sorts DAG runs among `sensorlake run`'s r-<UTC time> by time, and
    every task (and every try) of the DAG run names the same record."""
    stamp = started.strftime("%Y%m%dT%H%M%S") + f"{started.microsecond // 1000:03d}Z"
    digest = hashlib.sha256(f"{dag_id}\n{dag_run_id}".encode()).hexdigest()[:8]
    return f"r-{stamp}-{digest}"


def lineage_parent(dag_id: str, dag_run_id: str) -> dict[str, str]:
    """The DAG run as the OpenLineage parent of the engine's run when the Airflow
    OpenLineage provider is not installed: the job named after the DAG in the provider's
    namespace ([openlineage] namespace, default "default") and a run UUID derived from the
    DAG run (name-based, so every task of the run gives the same)."""
    namespace = airflow_conf.get("openlineage", "namespace", fallback="default") or "default"
    run_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"airflow:{namespace}:{dag_id}:{dag_run_id}")
    return {"namespace": namespace, "name": dag_id, "run_id": str(run_uuid)}


def provider_lineage(ti) -> tuple[dict[str, str], str] | None:
    """(the DAG run, the task run) as the Airflow OpenLineage provider names them in its own
    events, so that Marquez joins the provider's task events and the engine's: the DAG run
    {namespace, name, run_id} (the engine run's parent and its stages' root) and the task's
    lineage_parent_id "<namespace>/<dag>.<task>/<run uuid>" (its stages' parent). None
    without the provider."""
    try:
        from airflow.providers.openlineage.plugins import macros
    except ImportError:
        return None
    if hasattr(macros, "lineage_root_run_id"):  # provider >= 2.x (Airflow 3)
        dag_run = {"namespace": macros.lineage_root_job_namespace(ti),
                   "name": macros.lineage_root_job_name(ti),
                   "run_id": macros.lineage_root_run_id(ti)}
    else:  # provider 1.x (Airflow 2.10, MWAA)
        from airflow.providers.openlineage.plugins.adapter import OpenLineageAdapter

        logical_date = getattr(ti, "logical_date", None) or ti.execution_date
        dag_run = {"namespace": macros.lineage_job_namespace(), "name": ti.dag_id,
                   "run_id": OpenLineageAdapter.build_dag_run_id(ti.dag_id, logical_date)}
    return dag_run, macros.lineage_parent_id(ti)


def dag_run_env() -> dict[str, str]:
    """SENSORLAKE_RUN_ID and SENSORLAKE_ORCHESTRATOR for the engine's stage commands, so that
    each task records its stage in one run record per DAG run (docs/orchestration.md), with
    the run's telemetry (telemetry_env) and the tables' catalog (catalog_env). Empty
    outside a running task."""
    try:
        context = get_current_context()
    except Exception:  # noqa: BLE001 - not in a task: the engine records nothing
        return {}
    dag_run = context.get("dag_run")
    if dag_run is None:
        return {}
    dag_id = getattr(dag_run, "dag_id", None) or DAG_ID
    import datetime

    started = getattr(dag_run, "start_date", None) or getattr(dag_run, "logical_date", None) \
        or datetime.datetime.now(datetime.timezone.utc)
    from_provider = provider_lineage(context["ti"]) if context.get("ti") else None
    orchestrator = {"name": "airflow", "dag_id": dag_id, "run_id": dag_run.run_id,
                    "lineage_parent": from_provider[0] if from_provider
                    else lineage_parent(dag_id, dag_run.run_id)}
    params = context.get("params") or {}
    env = {"SENSORLAKE_RUN_ID": record_run_id(dag_id, dag_run.run_id, started),
           "SENSORLAKE_ORCHESTRATOR": json.dumps(orchestrator),
           **telemetry_env(params.get("environment", "")), **catalog_env()}
    if from_provider:
        env["SENSORLAKE_LINEAGE_PARENT"] = from_provider[1]
    return env


def telemetry_env(environment: str) -> dict[str, str]:
    """The engine's telemetry for a DAG run, from the deployment: the EMF environment
    dimension (the run's param, which the alarms and the dashboard filter on), the alerts
    topic (config.alert_topic_arn) and the CloudWatch Logs group of the EMF lines
    (Terraform's sensorlake.metrics_log_group). A variable the worker's environment sets
    already wins (docs/monitoring.md)."""
    wanted = {"SENSORLAKE_ENVIRONMENT": environment,
              "SENSORLAKE_ALERT_SNS_TOPIC": alert_topic_arn(),
              "SENSORLAKE_METRICS_LOG_GROUP": metrics_log_group()}
    chosen = {k: os.environ.get(k) or v for k, v in wanted.items()}
    return {k: v for k, v in chosen.items() if v}


def catalog_env() -> dict[str, str]:
    """SENSORLAKE_CATALOG for the engine's commands: the Iceberg catalog in which check
    stages and publish advances the lake's tables, Terraform's sensorlake.catalog option
    (config.catalog: glue://<database> on MWAA). A variable the worker's environment sets
    already wins; neither set: none, and the engine uses its default (docs/tables.md)."""
    chosen = os.environ.get("SENSORLAKE_CATALOG") or catalog()
    return {"SENSORLAKE_CATALOG": chosen} if chosen else {}


def engine_lacks(subcommand: str) -> str | None:
    """Why the engine cannot run SUBCOMMAND (an older build without it), or None if it can."""
    binary = engine_bin()
    top = subprocess.run([binary, "--help"], capture_output=True, text=True, check=False)
    sub = subprocess.run([binary, subcommand, "--help"], capture_output=True, text=True,
                         check=False)
    if sub.returncode != 0 or subcommand not in top.stdout:
        return (f"the sensorlake engine at {binary} has no '{subcommand}' subcommand "
                f"('{subcommand} --help' exited {sub.returncode})")
    return None


def source_from_asset_events(context: dict[str, Any] | None = None) -> str | None:
    """The source named by the asset (Airflow 2: dataset) events that triggered the run: the
    ``source`` key of their extra, e.g. ``{"source": "s3://raw/incoming/wisdm/2026-12-04"}``.
    None for a run not created by asset events (manual, API, cron: the params decide), or
    when no event names a source (the params' default then applies). Events naming different
    sources cannot be one run's source: that fails the task (final) rather than ingest one
    and drop the others; announce a common prefix instead."""
    if context is None:
        try:
            context = get_current_context()
        except Exception:  # noqa: BLE001 - not in a task
            return None
    dag_run = context.get("dag_run")
    run_type = getattr(dag_run, "run_type", None)
    if getattr(run_type, "value", run_type) != ASSET_TRIGGERED_RUN_TYPE:
        return None
    sources = []
    for events in (context.get(TRIGGERING_EVENTS_KEY) or {}).values():
        for event in events:
            source = (getattr(event, "extra", None) or {}).get("source")
            if isinstance(source, str) and source.strip() and source.strip() not in sources:
                sources.append(source.strip())
    if len(sources) > 1:
        raise AirflowFailException(
            f"the asset events that triggered this run name {len(sources)} different sources "
            f"({', '.join(sources)}): one run ingests one source; name a common prefix in "
            "the events' extra, or trigger one run per source with a conf")
    if sources:
        log.info("source %s: from the asset events that triggered the run", sources[0])
    return sources[0] if sources else None


def resolve_params(params: dict[str, Any]) -> dict[str, Any]:
    """The run's parameters with the Variable fallbacks applied (run time only). A run the
    scheduler created on asset events takes its source from the events' extra when one
    names it (source_from_asset_events), else from the params."""
    lake = params.get("lake_uri") or Variable.get(VAR_LAKE, None)
    source = source_from_asset_events() or params.get("source") or Variable.get(VAR_SOURCE, None)
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
