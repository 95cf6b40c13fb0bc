"""Fixtures for the Airflow DAG tests: a throw-away AIRFLOW_HOME with a migrated SQLite
metadata database, the DAG loaded through a DagBag, the sensorlake binary and a small
generated WISDM dataset. Runs under .venv-airflow (scripts/setup-airflow.sh)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

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
    }
)
os.environ.pop("AIRFLOW_CONN_AWS_DEFAULT", None)


def _engine() -> Path:
    path = Path(os.environ.get("SENSORLAKE_BIN")
                or REPO / "build" / "release" / "src" / "sensorlake")
    if not path.is_file():
        pytest.exit(
            f"sensorlake binary not found at {path}: run make build (or set SENSORLAKE_BIN)", 2)
    return path.resolve()


@pytest.fixture(scope="session", autouse=True)
def airflow_db() -> Path:
    """A migrated SQLite metadata database in the throw-away AIRFLOW_HOME."""
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True,
                   env=os.environ.copy())
    return _HOME


@pytest.fixture(scope="session")
def dagbag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


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
