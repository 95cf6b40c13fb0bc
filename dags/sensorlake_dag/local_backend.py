"""The local backend's stages: each runs the engine on the worker with the run's resolved
params (sensorlake_dag.engine.resolve_params) and returns what the next task needs (XCom)."""

from __future__ import annotations

import json
import logging
from typing import Any

from sensorlake_dag.airflow_compat import AirflowFailException, AirflowSkipException
from sensorlake_dag.engine import engine_lacks, run_engine

log = logging.getLogger(__name__)


def ingest(p: dict[str, Any]) -> dict[str, Any]:
    _, out = run_engine(["ingest", "--source", p["source"], "--lake", p["lake_uri"]])
    log.info("ingested version %s (unchanged=%s, run_key=%s)",
             out.get("version"), out.get("unchanged"), p["run_key"])
    return {"version": out.get("version"), "unchanged": out.get("unchanged"),
            "run_key": p["run_key"]}


def transform(p: dict[str, Any], ingested: dict[str, Any]) -> dict[str, Any]:
    version = p.get("dataset_version") or ingested["version"]
    _, out = run_engine(["transform", "--lake", p["lake_uri"], "--dataset-version", version])
    return {"dataset_version": version, "curated_version": out.get("curated_version"),
            "unchanged": out.get("unchanged")}


def quality_gate(p: dict[str, Any], curated: dict[str, Any]) -> dict[str, Any]:
    """Raises AirflowFailException (final) naming the failing rules when the gate fails."""
    rc, out = run_engine(["check", "--lake", p["lake_uri"]], allow_gate_failure=True)
    result = {
        "success": bool(out.get("success")) and rc == 0,
        "run_id": out.get("run_id"),
        "report": out.get("report"),
        "counts": out.get("counts"),
        "curated_version": out.get("curated_version", curated.get("curated_version")),
    }
    if not result["success"]:
        failing = [
            f"{c.get('rule')}: {c.get('observed')}"
            for c in out.get("checks", [])
            # The engine's outcome of a failed rule of severity error (checks.cc).
            if c.get("status") == "error"
        ]
        raise AirflowFailException(
            f"quality gate failed for curated version {result['curated_version']} "
            f"(check run {result['run_id']}, report {p['lake_uri']}/{result['report']}): "
            + ("; ".join(failing) or json.dumps(out.get("counts")))
        )
    log.info("quality gate passed: run %s, report %s", result["run_id"], result["report"])
    return result


def features(p: dict[str, Any], gate: dict[str, Any]) -> dict[str, Any]:
    """Raises AirflowSkipException, with the reason logged, if the engine has no 'features'."""
    missing = engine_lacks("features")
    if missing:
        message = (f"SKIPPED: {missing}; features were NOT computed for "
                   f"curated version {gate.get('curated_version')}")
        log.warning(message)
        raise AirflowSkipException(message)
    _, out = run_engine(["features", "--lake", p["lake_uri"]])
    return {
        "features_version": out.get("features_version"),
        "windows": out.get("windows"),
        "unchanged": out.get("unchanged"),
    }


def publish(p: dict[str, Any], gate: dict[str, Any],
            computed: dict[str, Any] | None) -> dict[str, Any]:
    args = ["publish", "--lake", p["lake_uri"],
            "--curated-version", gate["curated_version"],
            "--quality-run", gate["run_id"]]
    # The run id (SENSORLAKE_RUN_ID, set by run_engine) names this DAG run's record in
    # _published.json, as `sensorlake run` names its own.
    if computed and computed.get("features_version"):
        args += ["--features-version", computed["features_version"]]
    _, out = run_engine(args)
    log.info("published curated version %s (quality run %s)",
             out.get("curated_version"), out.get("quality_run"))
    return out
