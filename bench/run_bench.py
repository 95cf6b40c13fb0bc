"""`make bench`: sensorlake transform against the tools users would pick instead.

Every engine reads the same raw WISDM text files (the lake's raw zone after
`sensorlake ingest`) and writes the same output contract: hive-partitioned
device=*/sensor=*/ ZSTD Parquet, typed columns (subject int16, activity, timestamp_ns int64,
x/y/z float32), sorted by subject, activity, timestamp_ns. Each run is a separate process
under bench/measure.py (wall time, peak RSS). See docs/benchmarks.md.

Environment:
  BENCH_QUICK=1        smoke mode for CI: scale 0.1, 1 run, small scaling points (< 5 min)
  BENCH_RUNS=N         timed runs per engine (default 3; quick 1); the median is reported
  BENCH_THREADS=N      threads for every engine (default: nproc)
  BENCH_SCALE=S        the main comparison's scale (default 1; quick 0.1)
  BENCH_SCALES=a,b,..  scaling points (default 0.1,1,3; add 10 for the big one; quick 0.02,0.1)
  BENCH_ENGINES=...    engines of the main comparison
                       (default sensorlake,duckdb,polars,pyspark,pandas)
  BENCH_SCALE_ENGINES  engines run at the other scaling points (default sensorlake,duckdb,polars)
  BENCH_TIMEOUT=S      per-run limit in seconds (default 3600; quick 600)
  BENCH_UPDATE_DOCS=1  also rewrite docs/benchmarks.md and docs/benchmarks.png in quick mode
  BENCH_REGENERATE=1   delete the cached generated data and lakes of the scales used first
  BENCH_RAW=DIR        use this raw folder ({phone,watch}/{accel,gyro}/*.txt) instead of
                       generating; sensorlake and scaling are skipped (for developing peers)
  SENSORLAKE_BIN       the binary (default build/release/src/sensorlake)
"""
import datetime
import json
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import time

BENCH = pathlib.Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import cost  # noqa: E402
import queries  # noqa: E402
import report  # noqa: E402
import verify  # noqa: E402

CACHE = BENCH / "cache"
RESULTS = BENCH / "results"
DOC = ROOT / "docs" / "benchmarks.md"
DOC_PNG = ROOT / "docs" / "benchmarks.png"
BEGIN, END = "<!-- bench:results:begin -->", "<!-- bench:results:end -->"
SEED = 1
PEERS = ["duckdb", "polars", "pyspark", "pandas"]
GIB_KB = 1024 * 1024


def env_list(name, default):
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


QUICK = os.environ.get("BENCH_QUICK") == "1"
THREADS = int(os.environ.get("BENCH_THREADS") or os.cpu_count() or 2)
RUNS = int(os.environ.get("BENCH_RUNS") or (1 if QUICK else 3))
SCALE = float(os.environ.get("BENCH_SCALE") or (0.1 if QUICK else 1))
SCALES = [float(s) for s in env_list("BENCH_SCALES", "0.02,0.1" if QUICK else "0.1,1,3")]
ENGINES = env_list("BENCH_ENGINES", "sensorlake,duckdb,polars,pyspark,pandas")
SCALE_ENGINES = env_list("BENCH_SCALE_ENGINES", "sensorlake,duckdb,polars")
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT") or (600 if QUICK else 3600))
RAW_OVERRIDE = os.environ.get("BENCH_RAW")
BIN = pathlib.Path(os.environ.get("SENSORLAKE_BIN") or ROOT / "build/release/src/sensorlake")
LOGS = CACHE / "logs"


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run_checked(cmd, what):
    """Runs an untimed preparation step; its JSON summary (if --json) is returned."""
    log(f"{what}: {' '.join(map(str, cmd))}")
    p = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit(f"bench: {what} failed with exit code {p.returncode}")
    try:
        return json.loads(p.stdout)
    except ValueError:
        return {}


# --- datasets ------------------------------------------------------------------------------

class Dataset:
    def __init__(self, scale, lake, raw, keep):
        self.scale, self.lake, self.raw, self.keep = scale, lake, raw, keep
        files = sorted(raw.glob("*/*/*.txt"))
        self.files = len(files)
        self.raw_bytes = sum(f.stat().st_size for f in files)


_REGENERATED = set()


def prepare(scale):
    """Generates (cached in bench/cache) and ingests one scale; returns its Dataset."""
    if RAW_OVERRIDE:
        raw = pathlib.Path(RAW_OVERRIDE).resolve()
        return Dataset(scale, None, raw, set())
    base = CACHE / f"scale-{scale:g}-seed-{SEED}"
    gen, lake = base / "generated", base / "lake"
    if os.environ.get("BENCH_REGENERATE") == "1" and scale not in _REGENERATED:
        shutil.rmtree(base, ignore_errors=True)
        _REGENERATED.add(scale)
    if not (gen / "generate.json").exists():
        shutil.rmtree(gen, ignore_errors=True)
        run_checked([BIN, "-q", "generate", "--out", gen, "--scale", f"{scale:g}", "--seed", SEED],
                    f"generate scale {scale:g}")
    summary = run_checked([BIN, "--json", "-q", "ingest", "--source", gen,
                           "--lake", f"file://{lake}"],
                          f"ingest scale {scale:g}")
    raw = find_raw(lake, summary)
    # Everything the ingest left at the lake's top level stays; the rest (curated/ and
    # whatever a transform adds) is removed before each timed transform.
    keep = {p.name for p in lake.iterdir()} - {"curated"}
    return Dataset(scale, lake, raw, keep)


def find_raw(lake, summary):
    version = None
    for key in ("version", "dataset_version", "raw_version"):
        if isinstance(summary.get(key), str):
            version = summary[key]
    candidates = [p for p in (lake / "raw" / "wisdm").glob("*/raw")
                  if p.is_dir() and any(p.glob("*/*/*.txt"))]
    if version and (lake / "raw" / "wisdm" / version / "raw").is_dir():
        return lake / "raw" / "wisdm" / version / "raw"
    if not candidates:
        sys.exit(f"bench: no raw/wisdm/<version>/raw/ with text files in {lake}")
    return max(candidates, key=lambda p: p.stat().st_mtime)


def count_lines(raw):
    n = 0
    for f in raw.glob("*/*/*.txt"):
        with open(f, "rb") as fh:
            while chunk := fh.read(1 << 24):
                n += chunk.count(b"\n")
    return n


def reset_lake(ds):
    for p in ds.lake.iterdir():
        if p.name not in ds.keep:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()


# --- timed runs ----------------------------------------------------------------------------

def measure(cmd, tag):
    """One timed run in its own wrapper process. Returns the wrapper's JSON plus the
    command's stdout."""
    LOGS.mkdir(parents=True, exist_ok=True)
    out, err = LOGS / f"{tag}.stdout", LOGS / f"{tag}.stderr"
    with open(err, "wb") as ef:
        p = subprocess.run([sys.executable, str(BENCH / "measure.py"), "--timeout", str(TIMEOUT),
                            "--stdout", str(out), "--", *map(str, cmd)],
                           stdout=subprocess.PIPE, stderr=ef, text=True)
    m = json.loads(p.stdout.strip().splitlines()[-1])
    m["stdout"] = out.read_text(errors="replace") if out.exists() else ""
    if m["returncode"] != 0:
        tail = err.read_text(errors="replace").strip().splitlines()[-5:]
        m["error"] = ("timed out" if m["timed_out"] else f"exit {m['returncode']}") + \
            (f": {tail[-1][:200]}" if tail else "")
        log(f"{tag} failed ({m['error']}); log: {err}")
    return m


def engine_cmd(engine, ds, out):
    if engine == "sensorlake":
        return [BIN, "--json", "-q", "transform", "--lake", f"file://{ds.lake}",
                "--threads", THREADS]
    return [sys.executable, BENCH / "peers" / f"{engine}_peer.py", "--input", ds.raw,
            "--out", out, "--threads", THREADS]


def output_dir(engine, ds):
    if engine == "sensorlake":
        return ds.lake / "curated" / "sensor_readings"
    return CACHE / "out" / f"scale-{ds.scale:g}" / engine


def skip_reason(engine, ds):
    if engine == "sensorlake" and ds.lake is None:
        return "BENCH_RAW set (no lake)"
    if engine == "pyspark" and not shutil.which("java"):
        return "no java on PATH"
    if engine not in PEERS + ["sensorlake"]:
        return "unknown engine"
    return None


def run_engines(ds, engines, runs):
    """Round-robin over engines, `runs` times, so slow drifts of the machine hit all alike.
    Returns {engine: {median_s, max_rss_kb, runs: [...], ...}} with each output left in place."""
    res = {e: {"runs": []} for e in engines}
    for e in engines:
        reason = skip_reason(e, ds)
        if reason:
            res[e] = {"skipped": reason}
    for i in range(runs):
        for e in engines:
            if "skipped" in res[e] or "error" in res[e]:
                continue
            out = output_dir(e, ds)
            if e == "sensorlake":
                reset_lake(ds)
            else:
                shutil.rmtree(out, ignore_errors=True)
                out.parent.mkdir(parents=True, exist_ok=True)
            m = measure(engine_cmd(e, ds, out), f"scale-{ds.scale:g}-{e}-{i}")
            if "error" in m:
                res[e] = {"error": m["error"]}
                continue
            run = {"wall_s": m["wall_s"], "max_rss_kb": m["max_rss_kb"]}
            if e == "sensorlake":
                try:
                    run["summary"] = json.loads(m["stdout"])
                except ValueError:
                    pass
            res[e]["runs"].append(run)
            log(f"scale {ds.scale:g} {e} run {i + 1}/{runs}: {m['wall_s']:.2f} s, "
                f"{m['max_rss_kb'] / 1024:.0f} MiB")
    for e, r in res.items():
        if r.get("runs"):
            r["median_s"] = statistics.median(x["wall_s"] for x in r["runs"])
            r["max_rss_kb"] = max(x["max_rss_kb"] for x in r["runs"])
    return res


# --- parse floor ---------------------------------------------------------------------------

def build_floor():
    exe = CACHE / "parse_floor"
    src = BENCH / "parse_floor.cc"
    if not exe.exists() or exe.stat().st_mtime < src.stat().st_mtime:
        CACHE.mkdir(parents=True, exist_ok=True)
        cxx = os.environ.get("CXX", "g++")
        subprocess.run([cxx, "-O2", "-std=c++20", "-pthread", str(src), "-o", str(exe)], check=True)
    return exe


def parse_floor(ds, runs):
    exe = build_floor()
    out = {}
    for threads in sorted({THREADS, 1}, reverse=True):
        walls, last = [], None
        for i in range(runs):
            m = measure([exe, "--threads", threads, ds.raw],
                        f"scale-{ds.scale:g}-floor{threads}-{i}")
            if "error" in m:
                return {"error": m["error"]}
            walls.append(m["wall_s"])
            last = json.loads(m["stdout"])
        if threads == THREADS:
            out.update(last)
            out["median_s"] = statistics.median(walls)
        if threads == 1:
            out["median_s_1thread"] = statistics.median(walls)
    out["threads"] = THREADS
    log(f"parse floor: {out['median_s']:.2f} s for {out['lines']:,} lines ({THREADS} threads)")
    return out


# --- checks, targets -----------------------------------------------------------------------

def check_outputs(ds, res, raw_lines):
    ref = res.get("sensorlake", {})
    for e, r in res.items():
        if "median_s" not in r:
            continue
        summary, problems = verify.check(output_dir(e, ds))
        r.update(rows=summary["rows"], files=summary["files"], output_bytes=summary["bytes"],
                 fingerprint=summary.get("fingerprint"), problems=problems)
        r["lines_per_s"] = raw_lines / r["median_s"] if raw_lines else None
    sl = res.get("sensorlake", {})
    for e, r in res.items():
        if "median_s" not in r:
            continue
        if "median_s" in sl:
            r["ratio_to_sensorlake"] = r["median_s"] / sl["median_s"]
            r["rows_match"] = r["rows"] == sl["rows"]
            r["values_match"] = r["fingerprint"] == sl["fingerprint"]
        elif "median_s" in res.get("duckdb", {}):  # no sensorlake: compare with DuckDB
            r["rows_match"] = r["rows"] == res["duckdb"]["rows"]
            r["values_match"] = r["fingerprint"] == res["duckdb"]["fingerprint"]
    if ref.get("rows") is not None and raw_lines and ref["rows"] != raw_lines:
        ref.setdefault("problems", []).append(
            f"{ref['rows']:,} rows of {raw_lines:,} raw lines: the rest were quarantined or "
            "dropped as duplicates (peers keep every line)")


def targets(res, floor, scaling, main_scale):
    sl = res.get("sensorlake", {})
    where = f"scale {main_scale:g}"
    out = []

    def speed(peer, want):
        p = res.get(peer, {})
        v = p.get("ratio_to_sensorlake")
        out.append({"target": f"sensorlake >= {want}x faster than {peer} ({where})",
                    "measured": "n/a" if v is None else f"{v:.2f}x",
                    "met": None if v is None else v >= want})

    speed("duckdb", 1.5)
    speed("polars", 1.5)
    speed("pyspark", 20)
    d = res.get("duckdb", {})
    if sl.get("output_bytes") and d.get("output_bytes"):
        out.append({"target": "output no larger than DuckDB's",
                    "measured": (f"{sl['output_bytes'] / 1e6:.2f} MB "
                                 f"vs {d['output_bytes'] / 1e6:.2f} MB"),
                    "met": sl["output_bytes"] <= d["output_bytes"]})
    else:
        out.append({"target": "output no larger than DuckDB's", "measured": "n/a", "met": None})
    rss = [sl["max_rss_kb"]] if "max_rss_kb" in sl else []
    rss += [p["engines"]["sensorlake"]["max_rss_kb"] for p in scaling or []
            if "max_rss_kb" in p["engines"].get("sensorlake", {})]
    scales = sorted({main_scale} | {p["scale"] for p in scaling or []})
    out.append({"target": ("sensorlake peak RSS < 1 GiB at every scale "
                           f"({', '.join(f'{s:g}' for s in scales)})"),
                "measured": "n/a" if not rss else f"max {max(rss) / 1024:.0f} MiB",
                "met": None if not rss else max(rss) < GIB_KB})
    mult = floor.get("transform_multiple") if floor else None
    out.append({"target": f"sensorlake within 2x of the parse floor ({THREADS} threads each)",
                "measured": "n/a" if mult is None else f"{mult:.2f}x",
                "met": None if mult is None else mult <= 2})
    return out


# --- main ----------------------------------------------------------------------------------

def machine():
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(open("/proc/meminfo").readline().split()[1]) / 1024 / 1024
    except OSError:
        mem = 0
    return cpu, mem


def versions():
    import duckdb
    import importlib.metadata as md
    v = {"duckdb": duckdb.__version__, "python": platform.python_version()}
    for pkg in ("polars", "pyspark", "pandas", "pyarrow"):
        try:
            v[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            v[pkg] = None
    try:
        j = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
        v["java"] = j[0] if j else None
    except OSError:
        v["java"] = None
    return v


def git_commit():
    try:
        c = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                           capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"],
                               capture_output=True, text=True).stdout.strip()
        return c + ("+dirty" if dirty else "")
    except OSError:
        return "unknown"


def main():
    t_start = time.time()
    if not RAW_OVERRIDE and not BIN.exists():
        sys.exit(f"bench: {BIN} not found: run `make build` first")
    mode = "quick" if QUICK else "full"
    log(f"{mode} mode: scale {SCALE:g}, {RUNS} run(s), {THREADS} threads, engines {ENGINES}")
    ds = prepare(SCALE)
    res = run_engines(ds, ENGINES, RUNS)
    floor = parse_floor(ds, RUNS)
    raw_lines = floor.get("lines")
    check_outputs(ds, res, raw_lines)
    if "median_s" in res.get("sensorlake", {}) and "median_s" in floor:
        floor["transform_multiple"] = res["sensorlake"]["median_s"] / floor["median_s"]

    q = None
    outputs = {e: output_dir(e, ds) for e in ("sensorlake", "duckdb")
               if "median_s" in res.get(e, {})}
    if outputs:
        log(f"queries over {list(outputs)}")
        params = queries.parameters(next(iter(outputs.values())), THREADS)
        qres, agree = queries.run(outputs, THREADS, max(RUNS, 3), params)
        q = {"labels": list(outputs), "runs": max(RUNS, 3), "params": params, "results": qres,
             "agree": agree, "descriptions": {k: v[0] for k, v in queries.QUERIES.items()}}

    scaling = []
    if not RAW_OVERRIDE:
        for s in sorted(set(SCALES)):
            if s == SCALE:
                engines = {e: {k: r[k] for k in ("median_s", "max_rss_kb", "output_bytes")
                               if k in r}
                           for e, r in res.items() if e in SCALE_ENGINES}
                scaling.append({"scale": s, "raw_lines": raw_lines, "engines": engines})
                continue
            sds = prepare(s)
            engines = [e for e in SCALE_ENGINES if not (QUICK and e == "pyspark")]
            sres = run_engines(sds, engines, RUNS)
            lines = count_lines(sds.raw)
            for e, r in sres.items():
                if "median_s" in r:
                    r["output_bytes"] = verify.output_bytes(output_dir(e, sds))
            scaling.append({"scale": s, "raw_lines": lines,
                            "engines": {e: {k: r[k] for k in ("median_s", "max_rss_kb",
                                                              "output_bytes", "skipped", "error")
                                            if k in r} for e, r in sres.items()}})
            for e in engines:  # peers' outputs at other scales are not kept
                if e != "sensorlake":
                    shutil.rmtree(output_dir(e, sds), ignore_errors=True)

    cost_rows = cost.table({e: r.get("median_s") for e, r in res.items()}, THREADS)
    cost_rows = [dict(r, **{k: v * (1 / SCALE) for k, v in r.items() if k != "engine"})
                 for r in cost_rows]
    cpu, mem = machine()
    results = {
        "meta": {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "mode": mode,
                 "commit": git_commit(), "scale": SCALE, "raw_lines": raw_lines or 0,
                 "raw_bytes": ds.raw_bytes, "raw_files": ds.files, "threads": THREADS, "runs": RUNS,
                 "cpu": cpu, "nproc": os.cpu_count(), "mem_gib": mem, "versions": versions(),
                 "input": str(ds.raw), "input_override": bool(RAW_OVERRIDE), "elapsed_s": None},
        "engines": res, "parse_floor": floor, "queries": q, "scaling": scaling,
        "cost": {"assumptions": cost.assumptions(), "rows": cost_rows,
                 "note": "per full-size dataset (scale 1): measured cost divided by the scale"},
    }
    results["targets"] = targets(res, floor, scaling, SCALE)
    results["meta"]["elapsed_s"] = round(time.time() - t_start, 1)

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    prefix = "quick-" if QUICK else ""
    json_path = RESULTS / f"{prefix}{stamp}.json"
    json_path.write_text(json.dumps(results, indent=1, default=str) + "\n")
    md = report.markdown(results)
    update_docs = not QUICK or os.environ.get("BENCH_UPDATE_DOCS") == "1"
    png = DOC_PNG if update_docs else RESULTS / "quick.png"
    report.chart(results, png)
    if update_docs:
        update_doc(md, json_path)
    else:
        (RESULTS / "quick.md").write_text(md)
    print(md)
    print(f"results: {json_path.relative_to(ROOT)}; chart: {png.relative_to(ROOT)}"
          + ("; docs/benchmarks.md updated" if update_docs else "")
          + f"; {results['meta']['elapsed_s']:.0f} s in all")
    failed = [e for e, r in res.items() if "error" in r]
    return 1 if "sensorlake" in failed else 0


def update_doc(md, json_path):
    text = DOC.read_text() if DOC.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1] if END in rest else ""
    body = (f"\n![benchmark chart](benchmarks.png)\n\n{md}\nRaw numbers: "
            f"`{json_path.relative_to(ROOT)}`.\n")
    DOC.write_text(head + BEGIN + body + END + tail)


if __name__ == "__main__":
    sys.exit(main())
