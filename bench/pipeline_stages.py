"""The whole pipeline, stage by stage, beside the tools a user would run instead
(docs/benchmarks.md, "The whole pipeline"), measured side by side in one run.

For the scale BENCH_PIPELINE_SCALE (default "1") of generated data, BENCH_REPEAT rounds
(default 3), medians; every command in its own bench/measure.py process (wall, peak RSS):
- run: `sensorlake run --source DIR --catalog none` on a fresh lake: ingest, transform,
  check (the gate and the row-conservation proof on), features, publish;
- duckdb: bench/peers/duckdb_peer.py, DuckDB's sorted CSV -> ZSTD Parquet COPY of the same
  raw files: the conversion alone, no checks, no features;
- the stages one command each on another fresh lake, beside their peers:
  ingest beside `cp -r` of the folder then `sha256sum` of every file (nproc at a time),
  transform beside the parse floor (bench/parse_floor.cc: read and parse, nothing written),
  check and features against their targets (0.5 s and 1.0 s at scale 1).
Writes bench/results/pipeline.json and docs/benchmarks-pipeline.png (at another scale S:
pipeline-scale-S.json and benchmarks-pipeline-scale-S.png), prints a table."""
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile

from run_bench import build_floor
from tables_commit import BIN, REPO, WORK, generated

BENCH = REPO / "bench"
STAGES = ["ingest", "transform", "check", "features", "publish"]
THREADS = os.cpu_count() or 2
TARGETS = {"run_vs_duckdb": 1.0, "ingest_gb_s": 1.5, "transform_vs_floor": 2.0,
           "features_s": 1.0, "check_s": 0.5}


def log(msg: str) -> None:
    print(f"pipeline bench: {msg}", file=sys.stderr, flush=True)


def measure(cmd: list, stdout: pathlib.Path | None = None, env: dict | None = None) -> dict:
    """Wall time and peak RSS of one command (bench/measure.py); fails loudly. The page
    cache's dirty pages are written out first, so that no command pays for the writeback
    of the one before it."""
    os.sync()
    wrapper = [sys.executable, str(BENCH / "measure.py")]
    if stdout is not None:
        wrapper += ["--stdout", str(stdout)]
    p = subprocess.run([*wrapper, "--", *map(str, cmd)], stdout=subprocess.PIPE, text=True,
                       env=env)
    m = json.loads(p.stdout.strip().splitlines()[-1])
    if m["returncode"] != 0:
        sys.exit(f"pipeline bench: {' '.join(map(str, cmd))} failed: exit {m['returncode']}")
    return m


def engine_env() -> dict:
    return {**os.environ, "SENSORLAKE_CATALOG": "none"}


def whole_run(source: pathlib.Path, root: pathlib.Path) -> dict:
    out = root / "run.json"
    m = measure([BIN, "--json", "run", "--lake", root / "run-lake", "--source", source,
                 "--catalog", "none", "--threads", THREADS], stdout=out, env=engine_env())
    record = json.loads(out.read_text())
    got = {"wall_s": m["wall_s"], "max_rss_kb": m["max_rss_kb"]}
    for s in record["stages"]:
        got[s["stage"]] = s["seconds"]
    return got


def stage_by_stage(source: pathlib.Path, root: pathlib.Path) -> dict:
    lake = root / "stage-lake"
    got = {}
    for stage in STAGES:
        cmd = [BIN, "--json", stage, "--lake", lake]
        if stage == "ingest":
            cmd += ["--source", source]
        if stage in ("ingest", "transform", "check", "features"):
            cmd += ["--threads", THREADS]
        m = measure(cmd, stdout=root / f"{stage}.json", env=engine_env())
        got[stage] = {"wall_s": m["wall_s"], "max_rss_kb": m["max_rss_kb"]}
    return got


def peers(source: pathlib.Path, root: pathlib.Path, floor_exe: pathlib.Path) -> dict:
    raw = source / "raw"
    copy = root / "cp"
    # What a user would script: copy the folder, then hash every file on every core.
    shell = (f"cp -r '{raw}' '{copy}' && find '{copy}' -type f -print0 | "
             f"xargs -0 -P {THREADS} -n 16 sha256sum > /dev/null")
    cp_sha = measure(["bash", "-c", shell])
    duck = measure([sys.executable, BENCH / "peers" / "duckdb_peer.py", "--input", raw,
                    "--out", root / "duckdb-out", "--threads", THREADS])
    floor = measure([floor_exe, "--threads", THREADS, raw])
    return {name: {"wall_s": m["wall_s"], "max_rss_kb": m["max_rss_kb"]}
            for name, m in (("cp_sha256sum", cp_sha), ("duckdb", duck), ("parse_floor", floor))}


def one_round(source: pathlib.Path, floor_exe: pathlib.Path) -> dict:
    root = pathlib.Path(tempfile.mkdtemp(prefix="sl-pipeline-bench-", dir=WORK))
    try:
        return {"run": whole_run(source, root), "stages": stage_by_stage(source, root),
                "peers": peers(source, root, floor_exe)}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def medians(rounds: list) -> dict:
    med = {"run": {k: statistics.median(r["run"][k] for r in rounds) for k in rounds[0]["run"]}}
    for group in ("stages", "peers"):
        med[group] = {name: {k: statistics.median(r[group][name][k] for r in rounds)
                             for k in ("wall_s", "max_rss_kb")} for name in rounds[0][group]}
    return med


def figures(med: dict, raw_bytes: int) -> dict:
    st, pe = med["stages"], med["peers"]
    return {
        "run_vs_duckdb": pe["duckdb"]["wall_s"] / med["run"]["wall_s"],
        "ingest_gb_s": raw_bytes / st["ingest"]["wall_s"] / 1e9,
        "ingest_vs_cp_sha256sum": pe["cp_sha256sum"]["wall_s"] / st["ingest"]["wall_s"],
        "transform_vs_floor": st["transform"]["wall_s"] / pe["parse_floor"]["wall_s"],
        "features_s": st["features"]["wall_s"],
        "check_s": st["check"]["wall_s"],
    }


def met(name: str, value: float) -> bool:
    want = TARGETS[name]
    return value <= want if name in ("transform_vs_floor", "features_s", "check_s") \
        else value >= want


def plot(med: dict, path: pathlib.Path, scale: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    bottom = 0.0
    for stage in STAGES:
        left.barh(["sensorlake run"], [med["run"][stage]], left=bottom, label=stage)
        bottom += med["run"][stage]
    left.barh(["DuckDB COPY (conversion only)"], [med["peers"]["duckdb"]["wall_s"]],
              color="grey")
    left.set_xlabel("seconds")
    left.set_title(f"whole pipeline, scale {scale}")
    left.legend(fontsize=7, loc="lower right")
    names = ["ingest", "cp -r + sha256sum", "transform", "parse floor", "check", "features"]
    values = [med["stages"]["ingest"]["wall_s"], med["peers"]["cp_sha256sum"]["wall_s"],
              med["stages"]["transform"]["wall_s"], med["peers"]["parse_floor"]["wall_s"],
              med["stages"]["check"]["wall_s"], med["stages"]["features"]["wall_s"]]
    colors = ["C0", "grey", "C1", "grey", "C2", "C3"]
    right.barh(names[::-1], values[::-1], color=colors[::-1])
    right.set_xlabel("seconds (one command each)")
    right.set_title("stages beside their peers")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> int:
    scale = os.environ.get("BENCH_PIPELINE_SCALE", "1")
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    WORK.mkdir(parents=True, exist_ok=True)
    source = generated(scale)
    raw_bytes = sum(f.stat().st_size for f in (source / "raw").rglob("*.txt"))
    floor_exe = build_floor()
    rounds = []
    for i in range(repeat):
        rounds.append(one_round(source, floor_exe))
        log(f"round {i + 1}/{repeat} done")
    med = medians(rounds)
    fig = figures(med, raw_bytes)
    result = {"scale": float(scale), "threads": THREADS, "raw_bytes": raw_bytes,
              "rounds": rounds, "median": med, "figures": fig,
              "targets": {k: {"want": TARGETS[k], "measured": fig[k], "met": met(k, fig[k])}
                          for k in TARGETS}}
    # Scale 1 is the table in docs/benchmarks.md; other scales keep files of their own.
    suffix = "" if float(scale) == 1 else f"-scale-{float(scale):g}"
    out = REPO / "bench" / "results" / f"pipeline{suffix}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    plot(med, REPO / "docs" / f"benchmarks-pipeline{suffix}.png", scale)
    print("| stage | in the run | one command | peak RSS | peer | peer time |")
    print("|---|---:|---:|---:|---|---:|")
    peer_of = {"ingest": ("cp -r + sha256sum", "cp_sha256sum"),
               "transform": ("parse floor", "parse_floor")}
    for s in STAGES:
        name, key = peer_of.get(s, ("", None))
        peer_s = f"{med['peers'][key]['wall_s']:.2f} s" if key else ""
        print(f"| {s} | {med['run'][s]:.2f} s | {med['stages'][s]['wall_s']:.2f} s | "
              f"{med['stages'][s]['max_rss_kb'] / 1024:.0f} MiB | {name} | {peer_s} |")
    print(f"| whole run | {med['run']['wall_s']:.2f} s | | {med['run']['max_rss_kb'] / 1024:.0f} "
          f"MiB | DuckDB COPY | {med['peers']['duckdb']['wall_s']:.2f} s |")
    for k, t in result["targets"].items():
        print(f"target {k}: want {t['want']}, measured {t['measured']:.2f}: "
              f"{'met' if t['met'] else 'NOT met'}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
