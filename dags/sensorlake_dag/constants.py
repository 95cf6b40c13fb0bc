"""The engine's exit codes (docs/cli.md), vendored for the DAG: Airflow workers may not have
the sensorlake wheel installed, and a failed task must be classified even when the engine
binary is missing or broken. tests/airflow/test_constants.py checks this table against the
engine's own (`sensorlake --json constants`)."""

from __future__ import annotations

EXIT_NAMES = {
    0: "ok",
    1: "quality gate failed",
    2: "usage error",
    3: "invalid input",
    4: "not found",
    5: "already exists",
    6: "I/O or storage error",
    7: "corrupt data",
    8: "lake busy",
    9: "input refused",
    10: "not implemented",
    11: "cancelled",
    70: "internal error",
}
# Transient failures: the task raises a plain AirflowException so Airflow retries it
# with backoff. Every other failure is final (AirflowFailException: no retry).
TRANSIENT_EXIT_CODES = frozenset({6, 8})
EXIT_GATE_FAILED = 1
