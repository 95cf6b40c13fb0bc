"""What the Python suites share about the engine: where the repository, the shared real sample
and the built CLI are, and how to run the CLI. Importable from every suite (pyproject.toml's
pytest `pythonpath` holds tests/support); the fixtures built on it are in tests/conftest.py."""
import json
import os
import pathlib
import subprocess

REPO = pathlib.Path(__file__).resolve().parents[2]
# The read-only shared material beside the checkout (CI's layout); SENSORLAKE_SHARED points
# elsewhere, e.g. from a git worktree.
SHARED = pathlib.Path(os.environ.get("SENSORLAKE_SHARED", REPO.parent / "shared"))
REAL_SAMPLE = SHARED / "wisdm" / "real-sample"


def sensorlake_bin() -> str:
    return os.environ.get("SENSORLAKE_BIN", str(REPO / "build" / "release" / "src" / "sensorlake"))


def trainer_python_path() -> list[str]:
    """What `sensorlake train` puts on the trainer's PYTHONPATH (src/cli/cmd_train.cc), for
    tests that import the trainer: the sources' python/, then the engine's module folder
    <build>/python of the binary under test."""
    build = pathlib.Path(sensorlake_bin()).resolve().parents[1]
    return [str(REPO / "python"), str(build / "python")]


def run_cli(*args, check=True):
    """Runs `sensorlake --json ARGS` and returns (exit code, parsed JSON summary, stderr)."""
    proc = subprocess.run([sensorlake_bin(), "--json", *map(str, args)],
                          capture_output=True, text=True, timeout=900)
    summary = json.loads(proc.stdout) if proc.stdout.strip() else None
    if check and proc.returncode != 0:
        raise AssertionError(f"sensorlake {' '.join(map(str, args))} failed "
                             f"({proc.returncode}): {proc.stderr}")
    return proc.returncode, summary, proc.stderr
