"""The wheel's tests run in .venv (pytest, DuckDB-free), and drive the package in the clean
virtualenv scripts/test-wheel.sh made (SENSORLAKE_WHEEL_PYTHON) by subprocess, so what is
tested is the installed wheel and nothing from the source tree."""
import collections
import json
import os
import pathlib
import subprocess
import tomllib

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


def expected_check_exit(gen) -> int:
    """The exit code `sensorlake check` (default rules) must give on generated data, derived
    from its faults.jsonl and the rule set (as in tests/e2e/test_quality.py): 1 when a
    rule of severity error fails (docs/quality.md, docs/cli.md), that is when a fault is one
    such a rule's check must flag, or the lines `quarantine` faults name are a larger share
    of the raw lines than quarantine_rate allows; else 0."""
    rules = tomllib.loads((REPO / "config" / "quality.toml").read_text())["rule"]
    errors = {r["check"]: r for r in rules if r["severity"] == "error"}
    faults = [json.loads(line) for line in (gen / "faults.jsonl").read_text().splitlines()]
    if any(f["expect"] == "flag" and f["check"] in errors for f in faults):
        return 1
    by_reason = collections.Counter()
    for f in faults:
        if f["expect"] == "quarantine":
            by_reason[f["reason"]] += f["last_line"] - f["line"] + 1
    lines = 0
    for p in gen.glob("raw/*/*/data_*.txt"):
        data = p.read_bytes()
        lines += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    rate = errors.get("quarantine_rate")
    if rate and by_reason and (sum(by_reason.values()) / lines > rate["max_rate"] or max(
            by_reason.values()) / lines > rate["max_reason_rate"]):
        return 1
    return 0


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
