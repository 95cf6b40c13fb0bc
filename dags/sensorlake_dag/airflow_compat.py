"""The Airflow objects the DAG uses, from Airflow 3's Task SDK or from Airflow 2.10 (MWAA)."""

from __future__ import annotations

try:  # Airflow 3
    from airflow.sdk import DAG, Param, TaskGroup, Variable, get_current_context, task
except ImportError:  # Airflow 2.10 (MWAA's 2.10.x environments)
    from airflow.decorators import task
    from airflow.models.dag import DAG
    from airflow.operators.python import get_current_context
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

__all__ = ["DAG", "Param", "TaskGroup", "Variable", "task", "get_current_context",
           "AirflowException",
           "AirflowFailException", "AirflowSkipException", "airflow_conf"]
