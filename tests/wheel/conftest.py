"""The wheel's tests run in .venv (pytest, DuckDB-free), and drive the package in the clean
virtualenv scripts/test-wheel.sh made (SENSORLAKE_WHEEL_PYTHON) by subprocess, so what is
tested is the installed wheel and nothing from the source tree."""
import json
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def sensorlake_bin() -> str:
    return os.environ.get("SENSORLAKE_BIN", str(REPO / "build" / "release" / "src" / "sensorlake"))


def wheel_python() -> str:
    py = os.environ.get("SENSORLAKE_WHEEL_PYTHON")
    if not py:
        raise RuntimeError("SENSORLAKE_WHEEL_PYTHON is not set: run scripts/test-wheel.sh")
    return py


def run_cli(*args):
    proc = subprocess.run([sensorlake_bin(), "--json", *map(str, args)], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, f"sensorlake {args} failed: {proc.stderr}"
    return json.loads(proc.stdout)


def run_py(code: str, *args, expect_ok=True):
    """Runs `code` in the wheel's interpreter, outside the source tree; returns its last
    stdout line as JSON, or (returncode, stderr) when expect_ok is False."""
    proc = subprocess.run([wheel_python(), "-c", code, *map(str, args)], capture_output=True,
                          text=True, timeout=600, cwd="/")
    if not expect_ok:
        return proc.returncode, proc.stderr
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """Generated raw data with faults, so the quarantine and the counts have content."""
    out = tmp_path_factory.mktemp("gen")
    run_cli("generate", "--out", out, "--scale", "0.01", "--faults", "all")
    return out


@pytest.fixture()
def ingested_lake(tmp_path, generated):
    lake = tmp_path / "lake"
    run_cli("ingest", "--source", generated, "--lake", lake)
    return lake
