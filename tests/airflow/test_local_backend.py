"""The local backend end to end: dag.test() runs the DAG against the real engine on a
small generated dataset, and the test reads the lake it leaves behind."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from conftest import task_states


def run_local(dag, lake: Path, source: Path, **extra):
    conf = {"lake_uri": f"file://{lake}", "source": str(source), "backend": "local", "environment": "dev", **extra}
    return dag.test(run_conf=conf)


def test_local_backend_end_to_end(dag, engine, wisdm_source, use_engine, tmp_path):
    use_engine(engine)
    lake = tmp_path / "lake"
    dr = run_local(dag, lake, wisdm_source)
    states = task_states(dr)
    print(states)
    assert dr.state == "success", states
