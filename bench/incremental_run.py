"""An incremental run beside a full run of the same raw data (docs/benchmarks.md,
"Incremental runs"), measured in one process tree on one machine.

For the scale BENCH_INCREMENTAL_SCALE (default "1"), on generated data:
- base: `sensorlake run` on a fresh lake from a source without subject 1650;
- incremental: `sensorlake run` of the whole source on that lake (subject 1650's four raw
  files are new; the other 200 are taken over);
- full: `sensorlake run --full` of the whole source on a fresh lake, the peer.
Both timed runs use the lake's SQLite catalog. Medians of BENCH_REPEAT (default 3) rounds,
per stage from the run records. Writes bench/results/incremental.json and prints a table."""
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile

from tables_commit import BIN, REPO, WORK, generated  # the same binary, work dir and data

STAGES = ["ingest", "transform", "check", "features", "publish"]
ADDED_SUBJECT = "1650"


def without_subject(source: pathlib.Path, dest: pathlib.Path) -> pathlib.Path:
    """The source minus one subject's raw files, as hard links (no bytes copied)."""
    shutil.copytree(source, dest, copy_function=os.link, ignore=lambda d, names: [
        n for n in names if n.startswith(f"data_{ADDED_SUBJECT}_")])
    return dest


def run(lake: pathlib.Path, source: pathlib.Path, *extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "SENSORLAKE_CATALOG"}
    proc = subprocess.run([BIN, "--json", "run", "--lake", str(lake), "--source", str(source),
                           "--catalog", "lake", *extra], env=env, capture_output=True,
                          text=True, check=True)
    record = json.loads(proc.stdout)
    out = {"run": record["seconds"]}
    for s in record["stages"]:
        out[s["stage"]] = s["seconds"]
        if s["stage"] == "transform":
            out["files_transformed"] = s["summary"]["files_transformed"]
            out["files_reused"] = s["summary"]["files_reused"]
    return out


def one_round(source: pathlib.Path) -> dict:
    root = pathlib.Path(tempfile.mkdtemp(prefix="sl-incremental-bench-", dir=WORK))
    try:
        partial = without_subject(source, root / "partial")
        run(root / "lake", partial)
        incremental = run(root / "lake", source)
        full = run(root / "full-lake", source, "--full")
        assert incremental["files_transformed"] == 4, incremental
        assert full["files_reused"] == 0, full
        return {"incremental": incremental, "full": full}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def median(rounds, kind, key):
    return statistics.median(r[kind][key] for r in rounds)


def main() -> int:
    scale = os.environ.get("BENCH_INCREMENTAL_SCALE", "1")
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    WORK.mkdir(parents=True, exist_ok=True)
    source = generated(scale)
    rounds = []
    for i in range(repeat):
        rounds.append(one_round(source))
        print(f"incremental bench: round {i + 1}/{repeat} done", file=sys.stderr, flush=True)
    result = {"scale": float(scale), "rounds": rounds, "median": {
        kind: {k: median(rounds, kind, k) for k in ["run", *STAGES]}
        for kind in ("incremental", "full")}}
    out = REPO / "bench" / "results" / "incremental.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    m = result["median"]
    print("| stage | full run (--full) | incremental run (+1 subject) | share |")
    print("|---|---:|---:|---:|")
    for k in [*STAGES, "run"]:
        print(f"| {k} | {m['full'][k]:.2f} s | {m['incremental'][k]:.2f} s | "
              f"{m['incremental'][k] / m['full'][k]:.0%} |")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
