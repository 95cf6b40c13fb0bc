"""Fixtures for the Airflow DAG tests: a throw-away AIRFLOW_HOME with a migrated SQLite
metadata database, the DAG loaded through a DagBag, the sensorlake binary and a small
generated WISDM dataset. Runs under each Airflow the project supports: .venv-airflow
(Airflow 3) and .venv-airflow2 (Airflow 2.10, what MWAA runs), both made by
scripts/setup-airflow.sh; scripts/test-airflow.sh runs the tests under each in turn.
`airflow_api()` names the few Airflow objects whose import path differs between the two."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"

# Airflow reads its configuration when first imported: set it before any airflow import.
_HOME = Path(tempfile.mkdtemp(prefix="sensorlake-airflow-home-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_HOME}/airflow.db",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        # Never reach for real AWS credentials or the instance metadata service.
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        # The EMR step sensor polls every 0.2 s in the tests (60 s by default).
        "SENSORLAKE_EMR_POKE_SECONDS": "0.2",
        # The OpenLineage provider's own events, to a file the tests read (OPENLINEAGE_FILE).
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "sensorlake-test",
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
            {"type": "file", "log_file_path": str(_HOME / "openlineage.jsonl"), "append": True}),
    }
)
OPENLINEAGE_FILE = _HOME / "openlineage.jsonl"
os.environ.pop("AIRFLOW_CONN_AWS_DEFAULT", None)
# Airflow 2's unit-test configuration (unit_test_mode) picks the LocalExecutor, which refuses
# SQLite; SQLite takes the single-threaded SequentialExecutor there, which Airflow 3 no longer
# has (its default, LocalExecutor, accepts SQLite). The version is read from the installed
# distribution: importing Airflow now would read its configuration too early.
if int(importlib.metadata.version("apache-airflow").split(".")[0]) < 3:
    os.environ["AIRFLOW__CORE__EXECUTOR"] = "SequentialExecutor"


def _engine() -> Path:
    path = Path(os.environ.get("SENSORLAKE_BIN")
                or REPO / "build" / "release" / "src" / "sensorlake")
    if not path.is_file():
        pytest.exit(
            f"sensorlake binary not found at {path}: run make build (or set SENSORLAKE_BIN)", 2)
    return path.resolve()


# What scripts/setup-airflow.sh records in each venv: "<environment> <requirements file>".
VENV_MARKER = ".sensorlake-airflow-env"


def venv_airflow_pin() -> tuple[str, str]:
    """(environment name, Airflow version) of the venv running the tests: the apache-airflow
    pin of the requirements file that scripts/setup-airflow.sh built this venv from. Known
    without asking Airflow, so a test can check the installed Airflow against it."""
    marker = Path(sys.prefix) / VENV_MARKER
    if not marker.is_file():
        pytest.fail(f"{marker} is missing: run tests/airflow in a venv made by "
                    "scripts/setup-airflow.sh (or through scripts/test-airflow.sh)")
    name, requirements = marker.read_text().split()
    pins = re.findall(r"^apache-airflow==(\S+)$", (REPO / requirements).read_text(), re.M)
    assert len(pins) == 1, f"{requirements}: expected one apache-airflow== pin, found {pins}"
    return name, pins[0]


def airflow_major() -> int:
    import airflow

    return int(airflow.__version__.split(".")[0])


def airflow_api() -> SimpleNamespace:
    """The Airflow objects the tests use whose home differs between Airflow 3 and 2.10."""
    if airflow_major() >= 3:
        from airflow.dag_processing.dagbag import DagBag
        from airflow.sdk import BaseHook, Variable
        from airflow.sdk.exceptions import AirflowException, AirflowFailException
        from airflow.serialization.serialized_objects import DagSerialization

        serialize, deserialize = DagSerialization.serialize_dag, DagSerialization.deserialize_dag
    else:
        from airflow.exceptions import AirflowException, AirflowFailException
        from airflow.hooks.base import BaseHook
        from airflow.models.dagbag import DagBag
        from airflow.models.variable import Variable
        from airflow.serialization.serialized_objects import SerializedDAG

        serialize, deserialize = SerializedDAG.serialize_dag, SerializedDAG.deserialize_dag
    return SimpleNamespace(DagBag=DagBag, BaseHook=BaseHook, Variable=Variable,
                           AirflowException=AirflowException,
                           AirflowFailException=AirflowFailException,
                           serialize_dag=serialize, deserialize_dag=deserialize)


@pytest.fixture(scope="session", autouse=True)
def airflow_db() -> Path:
    """A migrated SQLite metadata database in the throw-away AIRFLOW_HOME."""
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True,
                   env=os.environ.copy())
    return _HOME


@pytest.fixture(scope="session")
def dagbag(airflow_db):
    return airflow_api().DagBag(dag_folder=str(DAGS))


@pytest.fixture(scope="session")
def dag(dagbag):
    return dagbag.get_dag("sensorlake_wisdm")


@pytest.fixture(autouse=True)
def fresh_task_params(dag):
    """dag.test() runs tasks in this process, and the task runner writes the run's conf
    into each task's params in place; a later dag.test() would then see the earlier run's
    values as defaults. (A real worker runs each task in a new process.) Restore them."""
    import copy

    saved = {t.task_id: copy.deepcopy(t.params) for t in dag.tasks}
    yield
    for t in dag.tasks:
        t.params = saved[t.task_id]


@pytest.fixture(scope="session")
def engine() -> Path:
    return _engine()


@pytest.fixture(scope="session")
def wisdm_source(engine, tmp_path_factory) -> Path:
    """A small synthetic WISDM dataset in the real layout (scale 0.01: a few MB)."""
    out = tmp_path_factory.mktemp("wisdm") / "source"
    proc = subprocess.run(
        [str(engine), "--json", "generate", "--out", str(out), "--scale", "0.01", "--seed", "7"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert json.loads(proc.stdout)["ok"] is True
    return out


@pytest.fixture
def use_engine(monkeypatch):
    """Point the DAG at a given sensorlake binary (or wrapper) through $SENSORLAKE_BIN."""

    def _use(path: Path) -> None:
        monkeypatch.setenv("SENSORLAKE_BIN", str(path))

    return _use


def task_states(dag_run) -> dict[str, str]:
    return {ti.task_id: (ti.state.value if hasattr(ti.state, "value") else ti.state)
            for ti in dag_run.get_task_instances()}
