"""The trainer's default model (LightGBM) beside the random forest it replaced
(docs/benchmarks.md, "Features and training"), measured side by side in one run.

On the features of generated data at BENCH_TRAIN_SCALE (default "1"; the lake is built once
with `sensorlake run`), `sensorlake train` of all 7 combinations (4 streams, 3 fused) with
5 subject-wise folds and the final fit, once per model, each in its own bench/measure.py
process (wall time, peak RSS): `--model rf` (200 trees) and `--model lgbm` (60 iterations).
BENCH_TRAIN_LAKE=DIR trains on an existing lake instead. Writes bench/results/training.json
and docs/benchmarks-training.png, and prints the table: per combination time, accuracy and
macro F1 of both."""
import json
import os
import pathlib
import subprocess
import sys
import tempfile

from tables_commit import BIN, REPO, WORK, generated

MODELS = ["rf", "lgbm"]


def log(msg: str) -> None:
    print(f"training bench: {msg}", file=sys.stderr, flush=True)


def features_lake(scale: str) -> pathlib.Path:
    if os.environ.get("BENCH_TRAIN_LAKE"):
        return pathlib.Path(os.environ["BENCH_TRAIN_LAKE"])
    lake = WORK / f"train-lake-scale-{scale}"
    if not (lake / "features" / "_current.json").exists():
        env = {**os.environ, "SENSORLAKE_CATALOG": "none"}
        subprocess.run([BIN, "--quiet", "run", "--lake", str(lake), "--source",
                        str(generated(scale))], env=env, check=True)
    return lake


def train(lake: pathlib.Path, model: str, out: pathlib.Path) -> dict:
    cmd = [BIN, "--json", "train", "--lake", str(lake), "--model", model, "--force"]
    p = subprocess.run([sys.executable, str(REPO / "bench" / "measure.py"), "--stdout",
                        str(out), "--", *cmd], stdout=subprocess.PIPE, text=True)
    m = json.loads(p.stdout.strip().splitlines()[-1])
    if m["returncode"] != 0:
        sys.exit(f"training bench: {' '.join(cmd)} failed: exit {m['returncode']}")
    summary = json.loads(out.read_text())
    metrics = json.loads((lake / "models" / summary["model_id"] / "metrics.json").read_text())
    card = json.loads((lake / "models" / summary["model_id"] / "card.json").read_text())
    combos = {c: {k: v[k] for k in ("accuracy", "macro_f1", "windows", "seconds")}
              for c, v in metrics["combinations"].items()}
    return {"wall_s": m["wall_s"], "max_rss_kb": m["max_rss_kb"], "library": card["library"],
            "options": summary["options"], "combinations": combos}


def plot(result: dict, path: pathlib.Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    combos = list(result["models"]["rf"]["combinations"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for i, model in enumerate(MODELS):
        got = result["models"][model]["combinations"]
        ys = [c_i + (0.2 if i else -0.2) for c_i in range(len(combos))]
        left.barh(ys, [got[c]["seconds"] for c in combos], height=0.4, label=model)
        right.barh(ys, [got[c]["macro_f1"] for c in combos], height=0.4, label=model)
    left.set_yticks(range(len(combos)), combos, fontsize=8)
    left.set_xlabel("seconds (5 folds + the final fit)")
    right.set_xlabel("macro F1, out of fold")
    right.set_xlim(0.5, 1.0)
    left.legend(fontsize=8)
    fig.suptitle(f"training at scale {result['scale']:g}: {result['speedup']:.1f}x faster",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> int:
    scale = os.environ.get("BENCH_TRAIN_SCALE", "1")
    WORK.mkdir(parents=True, exist_ok=True)
    lake = features_lake(scale)
    results = {}
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        for model in MODELS:
            log(f"training {model} on {lake}")
            results[model] = train(lake, model, pathlib.Path(tmp) / f"{model}.json")
            log(f"{model}: {results[model]['wall_s']:.1f} s")
    rf, lgbm = results["rf"], results["lgbm"]
    result = {"scale": float(scale), "models": results,
              "speedup": rf["wall_s"] / lgbm["wall_s"],
              "macro_f1_not_worse": all(lgbm["combinations"][c]["macro_f1"] >=
                                        rf["combinations"][c]["macro_f1"]
                                        for c in rf["combinations"])}
    out = REPO / "bench" / "results" / "training.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    plot(result, REPO / "docs" / "benchmarks-training.png")
    print("| combination | windows | rf time | rf accuracy | rf macro F1 | lgbm time | "
          "lgbm accuracy | lgbm macro F1 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for c, r in rf["combinations"].items():
        g = lgbm["combinations"][c]
        print(f"| {c} | {r['windows']:,} | {r['seconds']:.1f} s | {r['accuracy']:.3f} | "
              f"{r['macro_f1']:.3f} | {g['seconds']:.1f} s | {g['accuracy']:.3f} | "
              f"{g['macro_f1']:.3f} |")
    print(f"| all 7 (the whole command) | | {rf['wall_s']:.1f} s, {rf['max_rss_kb'] / 1024:.0f} "
          f"MiB | | | {lgbm['wall_s']:.1f} s, {lgbm['max_rss_kb'] / 1024:.0f} MiB | | |")
    print(f"speed-up {result['speedup']:.1f}x; lgbm macro F1 >= rf's in every combination: "
          f"{result['macro_f1_not_worse']}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
