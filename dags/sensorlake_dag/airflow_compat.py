"""The Airflow objects the DAG uses, from Airflow 3's Task SDK or from Airflow 2.10 (MWAA)."""

from __future__ import annotations

try:  # Airflow 3
    from airflow.sdk import DAG, Asset, Param, TaskGroup, Variable, get_current_context, task

    # The task context's key for the asset events that triggered the run, and the DagRun
    # run_type of a run the scheduler created on asset events.
    TRIGGERING_EVENTS_KEY = "triggering_asset_events"
    ASSET_TRIGGERED_RUN_TYPE = "asset_triggered"
except ImportError:  # Airflow 2.10 (MWAA's 2.10.x environments)
    from airflow.datasets import Dataset as Asset  # Airflow 3 renamed datasets to assets
    from airflow.decorators import task
    from airflow.models.dag import DAG
    from airflow.operators.python import get_current_context
    from airflow.models.param import Param
    from airflow.models.variable import Variable
    from airflow.utils.task_group import TaskGroup

    TRIGGERING_EVENTS_KEY = "triggering_dataset_events"
    ASSET_TRIGGERED_RUN_TYPE = "dataset_triggered"

try:  # Airflow >= 3.1 (the Task SDK's own exceptions)
    from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException
except ImportError:  # Airflow 3.0 and 2.10
    from airflow.exceptions import AirflowException, AirflowFailException, AirflowSkipException

try:
    from airflow.configuration import conf as airflow_conf
except ImportError:  # a Task-SDK-only worker
    from airflow.sdk.configuration import conf as airflow_conf

__all__ = ["DAG", "Asset", "Param", "TaskGroup", "Variable", "task", "get_current_context",
           "AirflowException", "AirflowFailException", "AirflowSkipException", "airflow_conf",
           "TRIGGERING_EVENTS_KEY", "ASSET_TRIGGERED_RUN_TYPE"]
