"""The DAG's vendored exit codes (dags/sensorlake_dag/constants.py) are the engine's: the file
is what scripts/gen_constants.py makes of `sensorlake --json constants`, and the DAG's runner
classifies exits by it. Vendored, not asked of the engine at failure time: a worker without
the wheel, or with a missing or broken binary, must still classify a failure."""

from __future__ import annotations

import importlib.util
import json
import subprocess

from conftest import DAGS, REPO


def _gen():
    spec = importlib.util.spec_from_file_location("gen_constants",
                                                  REPO / "scripts" / "gen_constants.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vendored_constants_are_what_the_engine_says(engine):
    constants = json.loads(subprocess.run([str(engine), "--json", "constants"], check=True,
                                          capture_output=True, text=True).stdout)
    vendored = DAGS / "sensorlake_dag" / "constants.py"
    assert vendored.read_text() == _gen().dag_module(constants), (
        "dags/sensorlake_dag/constants.py is stale: run python3 scripts/gen_constants.py")


def test_the_runner_uses_the_vendored_table():
    """No second table in the DAG: the runner's names and retry classes are the module's."""
    import sys

    if str(DAGS) not in sys.path:
        sys.path.append(str(DAGS))
    import sensorlake_dag.constants as constants
    import sensorlake_dag.engine as engine

    assert engine.EXIT_NAMES is constants.EXIT_NAMES
    assert engine.TRANSIENT_EXIT_CODES is constants.TRANSIENT_EXIT_CODES
    sources = [p.read_text() for p in DAGS.rglob("*.py") if p.name != "constants.py"]
    assert not [s for s in sources if "'corrupt data'" in s or '"corrupt data"' in s]
