"""The cost of the Iceberg commits (docs/tables.md) beside the run they belong to, measured
in one process tree, same data, same machine: `sensorlake run --source DIR` on a fresh lake
with `--catalog none` (the folder pointers only) and with `--catalog lake` (check stages the
version on its audit branch, publish fast-forwards main and commits the features).

For each scale (BENCH_TABLE_SCALES, default "1"), the median of BENCH_REPEAT runs (default 3)
of each: the whole run, check and publish, and the two commits as `python -m
sensorlake.tables` timed them (its `seconds`, pyiceberg's import included): their sum is the
commit's cost. Writes
bench/results/tables.json and prints a table (docs/benchmarks.md, "Iceberg commits")."""
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parents[1]
BIN = os.environ.get("SENSORLAKE_BIN", str(REPO / "build" / "release" / "src" / "sensorlake"))
WORK = pathlib.Path(os.environ.get("SENSORLAKE_WORK", REPO / "work"))


def generated(scale: str) -> pathlib.Path:
    out = WORK / "generated" / f"scale-{scale}-seed-1"
    if not (out / "generate.json").is_file():
        subprocess.run([BIN, "--quiet", "generate", "--out", str(out), "--scale", scale],
                       check=True)
    return out


def one_run(source: pathlib.Path, catalog: str) -> dict:
    root = pathlib.Path(tempfile.mkdtemp(prefix="sl-tables-bench-", dir=WORK))
    try:
        env = {k: v for k, v in os.environ.items() if k != "SENSORLAKE_CATALOG"}
        proc = subprocess.run([BIN, "--json", "run", "--lake", str(root / "lake"), "--source",
                               str(source), "--catalog", catalog], env=env,
                              capture_output=True, text=True, check=True)
        record = json.loads(proc.stdout)
        stages = {s["stage"]: s["seconds"] for s in record["stages"]}
        out = {"run": record["seconds"], "check": stages["check"],
               "publish": stages["publish"]}
        if catalog != "none":
            # The commits as the tables module timed them (pyiceberg's import included).
            summaries = {s["stage"]: s["summary"] for s in record["stages"]}
            out["stage_commit"] = summaries["check"]["tables"]["seconds"]
            out["publish_commit"] = summaries["publish"]["tables"]["seconds"]
            readings = record["versions"]
            assert readings.get("snapshot"), "the run published no snapshot"
            files = sum(1 for _ in (root / "lake" / "curated" / "_versions").rglob("*.parquet"))
            out["data_files"] = files
        return out
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    scales = os.environ.get("BENCH_TABLE_SCALES", "1").split(",")
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    results = []
    for scale in scales:
        source = generated(scale)
        runs = {c: [one_run(source, c) for _ in range(repeat)] for c in ("none", "lake")}
        med = {c: {k: statistics.median(r[k] for r in rs) for k in ("run", "check", "publish")}
               for c, rs in runs.items()}
        # The commits as the tables module timed them, not the difference of two noisy runs.
        commit = statistics.median(r["stage_commit"] + r["publish_commit"] for r in runs["lake"])
        results.append({
            "scale": float(scale), "repeat": repeat,
            "data_files": runs["lake"][0]["data_files"],
            "run_without_catalog_s": med["none"]["run"], "run_with_catalog_s": med["lake"]["run"],
            "check_without_s": med["none"]["check"], "check_with_s": med["lake"]["check"],
            "publish_without_s": med["none"]["publish"], "publish_with_s": med["lake"]["publish"],
            "stage_commit_s": statistics.median(r["stage_commit"] for r in runs["lake"]),
            "publish_commit_s": statistics.median(r["publish_commit"] for r in runs["lake"]),
            "commit_cost_s": commit,
            "commit_share_of_run": commit / med["lake"]["run"],
        })
        r = results[-1]
        print(f"scale {scale}: run {r['run_without_catalog_s']:.2f}s without a catalog, "
              f"{r['run_with_catalog_s']:.2f}s with; the commits cost {commit:.2f}s (stage "
              f"{r['stage_commit_s']:.2f}s, publish {r['publish_commit_s']:.2f}s) = "
              f"{100 * r['commit_share_of_run']:.0f}% of the run "
              f"({r['data_files']} data files registered)", flush=True)
    # Scales measured in another run stay: each run replaces only its own scales.
    out = REPO / "bench" / "results" / "tables.json"
    earlier = json.loads(out.read_text())["results"] if out.is_file() else []
    merged = [r for r in earlier if r["scale"] not in {x["scale"] for x in results}] + results
    out.write_text(json.dumps({"results": sorted(merged, key=lambda r: r["scale"])},
                              indent=2) + "\n")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
