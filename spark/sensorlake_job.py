"""sensorlake_job: the transform of one raw WISDM version, scaled out on Apache Spark.

    spark-submit [spark options] spark/sensorlake_job.py --lake URI [--dataset-version V]
        [--source S] [--tasks N | --task-mb MB] [--threads-per-task T] [--config FILE]
        [--then STAGES] [--catalog URI] [--summary FILE]

The driver lists the raw files of the dataset version (``sensorlake.list_raw_files``),
bin-packs them by bytes into N tasks and runs one Spark stage with one task per bin. Each
task runs the engine on its files through the Python package
(``sensorlake.transform_files``) and writes under an attempt-scoped staging prefix,
``_staging/spark/<job id>/task-<partition>/attempt-<attempt>``. Spark hands the driver
exactly one result per partition: the one of the attempt it counted as successful. The
driver commits those attempts and no others (``sensorlake.commit_transform`` checks that
they cover every raw file exactly once and publishes a new curated version atomically),
then deletes the job's whole staging prefix. A retried, killed or speculative attempt
therefore never adds or loses rows: its output sits under its own prefix and is never
named in the commit.

Optional driver-side stages run the engine CLI (``SENSORLAKE_BIN`` or ``sensorlake`` on
PATH): ``--source`` ingests first, ``--then check,features,publish`` runs the quality gate,
the features and the publish afterwards (as the Airflow local backend does). They commit
the lake's Iceberg tables in ``--catalog`` (``SENSORLAKE_CATALOG``), with this interpreter
as ``SENSORLAKE_PYTHON``.

Test-only hook: ``SENSORLAKE_SPARK_FAIL_ONCE=<partition>`` with
``SENSORLAKE_SPARK_FAIL_MARKER=<file>`` (a path every executor can see) makes the first
attempt of that partition die with ``os._exit`` after it has written its staging output
and before Spark receives its result: the worst moment for duplicates. See docs/spark.md.
"""

from __future__ import annotations

import argparse
import hashlib  # noqa: F401  before sensorlake: see below
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

# hashlib is imported above, before anything imports sensorlake: the package's native
# module loads pyarrow's libparquet (which exports a bundled OpenSSL's symbols) together
# with the system libcrypto, and a libcrypto first loaded after that binds to the wrong
# copy and crashes on `import hashlib` (pyspark imports it). Loading it first avoids that.
STAGING_ROOT = "_staging/spark"
FAIL_ONCE_ENV = "SENSORLAKE_SPARK_FAIL_ONCE"
FAIL_MARKER_ENV = "SENSORLAKE_SPARK_FAIL_MARKER"
# The exit status of a test-killed attempt (distinct from any the engine uses).
KILLED_EXIT = 86


class JobError(Exception):
    """A failure the driver reports in one line and turns into a non-zero exit."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


# --------------------------------------------------------------------------- splitting


def bin_pack(files: list[dict[str, Any]], tasks: int) -> list[list[dict[str, Any]]]:
    """Split raw files into at most ``tasks`` bins of near-equal bytes.

    Largest file first, each into the bin with the fewest bytes so far (LPT scheduling:
    within 4/3 of the best possible longest bin). Splitting by bytes, not by file count,
    matters because WISDM files differ by 10x in size (a phone accel file of one subject
    against a short watch gyro file). Ties break on the path so the split is deterministic.
    Empty bins are dropped: there are never more tasks than files.
    """
    if tasks < 1:
        raise JobError(f"--tasks must be at least 1, got {tasks}", 2)
    ordered = sorted(files, key=lambda f: (-int(f["bytes"]), f["path"]))
    bins: list[list[dict[str, Any]]] = [[] for _ in range(min(tasks, len(ordered)))]
    loads = [0] * len(bins)
    for f in ordered:
        i = min(range(len(bins)), key=lambda b: (loads[b], b))
        bins[i].append(f)
        loads[i] += int(f["bytes"])
    return [sorted(b, key=lambda f: f["path"]) for b in bins if b]


def task_count(args: argparse.Namespace, total_bytes: int, default_parallelism: int) -> int:
    """--tasks if given; else one task per --task-mb of raw text, at least one per core
    the application has (with dynamic allocation that is often 2 at start, so the size
    rule is what gives a large input enough tasks)."""
    if args.tasks:
        return args.tasks
    if args.task_mb > 0:
        return max(default_parallelism, math.ceil(total_bytes / (args.task_mb * 1024 * 1024)))
    return default_parallelism


# --------------------------------------------------------------------------- staging


def job_staging(job_id: str) -> str:
    return f"{STAGING_ROOT}/{job_id}"


def attempt_prefix(job_id: str, partition: int, attempt: int) -> str:
    """Where one attempt of one task writes: unique per (partition, attempt), so two
    attempts of the same task (a retry, a speculative copy) never write the same object."""
    return f"{job_staging(job_id)}/task-{partition:05d}/attempt-{attempt}"


def known_post_stages() -> tuple[str, ...]:
    """The stages that may follow the transform (--then), in the engine's order
    (sensorlake.constants.STAGES: ingest, transform, check, ...)."""
    from sensorlake.constants import STAGES

    return STAGES[STAGES.index("transform") + 1:]


def list_attempt_prefixes(lake_uri: str, job_id: str) -> list[str]:
    """Every attempt prefix the job's tasks created, committed or not. The lake is the
    engine's (sensorlake.Lake): the same URI rules, file:// and s3:// with its query."""
    import sensorlake

    lake = sensorlake.Lake(lake_uri)
    base = job_staging(job_id)
    return sorted(f"{base}/{task}/{attempt}" for task in lake.list_dirs(base)
                  for attempt in lake.list_dirs(f"{base}/{task}"))


def delete_prefix(lake_uri: str, prefix: str) -> None:
    """Delete a lake folder and everything under it; a missing folder is fine."""
    import sensorlake

    sensorlake.Lake(lake_uri).delete_dir(prefix)


# --------------------------------------------------------------------------- the task


@dataclass(frozen=True)
class TaskSpec:
    """Everything a task needs, shipped to the executors with the closure."""

    lake_uri: str
    raw_version: str
    job_id: str
    config_path: str | None
    threads: int
    fail_once_partition: int | None = None
    fail_marker: str | None = None


def should_die(spec: TaskSpec, partition: int) -> bool:
    """The test hook: true for the first attempt of the chosen partition only. The marker
    is created exclusively (O_EXCL), so exactly one attempt ever sees True."""
    if (spec.fail_once_partition is None or spec.fail_once_partition != partition
            or not spec.fail_marker):
        return False
    try:
        fd = os.open(spec.fail_marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def run_task(spec: TaskSpec, rows: Iterable[tuple[int, list[str]]]) -> Iterator[dict[str, Any]]:
    """One Spark task: transform its bin of raw files into its attempt's staging prefix."""
    import sensorlake  # imported on the executor, where the package is installed
    from pyspark import TaskContext

    ctx = TaskContext.get()
    partition, attempt = ctx.partitionId(), ctx.attemptNumber()
    for bin_index, paths in rows:
        prefix = attempt_prefix(spec.job_id, partition, attempt)
        started = time.monotonic()
        manifest = sensorlake.transform_files(
            spec.lake_uri,
            spec.raw_version,
            paths,
            prefix,
            f"task-{partition:05d}-attempt-{attempt}",
            config_path=spec.config_path,
            threads=spec.threads,
        )
        if should_die(spec, partition):
            # Output written, result not yet reported: a lost executor at the worst moment.
            with open(spec.fail_marker, "w") as m:
                m.write(prefix)
            os._exit(KILLED_EXIT)
        yield {
            "partition": partition,
            "attempt": attempt,
            "bin": bin_index,
            "prefix": prefix,
            "files": len(paths),
            "seconds": round(time.monotonic() - started, 3),
            "host": os.uname().nodename,
            # The executor's working folder: tells executors apart on one host.
            "workdir": os.getcwd(),
            # Spark pickles results; a JSON string keeps the engine's dict exact and small.
            "manifest": json.dumps(manifest),
        }


# --------------------------------------------------------------------------- the driver


@dataclass
class Outcome:
    job_id: str
    raw_version: str
    tasks: int
    files: int
    bytes: int
    committed: list[dict[str, Any]] = field(default_factory=list)
    discarded_prefixes: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    stage_seconds: float = 0.0
    commit_seconds: float = 0.0


def check_results(results: list[dict[str, Any]], bins: list[list[dict[str, Any]]]) -> None:
    """Exactly one committed result per task, each for the files that task was given."""
    by_partition: dict[int, dict[str, Any]] = {}
    for r in results:
        if r["partition"] in by_partition:
            raise JobError(
                f"two results for partition {r['partition']}: Spark returned a duplicate")
        by_partition[r["partition"]] = r
    missing = sorted(set(range(len(bins))) - set(by_partition))
    if missing:
        raise JobError(f"no result for partitions {missing}")
    for p, r in by_partition.items():
        if r["bin"] != p or r["files"] != len(bins[p]):
            raise JobError(f"partition {p} returned bin {r['bin']} with {r['files']} files; "
                           f"expected {len(bins[p])}")


def list_inputs(args: argparse.Namespace) -> tuple[str, list[dict[str, Any]]]:
    """The raw version and its files; before Spark starts, so bad input fails in a second."""
    import sensorlake

    listing = sensorlake.list_raw_files(args.lake, args.dataset_version or "")
    raw_version, files = listing["raw_version"], listing["files"]
    if not files:
        raise JobError(f"raw version {raw_version} in {args.lake} holds no files", 3)
    return raw_version, files


def transform_on_spark(spark, args: argparse.Namespace, raw_version: str,
                       files: list[dict[str, Any]], log) -> Outcome:
    import sensorlake

    sc = spark.sparkContext
    bins = bin_pack(files, task_count(args, sum(int(f["bytes"]) for f in files),
                                      sc.defaultParallelism))
    job_id = (args.job_id
              or f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}")
    outcome = Outcome(job_id, raw_version, len(bins), len(files),
                      sum(int(f["bytes"]) for f in files))
    log(
        f"raw version {raw_version}: {len(files)} files, {outcome.bytes / 1e6:.1f} MB "
        f"in {len(bins)} tasks "
        f"({min(sum(int(f['bytes']) for f in b) for b in bins) / 1e6:.1f}-"
        f"{max(sum(int(f['bytes']) for f in b) for b in bins) / 1e6:.1f} MB each); "
        f"staging {job_staging(job_id)}"
    )
    fail_once = os.environ.get(FAIL_ONCE_ENV)
    spec = TaskSpec(
        lake_uri=args.lake,
        raw_version=raw_version,
        job_id=job_id,
        config_path=args.config,
        threads=args.threads_per_task or int(sc.getConf().get("spark.task.cpus", "1")),
        fail_once_partition=int(fail_once) if fail_once else None,
        fail_marker=os.environ.get(FAIL_MARKER_ENV),
    )
    work = [(i, [f["path"] for f in b]) for i, b in enumerate(bins)]
    try:
        sc.setJobDescription(f"sensorlake transform {raw_version} ({len(bins)} tasks)")
        # One element per slice: partition i runs bin i, and its result comes back once.
        rdd = sc.parallelize(work, len(work)).mapPartitions(lambda rows: run_task(spec, rows))
        # collect() returns the result of the one attempt per partition that Spark
        # committed; results of failed, killed or losing speculative attempts are dropped.
        stage_started = time.monotonic()
        results = rdd.collect()
        outcome.stage_seconds = round(time.monotonic() - stage_started, 3)
        check_results(results, bins)
        results.sort(key=lambda r: r["partition"])
        outcome.committed = [{k: v for k, v in r.items() if k != "manifest"} for r in results]
        committed = {r["prefix"] for r in results}
        # Remove every other attempt before the commit, so no stray output lingers even
        # if the commit itself fails.
        for prefix in list_attempt_prefixes(args.lake, job_id):
            if prefix not in committed:
                log(f"discarding uncommitted attempt {prefix}")
                delete_prefix(args.lake, prefix)
                outcome.discarded_prefixes.append(prefix)
        log(f"committing {len(results)} task outputs")
        commit_started = time.monotonic()
        outcome.summary = sensorlake.commit_transform(
            args.lake,
            raw_version,
            [json.loads(r["manifest"]) for r in results],
            [r["prefix"] for r in results],
            config_path=args.config,
        )
        outcome.commit_seconds = round(time.monotonic() - commit_started, 3)
    finally:
        # The commit copied what it needed; a failed job leaves nothing to resume from
        # staging either (a rerun is a new job id), so the whole job prefix goes.
        delete_prefix(args.lake, job_staging(job_id))
    return outcome


# --------------------------------------------------------------------------- engine CLI stages


def engine_bin() -> str:
    found = os.environ.get("SENSORLAKE_BIN") or shutil.which("sensorlake")
    if not found:
        raise JobError("the sensorlake engine is neither in SENSORLAKE_BIN nor on PATH "
                       "(needed for --source/--then)", 4)
    return found


def run_engine(args: list[str], log) -> dict[str, Any]:
    """Run one engine subcommand with --json; its stderr (progress) goes to ours."""
    cmd = [engine_bin(), "--json", *args]
    log("running " + " ".join(cmd))
    p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    try:
        out = json.loads(p.stdout) if p.stdout.strip() else {}
    except json.JSONDecodeError:
        out = {}
    from sensorlake.constants import EXIT_GATE_FAILED

    if p.returncode == EXIT_GATE_FAILED and args[0] == "check":
        # A failed rule of severity error has status "error" (warnings: "warn").
        failing = [c.get("rule") for c in out.get("checks", []) if c.get("status") == "error"]
        raise JobError(f"quality gate failed for curated version {out.get('curated_version')}: "
                       f"rules {failing or '?'} (check run {out.get('run_id')}, "
                       f"report {out.get('report')}); nothing published", 1)
    if p.returncode != 0:
        message = (out.get("error") or {}).get("message") or f"exit {p.returncode}"
        raise JobError(f"sensorlake {args[0]} failed: {message}", p.returncode)
    return out


def post_stages(args: argparse.Namespace, curated_version: str, log) -> dict[str, Any]:
    done: dict[str, Any] = {}
    if "check" in args.then:
        done["check"] = run_engine(["check", "--lake", args.lake], log)
    if "features" in args.then:
        done["features"] = run_engine(["features", "--lake", args.lake], log)
    if "publish" in args.then:
        if "check" not in done:
            raise JobError(
                "--then publish needs check (publish names the quality run that passed)", 2)
        cmd = ["publish", "--lake", args.lake, "--curated-version", curated_version,
               "--quality-run", done["check"]["run_id"]]
        if args.run_key and not args.run_id:  # with a run id, publish names that run
            cmd += ["--run-id", args.run_key]
        if done.get("features", {}).get("features_version"):
            cmd += ["--features-version", done["features"]["features_version"]]
        done["publish"] = run_engine(cmd, log)
    return done


# --------------------------------------------------------------------------- the run record


def task_attempts(outcome: Outcome) -> dict[str, Any]:
    """Every attempt of every task: the committed one and those discarded (a killed or
    failed attempt, a losing speculative copy), from the attempt prefixes."""
    attempts = [{"partition": t["partition"], "attempt": t["attempt"], "committed": True,
                 "seconds": t["seconds"], "host": t["host"]} for t in outcome.committed]
    for prefix in outcome.discarded_prefixes:
        m = re.search(r"task-(\d+)/attempt-(\d+)$", prefix)
        if m:
            attempts.append({"partition": int(m.group(1)), "attempt": int(m.group(2)),
                             "committed": False})
    attempts.sort(key=lambda a: (a["partition"], a["attempt"]))
    retried = sorted({a["partition"] for a in attempts if a["attempt"] > 0})
    return {"job_id": outcome.job_id, "tasks": outcome.tasks, "task_attempts": attempts,
            "retried_partitions": retried}


def record_transform(args: argparse.Namespace, seconds: float, log,
                     outcome: Outcome | None = None, error: BaseException | None = None) -> None:
    """The transform stage in the run record (`sensorlake runs record`): the engine's
    transform summary with the Spark tasks' attempts, or the error. The other stages record
    themselves (the engine's commands get SENSORLAKE_RUN_ID)."""
    if not args.run_id:
        return
    cmd = ["runs", "record", "--lake", args.lake, "--stage", "transform",
           "--seconds", f"{seconds:.3f}"]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        if outcome is not None:
            json.dump({**outcome.summary, "spark": task_attempts(outcome)}, f)
        else:
            json.dump({}, f)
            cmd += ["--error", f"{type(error).__name__}: {error}"]
    try:
        run_engine(cmd + ["--summary", f.name], log)
    except JobError as e:
        if error is None:
            raise
        log(f"could not record the failed transform: {e}")  # the job's own error wins
    finally:
        os.unlink(f.name)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="sensorlake_job.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--lake", required=True, help="lake URI (file:// or s3://)")
    p.add_argument("--dataset-version", default="",
                   help="raw version to transform (default: the latest)")
    p.add_argument("--source", default="",
                   help="ingest this source first (engine CLI on the driver)")
    p.add_argument("--tasks", type=int, default=0,
                   help="number of tasks (default: spark.default.parallelism)")
    p.add_argument("--task-mb", type=float, default=0,
                   help="without --tasks: one task per this many MB of raw text")
    p.add_argument("--threads-per-task", type=int, default=0,
                   help="engine threads per task (default: spark.task.cpus)")
    p.add_argument("--config", default=None, help="transform config file (default: the engine's)")
    p.add_argument("--then", default="",
                   help="comma list of stages after the transform: "
                        f"{','.join(known_post_stages())}")
    p.add_argument("--job-id", default="", help="staging name of this job (default: time + random)")
    p.add_argument("--environment", default=os.environ.get("SENSORLAKE_ENVIRONMENT", ""),
                   help="the engine's EMF environment dimension, recorded in the summary too "
                        "(the Airflow DAG passes it)")
    p.add_argument("--metrics-log-group",
                   default=os.environ.get("SENSORLAKE_METRICS_LOG_GROUP", ""),
                   help="the engine commands send their EMF lines to this CloudWatch Logs group")
    p.add_argument("--alert-sns-topic", default=os.environ.get("SENSORLAKE_ALERT_SNS_TOPIC", ""),
                   help="the engine commands publish the run's alerts to this SNS topic")
    p.add_argument("--lineage-parent", default=os.environ.get("SENSORLAKE_LINEAGE_PARENT", ""),
                   help="the OpenLineage parent of the job's stages, <namespace>/<job>/<run uuid> "
                        "(the DAG task that added the step)")
    p.add_argument("--catalog", default=os.environ.get("SENSORLAKE_CATALOG", ""),
                   help="Iceberg catalog of the lake's tables for check and publish, e.g. "
                        "glue://<database> (default: $SENSORLAKE_CATALOG, else the engine's: "
                        "none for an s3:// lake; docs/tables.md)")
    p.add_argument("--run-key", default="",
                   help="the Airflow run key; publish records it as the run id (without --run-id)")
    p.add_argument("--run-id", default=os.environ.get("SENSORLAKE_RUN_ID", ""),
                   help="record every stage in the lake's run record _runs/<ID>.json "
                        "(default: $SENSORLAKE_RUN_ID; the DAG passes its DAG run's)")
    p.add_argument("--orchestrator", default=os.environ.get("SENSORLAKE_ORCHESTRATOR", ""),
                   help="JSON object recorded as the run's orchestrator (with --run-id)")
    # A file, not stdout: spark-submit merges the Python driver's stderr (Spark's and our
    # log lines) into its stdout, so stdout cannot carry a clean JSON document.
    p.add_argument("--summary", default="", help="write the run's JSON summary to this local file")
    a = p.parse_args(argv)
    a.then = [s for s in a.then.split(",") if s]
    known = known_post_stages()
    unknown = [s for s in a.then if s not in known]
    if unknown:
        p.error(f"--then: unknown stages {unknown} (known: {', '.join(known)})")
    return a


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)

    def log(msg: str) -> None:
        print(f"sensorlake_job: {msg}", file=sys.stderr, flush=True)

    started = time.monotonic()
    if args.run_id:  # the engine's stage commands record themselves in this run
        os.environ["SENSORLAKE_RUN_ID"] = args.run_id
        # Started without a DAG (spark-submit by hand): the job is the orchestrator.
        os.environ["SENSORLAKE_ORCHESTRATOR"] = args.orchestrator or json.dumps(
            {"name": "spark", "job": "sensorlake_job.py"})
    # The run's telemetry for every engine command of the job (the same variables the
    # engine reads wherever it runs: docs/monitoring.md).
    for name, value in (("SENSORLAKE_ENVIRONMENT", args.environment),
                        ("SENSORLAKE_METRICS_LOG_GROUP", args.metrics_log_group),
                        ("SENSORLAKE_ALERT_SNS_TOPIC", args.alert_sns_topic),
                        ("SENSORLAKE_LINEAGE_PARENT", args.lineage_parent),
                        ("SENSORLAKE_CATALOG", args.catalog)):
        if value:
            os.environ[name] = value
    # The engine's Iceberg commits (python -m sensorlake.tables) run with this interpreter:
    # the one the EMR bootstrap installed sensorlake[tables] into (spark.pyspark.python),
    # not python3 on PATH. An interpreter named by the caller wins.
    os.environ.setdefault("SENSORLAKE_PYTHON", sys.executable)
    try:
        ingested: dict[str, Any] = {}
        if args.source:
            ingested = run_engine(["ingest", "--source", args.source, "--lake", args.lake], log)
            args.dataset_version = args.dataset_version or ingested.get("version", "")
        raw_version, files = list_inputs(args)
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.appName("sensorlake-transform").getOrCreate()
        transform_started = time.monotonic()
        try:
            outcome = transform_on_spark(spark, args, raw_version, files, log)
        except Exception as e:
            record_transform(args, time.monotonic() - transform_started, log, error=e)
            raise
        finally:
            # The driver-side stages need no executors: give them back now.
            spark.stop()
        record_transform(args, time.monotonic() - transform_started, log, outcome=outcome)
        after = post_stages(args, outcome.summary.get("curated_version", ""), log)
    except JobError as e:
        log(f"error: {e}")
        return e.exit_code
    except Exception as e:  # the engine's errors from the package, or a failed Spark job
        lines = [line for line in str(e).splitlines() if line.strip()][:6]
        log(f"error: {type(e).__name__}: " + "\n    ".join(lines))
        return int(getattr(e, "exit_code", 1) or 1)
    summary = {
        "command": "spark-transform",
        "ok": True,
        "lake": args.lake,
        "environment": args.environment,
        "job_id": outcome.job_id,
        "raw_version": outcome.raw_version,
        "files": outcome.files,
        "bytes": outcome.bytes,
        "tasks": outcome.committed,
        "discarded_attempts": outcome.discarded_prefixes,
        "transform": outcome.summary,
        "ingest": ingested or None,
        "then": after,
        "stage_seconds": outcome.stage_seconds,
        "commit_seconds": outcome.commit_seconds,
        "seconds": round(time.monotonic() - started, 3),
    }
    retried = sum(1 for t in outcome.committed if t["attempt"] > 0)
    log(
        f"done in {summary['seconds']:.1f} s: "
        f"curated version {outcome.summary.get('curated_version')} from "
        f"{outcome.files} files in {len(outcome.committed)} tasks ({retried} retried, "
        f"{len(outcome.discarded_prefixes)} uncommitted attempts discarded)"
    )
    if args.summary:
        with open(args.summary, "w") as out:
            json.dump(summary, out, indent=2, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
