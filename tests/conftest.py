"""Fixtures shared by the Python suites (tests/e2e, tests/reliability, tests/ml, tests/infra).

pytest loads this file for every run under tests/, the Airflow, Spark and wheel suites too
(each has its own conftest.py beside it), so it imports nothing but pytest and tests/support:
the Airflow venvs have no pyarrow. Helpers are imported from tests/support by module name
(`from sensorlake_cli import run_cli`), never from a conftest."""
import pytest

from sensorlake_cli import REAL_SAMPLE, run_cli


@pytest.fixture(scope="session")
def real_sample_lake(tmp_path_factory):
    """A lake holding the real sample, ingested and transformed."""
    lake = tmp_path_factory.mktemp("real-sample-lake")
    run_cli("ingest", "--source", REAL_SAMPLE, "--lake", lake)
    _, summary, _ = run_cli("transform", "--lake", lake)
    return lake, summary
