"""Scaling of the Spark path (spark/sensorlake_job.py) on this machine: a standalone
cluster on 127.0.0.1 with 1 worker, then 2 workers (one core each, one engine thread per
task), against the single-node `sensorlake transform` with 1 and 2 threads, in the same
run on the same raw version (bench/cache, as `make bench` prepares it).

    .venv/bin/python bench/spark_scaling.py        # part of `make bench`
    BENCH_QUICK=1 ...                               # scale 0.1, one run per point

Each point is timed from process start to exit (spark-submit includes the JVMs' start and
the executors' launch, as for a user), median of BENCH_RUNS. The job's own summary splits
the Spark time into the distributed stage and the commit. Every Spark run's curated rows
are checked against the single-node transform's (row count and the manifest totals).
Writes bench/results/spark-<stamp>.json and, in a full run, the section between the
bench:spark markers of docs/benchmarks.md.
"""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

BENCH = pathlib.Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT / "spark"))
import run_bench  # noqa: E402  (prepare, reset_lake, the cache and the binary)
from local_cluster import LocalCluster, spark_home  # noqa: E402

QUICK = run_bench.QUICK
SCALE = float(os.environ.get("BENCH_SPARK_SCALE") or (0.1 if QUICK else 1))
RUNS = int(os.environ.get("BENCH_RUNS") or (1 if QUICK else 3))
TASK_MB = float(os.environ.get("BENCH_SPARK_TASK_MB") or 32)
JOB = ROOT / "spark" / "sensorlake_job.py"
BEGIN, END = "<!-- bench:spark:begin -->", "<!-- bench:spark:end -->"
DOC = ROOT / "docs" / "benchmarks.md"
log = run_bench.log


def spark_env() -> dict[str, str]:
    # SPARK_PYTHON: the interpreter with the sensorlake wheel (scripts/spark-pkg.sh, which
    # `make bench` runs); Spark adds pyspark and py4j to its path.
    python = os.environ.get("SPARK_PYTHON") or sys.executable
    env = dict(os.environ)
    env.update({
        "SPARK_HOME": str(spark_home()),
        "PYSPARK_PYTHON": python,
        "PYSPARK_DRIVER_PYTHON": python,
        "SENSORLAKE_BIN": str(run_bench.BIN),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOCAL_HOSTNAME": "localhost",
    })
    return env


def curated_rows(lake: pathlib.Path) -> dict:
    version = json.loads((lake / "curated" / "_current.json").read_text())["version"]
    manifest = lake / "curated" / "_versions" / version / "_manifest.json"
    return json.loads(manifest.read_text())["totals"]


def timed(cmd: list[str], env=None, cwd=None) -> tuple[float, subprocess.CompletedProcess]:
    started = time.monotonic()
    p = subprocess.run([str(c) for c in cmd], env=env, cwd=cwd, capture_output=True, text=True)
    return time.monotonic() - started, p


def single_node(ds, threads: int) -> dict:
    times = []
    for _ in range(RUNS):
        run_bench.reset_lake(ds)
        seconds, p = timed([run_bench.BIN, "--json", "-q", "transform",
                            "--lake", f"file://{ds.lake}", "--threads", threads])
        if p.returncode != 0:
            sys.exit(f"bench spark: sensorlake transform failed ({p.returncode}): "
                     f"{p.stderr[-2000:]}")
        times.append(seconds)
    totals = curated_rows(ds.lake)
    log(f"single node, {threads} thread(s): {statistics.median(times):.2f} s")
    return {"label": f"sensorlake transform --threads {threads}", "cores": threads, "runs_s": times,
            "median_s": statistics.median(times), "totals": totals}


def spark_point(ds, workers: int, work: pathlib.Path, reference_totals: dict) -> dict:
    env = spark_env()
    times, inner = [], []
    with LocalCluster(workers=workers, cores_per_worker=1, base=work / f"cluster-{workers}",
                      env=env) as cluster:
        conf = {**cluster.submit_conf(), "spark.ui.enabled": "false", "spark.task.cpus": "1",
                "spark.executor.memory": "1g"}
        for i in range(RUNS):
            run_bench.reset_lake(ds)
            summary_path = work / f"summary-{workers}-{i}.json"
            cmd = [spark_home() / "bin" / "spark-submit", "--master", cluster.master_url]
            for k, v in conf.items():
                cmd += ["--conf", f"{k}={v}"]
            cmd += [JOB, "--lake", f"file://{ds.lake}", "--task-mb", f"{TASK_MB:g}",
                    "--summary", summary_path]
            seconds, p = timed(cmd, env=env, cwd=work)
            (work / f"spark-submit-{workers}-{i}.log").write_text(p.stdout + p.stderr)
            if p.returncode != 0:
                sys.exit(f"bench spark: the job failed ({p.returncode}) with {workers} workers; "
                         f"log in {work}")
            summary = json.loads(summary_path.read_text())
            totals = curated_rows(ds.lake)
            if totals != reference_totals:
                sys.exit(f"bench spark: {workers} workers published other totals than the "
                         f"single node: {totals} != {reference_totals}")
            times.append(seconds)
            inner.append(summary)
    med = statistics.median(times)
    pick = inner[times.index(sorted(times)[len(times) // 2])]
    log(f"spark, {workers} worker(s): {med:.2f} s (stage {pick['stage_seconds']:.2f} s, "
        f"commit {pick['commit_seconds']:.2f} s)")
    return {"label": f"Spark standalone, {workers} worker(s) x 1 core", "cores": workers,
            "runs_s": times, "median_s": med, "tasks": len(pick["tasks"]),
            "stage_s": pick["stage_seconds"], "commit_s": pick["commit_seconds"],
            "job_s": pick["seconds"], "totals": reference_totals}


def markdown(res: dict) -> str:
    m = res["meta"]
    rows = {r["label"]: r for r in res["points"]}
    one = next(r for r in res["points"] if r["label"].startswith("Spark") and r["cores"] == 1)
    two = next(r for r in res["points"] if r["label"].startswith("Spark") and r["cores"] == 2)
    single2 = next(r for r in res["points"] if r["label"].endswith("--threads 2"))
    lines = [
        f"Measured {m['date']} (commit {m['commit']}, {m['mode']} run) "
        f"on {m['cpu']} ({m['nproc']} cores): "
        f"scale {m['scale']:g} ({m['raw_mb']:.0f} MB of raw text, {m['raw_files']} files), "
        f"{m['runs']} run(s) per point, median; tasks of about {m['task_mb']:g} MB.",
        "",
        "| setup | cores | wall s (process) | Spark stage s | commit s | speed-up vs 1 worker "
        "| time vs single node, 2 threads |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r in rows.items():
        stage = f"{r['stage_s']:.2f}" if "stage_s" in r else ""
        commit = f"{r['commit_s']:.2f}" if "commit_s" in r else ""
        lines.append(f"| {label} | {r['cores']} | {r['median_s']:.2f} | {stage} | {commit} | "
                     f"{one['median_s'] / r['median_s']:.2f}x | "
                     f"{r['median_s'] / single2['median_s']:.2f}x |")
    lines += [
        "",
        f"Speed-up from 1 to 2 workers: {one['median_s'] / two['median_s']:.2f}x end to end, "
        f"{one['stage_s'] / two['stage_s']:.2f}x for the distributed stage alone. "
        "Every Spark run published the same totals (rows, quarantined, duplicates) "
        "as the single node.",
    ]
    return "\n".join(lines) + "\n"


def update_doc(md: str, json_path: pathlib.Path) -> None:
    text = DOC.read_text()
    if BEGIN not in text:
        text += f"\n## Spark scale-out (bench/spark_scaling.py)\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1] if END in rest else ""
    DOC.write_text(head + BEGIN + "\n" + md
                   + f"\nRaw numbers: `{json_path.relative_to(ROOT)}`.\n" + END + tail)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--render":  # re-render a results file
        path = pathlib.Path(sys.argv[2]).resolve()
        md = markdown(json.loads(path.read_text()))
        update_doc(md, path)
        print(md)
        return 0
    started = time.time()
    if not run_bench.BIN.exists():
        sys.exit(f"bench spark: {run_bench.BIN} not found: run `make build` first")
    log(f"spark scaling: scale {SCALE:g}, {RUNS} run(s) per point")
    ds = run_bench.prepare(SCALE)
    work = run_bench.CACHE / "spark"
    work.mkdir(parents=True, exist_ok=True)
    points = [single_node(ds, 1), single_node(ds, 2)]
    reference = points[-1]["totals"]
    points += [spark_point(ds, 1, work, reference), spark_point(ds, 2, work, reference)]
    run_bench.reset_lake(ds)
    cpu, _ = run_bench.machine()
    res = {
        "meta": {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
                 "mode": "quick" if QUICK else "full",
                 "commit": run_bench.git_commit(), "scale": SCALE, "raw_mb": ds.raw_bytes / 1e6,
                 "raw_files": ds.files, "runs": RUNS, "task_mb": TASK_MB, "cpu": cpu,
                 "nproc": os.cpu_count(), "elapsed_s": round(time.time() - started, 1)},
        "points": points,
    }
    run_bench.RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    json_path = run_bench.RESULTS / f"{'quick-' if QUICK else ''}spark-{stamp}.json"
    json_path.write_text(json.dumps(res, indent=1) + "\n")
    md = markdown(res)
    if not QUICK or os.environ.get("BENCH_UPDATE_DOCS") == "1":
        update_doc(md, json_path)
    print(md)
    print(f"results: {json_path.relative_to(ROOT)}; {res['meta']['elapsed_s']:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
