"""The failure callback of every task and of the DAG run."""

from __future__ import annotations

import logging
from typing import Any

from sensorlake_dag.config import AWS_CONN_ID, DAG_ID, alert_topic_arn

log = logging.getLogger(__name__)


def alert_on_failure(context: dict[str, Any]) -> None:
    """Failure callback: raise an alert for a failed task (or DAG run).

    Always logs one ERROR line starting with ``SENSORLAKE ALERT`` (picked up by log-based
    alerting, e.g. a CloudWatch metric filter on MWAA); when an alert topic is configured
    (``config.alert_topic_arn``: Terraform's option, else a Variable), also publishes the
    message to that SNS topic.
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
        topic = alert_topic_arn()
        if topic:
            from airflow.providers.amazon.aws.hooks.sns import SnsHook

            SnsHook(aws_conn_id=AWS_CONN_ID).publish_to_target(
                target_arn=topic, message=message, subject=f"{DAG_ID} failed"
            )
    except Exception as exc:  # noqa: BLE001 - the alert must not fail the callback
        log.warning("alert_on_failure: could not publish to SNS: %s", exc)
