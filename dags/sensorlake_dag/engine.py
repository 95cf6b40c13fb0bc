"""Running the sensorlake engine on a worker, and the run's resolved parameters."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
from typing import Any

from sensorlake_dag.airflow_compat import AirflowException, AirflowFailException, Variable
from sensorlake_dag.config import VAR_BIN, VAR_LAKE, VAR_SOURCE
from sensorlake_dag.constants import EXIT_GATE_FAILED, EXIT_NAMES, TRANSIENT_EXIT_CODES

log = logging.getLogger(__name__)


def engine_bin() -> str:
    """The sensorlake binary: $SENSORLAKE_BIN, else the Variable sensorlake_bin, else PATH."""
    path = os.environ.get("SENSORLAKE_BIN") or Variable.get(VAR_BIN, None) or "sensorlake"
    resolved = shutil.which(path)
    if not resolved:
        raise AirflowFailException(
            f"sensorlake binary {path!r} not found: set $SENSORLAKE_BIN or the Variable {VAR_BIN}"
        )
    return resolved


def run_engine(args: list[str], *, allow_gate_failure: bool = False) -> tuple[int, dict[str, Any]]:
    """Run ``sensorlake --json ARGS`` and return (exit code, JSON summary).

    Exit 6 (I/O) and 8 (lake busy) raise AirflowException, so the task is retried;
    every other non-zero exit except a gate failure (1, when allowed) is final.
    """
    cmd = [engine_bin(), "--json", *args]
    log.info("running: %s", " ".join(cmd))
    # subprocess.run kills the child if the task is interrupted (execution_timeout).
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    for line in proc.stderr.splitlines():
        log.info("sensorlake: %s", line)
    try:
        summary = json.loads(proc.stdout) if proc.stdout.strip() else {}
    except json.JSONDecodeError:
        summary = {"unparsed_stdout": proc.stdout[-2000:]}
    rc = proc.returncode
    if rc == 0 or (rc == EXIT_GATE_FAILED and allow_gate_failure):
        return rc, summary
    error = summary.get("error", {}) if isinstance(summary, dict) else {}
    what = f"sensorlake {args[0]} exited {rc} ({EXIT_NAMES.get(rc, 'unknown')}): " + (
        error.get("message") or proc.stderr.strip()[-500:] or "no message"
    )
    if rc in TRANSIENT_EXIT_CODES:
        raise AirflowException(what + " (transient: will retry)")
    raise AirflowFailException(what)


def engine_lacks(subcommand: str) -> str | None:
    """Why the engine cannot run SUBCOMMAND (an older build without it), or None if it can."""
    binary = engine_bin()
    top = subprocess.run([binary, "--help"], capture_output=True, text=True, check=False)
    sub = subprocess.run([binary, subcommand, "--help"], capture_output=True, text=True,
                         check=False)
    if sub.returncode != 0 or subcommand not in top.stdout:
        return (f"the sensorlake engine at {binary} has no '{subcommand}' subcommand "
                f"('{subcommand} --help' exited {sub.returncode})")
    return None


def resolve_params(params: dict[str, Any]) -> dict[str, Any]:
    """The run's parameters with the Variable fallbacks applied (run time only)."""
    lake = params.get("lake_uri") or Variable.get(VAR_LAKE, None)
    source = params.get("source") or Variable.get(VAR_SOURCE, None)
    if not lake:
        raise AirflowFailException(
            f"no lake: pass the param lake_uri or set the Variable {VAR_LAKE}")
    if not source:
        raise AirflowFailException(
            f"no source: pass the param source or set the Variable {VAR_SOURCE}")
    resolved = dict(params)
    resolved.update(lake_uri=lake, source=source)
    resolved["run_key"] = run_key(resolved)
    return resolved


def run_key(params: dict[str, Any]) -> str:
    """A short, stable key for a run's parameters: the same parameters give the same key.

    It names the EMR cluster and step, so that a retried task finds the cluster or step
    that an earlier try created instead of creating another one.
    """
    keyed = {k: params.get(k)
             for k in ("lake_uri", "source", "dataset_version", "environment", "backend")}
    blob = json.dumps(keyed, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:12]
