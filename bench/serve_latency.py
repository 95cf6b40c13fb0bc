"""`sensorlake serve` latency on a full-size lake (part of `make bench`; docs/benchmarks.md).

Fills (once) a lake at scale 1 with `sensorlake run`, starts `sensorlake serve` on a free
loopback port, and times every page's API calls and a whole-activity (3-minute) signal:
server time from the Server-Timing header, and wall time as the client sees it.
Prints a Markdown table. Environment: SERVE_BENCH_SCALE (default 1), SERVE_BENCH_RUNS (5),
SENSORLAKE_BIN.
"""
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = os.environ.get("SENSORLAKE_BIN", str(ROOT / "build/release/src/sensorlake"))
SCALE = os.environ.get("SERVE_BENCH_SCALE", "1")
RUNS = int(os.environ.get("SERVE_BENCH_RUNS", "5"))
WORK = ROOT / "work"
LAKE = WORK / f"serve-bench-lake-scale-{SCALE}"


def fetch(url):
    t0 = time.perf_counter()
    with urllib.request.urlopen(url) as r:
        body = r.read()
        timing = r.headers.get("Server-Timing", "")
    wall = (time.perf_counter() - t0) * 1000
    m = re.search(r"dur=([0-9.]+)", timing)
    return body, float(m.group(1)) if m else float("nan"), wall


def main():
    if not (LAKE / "_published.json").exists():
        print(f"filling {LAKE} (sensorlake run, scale {SCALE})", file=sys.stderr)
        subprocess.run([BIN, "--quiet", "run", "--lake", str(LAKE), "--generate-scale", SCALE,
                        "--work-dir", str(WORK)], check=True)
    t0 = time.perf_counter()
    server = subprocess.Popen([BIN, "serve", "--lake", str(LAKE), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()
        start_s = time.perf_counter() - t0
        base = re.search(r"http://[0-9.:]+", line).group(0)
        runs = json.loads(fetch(base + "/api/runs")[0])["runs"]
        calls = {
            "Runs: /api/runs": "/api/runs",
            "Run detail: /api/runs/<id>": f"/api/runs/{runs[0]['run_id']}",
            "Dataset: /api/dataset": "/api/dataset",
            "SQL page: /api/files": "/api/files",
        }
        dataset = json.loads(fetch(base + "/api/dataset")[0])
        rows = dataset["folders"][0]["rows"][0][0]
        calls[f"Signal, whole activity (phone/accel 1600 A, {rows} readings), width 1400"] = (
            "/api/signal?device=phone&sensor=accel&subject=1600&activity=A&width=1400")
        calls["Signal, 10 s window, width 1400"] = (
            "/api/signal?device=phone&sensor=accel&subject=1600&activity=A&width=1400"
            f"&from_ns={0}&to_ns={0}")
        first = json.loads(fetch(base + calls[list(calls)[4]])[0])["first_ns"]
        calls["Signal, 10 s window, width 1400"] = (
            "/api/signal?device=phone&sensor=accel&subject=1600&activity=A&width=1400"
            f"&from_ns={first}&to_ns={first + 10_000_000_000}")
        readings = sum(sum(map(sum, f["rows"])) for f in dataset["folders"])
        print(f"\n`sensorlake serve` on a scale-{SCALE} lake ({readings:,} readings); "
              f"start to listening (index built): {start_s:.2f} s; median (max) of {RUNS} calls\n")
        print("| page data | server ms | wall ms | bytes |")
        print("|---|---:|---:|---:|")
        for name, path in calls.items():
            server_ms, wall_ms = [], []
            for _ in range(RUNS):
                body, s_ms, w_ms = fetch(base + path)
                server_ms.append(s_ms)
                wall_ms.append(w_ms)
            print(f"| {name} | {statistics.median(server_ms):.1f} ({max(server_ms):.1f}) | "
                  f"{statistics.median(wall_ms):.1f} ({max(wall_ms):.1f}) | {len(body):,} |")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
