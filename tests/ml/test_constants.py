"""python/sensorlake/constants.py is what scripts/gen_constants.py makes of the engine's
`sensorlake --json constants`, and the trainer and the Spark job keep no copies of it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _engine() -> str:
    return os.environ.get("SENSORLAKE_BIN", str(REPO / "build" / "release" / "src" / "sensorlake"))


def test_generated_constants_agree_with_the_engine():
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "gen_constants.py"),
                           "--check", "--bin", _engine()], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_check_fails_when_a_file_is_stale(tmp_path):
    """--check is not a rubber stamp: an engine that says otherwise makes it fail."""
    fake = tmp_path / "sensorlake"
    real = subprocess.run([_engine(), "--json", "constants"], check=True, capture_output=True,
                          text=True).stdout
    (tmp_path / "constants.json").write_text(real.replace('"walking"', '"strolling"'))
    fake.write_text(f"#!/bin/sh\ncat {tmp_path / 'constants.json'}\n")
    fake.chmod(0o755)
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "gen_constants.py"),
                           "--check", "--bin", str(fake)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "python/sensorlake/constants.py" in proc.stderr


def test_no_copies_in_the_spark_job():
    job = (REPO / "spark" / "sensorlake_job.py").read_text()
    assert '("check", "features", "publish")' not in job
    assert "FileSystem.from_uri" not in job  # the lake URI is the engine's (sensorlake.Lake)
