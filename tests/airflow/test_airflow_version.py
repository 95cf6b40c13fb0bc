"""Which Airflow this run uses, and proof that the DAG took that Airflow's import branch.

scripts/test-airflow.sh runs tests/airflow once under Airflow 2.10.3 (.venv-airflow2, what
the MWAA module deploys) and once under Airflow 3 (.venv-airflow). The expected version comes
from the requirements file the venv was built from (recorded by scripts/setup-airflow.sh),
not from Airflow; the expected modules come from each version's public API: Airflow 3's Task
SDK (airflow.sdk) and Airflow 2's airflow.models / airflow.decorators / airflow.exceptions."""

from __future__ import annotations

import sys

from conftest import venv_airflow_pin

# Where each name the DAG imports is defined, per Airflow major: the DAG's try branch
# (airflow.sdk) on 3, its except branch on 2.
EXPECTED_HOMES = {
    3: {
        "DAG": "airflow.sdk.definitions.dag",
        "Param": "airflow.sdk.definitions.param",
        "TaskGroup": "airflow.sdk.definitions.taskgroup",
        "Variable": "airflow.sdk.definitions.variable",
        "task": "airflow.sdk.definitions.decorators",
        "AirflowException": "airflow.sdk.exceptions",
        "AirflowFailException": "airflow.sdk.exceptions",
        "AirflowSkipException": "airflow.sdk.exceptions",
    },
    2: {
        "DAG": "airflow.models.dag",
        "Param": "airflow.models.param",
        "TaskGroup": "airflow.utils.task_group",
        "Variable": "airflow.models.variable",
        "task": "airflow.decorators",
        "AirflowException": "airflow.exceptions",
        "AirflowFailException": "airflow.exceptions",
        "AirflowSkipException": "airflow.exceptions",
    },
}


def _home(obj) -> str:
    # `task` is an instance (a collection of decorators); the rest are classes.
    return (obj if isinstance(obj, type) else type(obj)).__module__


def _dagbag_module(dag):
    """The module object the DagBag executed for the DAG (not a fresh import of the file)."""
    loaded = [m for m in list(sys.modules.values())
              if getattr(m, "__file__", None) == dag.fileloc and getattr(m, "dag", None) is dag]
    assert len(loaded) == 1, [m.__name__ for m in loaded]
    return loaded[0]


def test_runs_the_airflow_its_venv_was_built_for():
    import airflow

    name, pinned = venv_airflow_pin()
    assert airflow.__version__ == pinned
    assert name == {"2": "airflow2", "3": "airflow3"}[pinned.split(".")[0]]


def test_dag_module_took_the_import_branch_of_this_airflow(dag):
    _, pinned = venv_airflow_pin()
    major = int(pinned.split(".")[0])
    module = _dagbag_module(dag)
    homes = {name: _home(getattr(module, name)) for name in EXPECTED_HOMES[major]}
    assert homes == EXPECTED_HOMES[major]
    # The DAG the DagBag holds was built by that branch's DAG class.
    assert type(dag) is module.DAG
    if major == 2:
        assert "airflow.sdk" not in sys.modules  # the Airflow 3 branch was not half-taken
