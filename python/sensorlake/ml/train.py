"""The activity-classifier baseline: `sensorlake train --lake URI` (docs/features.md).

Reads the current features version of a lake, local or s3:// (features/_versions/<id>/
windows/...), and for each combination: the four device+sensor streams (phone/accel,
phone/gyro, watch/accel, watch/gyro) and the fused ones (accel+gyro of each device, and all
four together; fusion.py says how windows are paired):

- evaluates the model with a subject-wise split: GroupKFold on the subject (no subject is
  in the training and the test part of the same fold), predictions out of fold for every
  window, so the metrics are those of subjects the model has not seen;
- fits the final model on all windows of the combination.

Writes <lake>/models/<model id>/{model.joblib, metrics.json, confusion.png, card.json},
built in a local stage and published with card.json last (a rename on a local lake), then
<lake>/models/_latest.json. Every read and write goes through sensorlake.Lake, the engine's
own Lake: the same URIs, errors and atomic writes as every `sensorlake` command. The model id
is a hash of the features version and the training options, so the same input and options
give the same id and the run reports `unchanged`.

Exit codes follow docs/cli.md: 3 invalid input, 4 not found (no features), 6 I/O error,
10 not implemented (a missing package), 70 internal error.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import time
import traceback
from pathlib import Path

import sensorlake
from sensorlake import Lake
from sensorlake import constants as _CONSTANTS
from sensorlake.ml import fusion

FORMAT = "sensorlake.model/1"


# The 18 activity codes of the dataset (A..S without N) and their names.
ACTIVITIES = _CONSTANTS.ACTIVITIES
# The exit code the CLI gives for each status code (docs/cli.md).
EXIT_CODES = _CONSTANTS.EXIT_CODE_BY_STATUS
EXIT_INTERNAL = _CONSTANTS.EXIT_INTERNAL


class TrainError(Exception):
    """An error of the trainer, with a documented status code (docs/cli.md) in `.code`, as
    the engine's sensorlake.EngineError has."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def log(msg: str, quiet: bool) -> None:
    if not quiet:
        print(f"train: {msg}", file=sys.stderr, flush=True)


def import_dependencies():
    """Imports the third-party packages; a missing one is NotImplemented (exit 10)."""
    try:
        import joblib  # noqa: F401
        import matplotlib
        matplotlib.use("Agg")
        import numpy  # noqa: F401
        import pyarrow  # noqa: F401
        import sklearn  # noqa: F401
    except ImportError as e:
        raise TrainError("NotImplemented",
                         f"the trainer needs scikit-learn, joblib, matplotlib, numpy and "
                         f"pyarrow ({e}); install requirements.txt into the interpreter "
                         f"({sys.executable}), e.g. scripts/setup.sh, or set SENSORLAKE_PYTHON")


def features_root(lake: Lake, version: str | None) -> tuple[str, str]:
    """The features version to train on (default: the current one) and its windows folder
    (relative to the lake)."""
    where = lake.display_path()
    if version is None:
        if not lake.exists("features/_current.json"):
            raise TrainError("NotFound",
                             f"no features in the lake {where} (features/_current.json is "
                             f"missing): run `sensorlake features --lake {where}` first")
        try:
            version = json.loads(lake.read_bytes("features/_current.json"))["version"]
        except (ValueError, KeyError) as e:
            raise TrainError("Corrupt", f"{where}/features/_current.json: unreadable "
                                        f"({e})") from e
    if not lake.exists(f"features/_versions/{version}/_manifest.json"):
        raise TrainError("NotFound", f"features version {version} not found (or incomplete) "
                                     f"in {where}/features")
    return version, f"features/_versions/{version}/windows"


def single_loader(lake: Lake, windows: str, attributes: str):
    """`load(name)`: the Frame of one device/sensor (e.g. "phone/accel"), None without
    windows."""
    def load(name: str):
        device, sensor = name.split("/")
        folder = f"{windows}/device={device}/sensor={sensor}"
        files = [f"{folder}/{name}" for name, _ in lake.list_files(folder, suffix=".parquet")]
        return fusion.frame_of(read_parquet(lake, files), attributes) if files else None
    return load


def read_parquet(lake: Lake, files: list[str]):
    """One table of the lake's Parquet files (feature windows: a few MB per stream)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    return pa.concat_tables([pq.read_table(pa.BufferReader(lake.read_bytes(f)))
                             for f in files])


# Trees (rf, et) or boosting iterations (lgbm, hgb) when --trees is not given.
DEFAULT_TREES = {"lgbm": 60, "rf": 200, "et": 200, "hgb": 200}


def lightgbm_module():
    """LightGBM, or NotImplemented (exit 10) naming the package when it is not installed."""
    try:
        import lightgbm
    except ImportError as e:
        raise TrainError("NotImplemented",
                         f"--model lgbm needs the lightgbm package ({e}); install "
                         f"requirements.txt into the interpreter ({sys.executable}), or "
                         f"choose --model rf") from e
    return lightgbm


def make_model(kind: str, trees: int, seed: int, jobs: int, features: int):
    """The model `kind` for `features` attributes."""
    from sklearn.ensemble import (ExtraTreesClassifier, HistGradientBoostingClassifier,
                                  RandomForestClassifier)
    if kind == "lgbm":
        # Shallow trees (7 leaves) on half the windows and a third of the attributes (at
        # most 45: the fused combinations have 182 and 364), 63 bins. Chosen on the
        # subject-wise folds of scale 1 (docs/benchmarks.md): a macro F1 at least the
        # 200-tree random forest's in every combination, at an eighth of its time.
        return lightgbm_module().LGBMClassifier(
            n_estimators=trees, learning_rate=0.15, num_leaves=7,
            colsample_bytree=min(0.3, 45 / features), subsample=0.5, subsample_freq=1,
            max_bin=63, random_state=seed,
            # The same model whatever the thread count: a model id names one model.
            deterministic=True, force_col_wise=True,
            n_jobs=jobs if jobs > 0 else None, verbose=-1)
    if kind == "rf":
        return RandomForestClassifier(n_estimators=trees, random_state=seed, n_jobs=jobs)
    if kind == "et":
        return ExtraTreesClassifier(n_estimators=trees, random_state=seed, n_jobs=jobs)
    if kind == "hgb":
        return HistGradientBoostingClassifier(max_iter=trees, random_state=seed,
                                              early_stopping=False)
    raise TrainError("Invalid", f"unknown model {kind!r} (lgbm, rf, et, hgb)")


def evaluate(x, y, groups, args):
    """Out-of-fold predictions with GroupKFold on the subject; returns (pred, folds)."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    subjects = np.unique(groups)
    k = min(args.folds, len(subjects))
    cv = GroupKFold(n_splits=k, shuffle=True, random_state=args.seed)
    pred = np.empty_like(y)
    folds = []
    for i, (tr, te) in enumerate(cv.split(x, y, groups)):
        train_subjects = sorted(int(s) for s in np.unique(groups[tr]))
        test_subjects = sorted(int(s) for s in np.unique(groups[te]))
        if set(train_subjects) & set(test_subjects):  # cannot happen with GroupKFold
            raise TrainError("Internal", f"fold {i}: a subject is in train and test")
        model = make_model(args.model, args.trees, args.seed, args.jobs, x.shape[1])
        model.fit(x[tr], y[tr])
        pred[te] = model.predict(x[te])
        folds.append({"fold": i, "train_subjects": train_subjects,
                      "test_subjects": test_subjects, "train_windows": int(len(tr)),
                      "test_windows": int(len(te)),
                      "accuracy": float(np.mean(pred[te] == y[te]))})
    return pred, folds


def metrics_of(y, pred):
    import numpy as np
    from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score,
                                 precision_recall_fscore_support)

    labels = sorted(set(y) | set(pred))
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    counts = {a: int(np.sum(y == a)) for a in labels}
    per_activity = {a: {"name": ACTIVITIES.get(a, a), "precision": float(p[i]),
                        "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
                    for i, a in enumerate(labels)}
    present = sorted(set(y))
    return {
        "windows": int(len(y)),
        "activities": present,
        "accuracy": float(accuracy_score(y, pred)),
        # Macro F1 over the activities present in the truth: an activity only predicted
        # (never true) would otherwise count as 0 and drag it down twice.
        "macro_f1": float(f1_score(y, pred, labels=present, average="macro",
                                   zero_division=0)),
        "chance_uniform": 1.0 / len(present),
        "chance_majority": max(counts[a] for a in present) / len(y),
        "per_activity": per_activity,
        "confusion": {"labels": labels,
                      "matrix": confusion_matrix(y, pred, labels=labels).tolist()},
    }


def plot_confusions(results: dict, path: Path, title: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    combos = [c for c in results if "confusion" in results[c]]
    cols = min(3, max(1, len(combos)))
    rows_n = (max(1, len(combos)) + cols - 1) // cols
    fig, axes = plt.subplots(rows_n, cols, figsize=(5.6 * cols, 5.4 * rows_n), squeeze=False)
    for ax in axes.flat[len(combos):]:
        ax.axis("off")
    for ax, combo in zip(axes.flat, combos):
        cm = np.asarray(results[combo]["confusion"]["matrix"], dtype=float)
        labels = results[combo]["confusion"]["labels"]
        rows = cm.sum(axis=1, keepdims=True)
        norm = np.divide(cm, rows, out=np.zeros_like(cm), where=rows > 0)
        ax.imshow(norm, vmin=0, vmax=1, cmap="Blues")
        ax.set_xticks(range(len(labels)), labels, fontsize=7)
        ax.set_yticks(range(len(labels)), labels, fontsize=7)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        m = results[combo]
        ax.set_title(f"{combo}: acc {m['accuracy']:.3f}, macro F1 {m['macro_f1']:.3f}",
                     fontsize=9)
        if len(labels) <= 6:
            for i in range(len(labels)):
                for j in range(len(labels)):
                    ax.text(j, i, f"{norm[i, j]:.2f}", ha="center", va="center", fontsize=7,
                            color="white" if norm[i, j] > 0.5 else "black")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))  # room for the title above the panels
    fig.savefig(path, dpi=90)
    plt.close(fig)


def versions(model: str) -> dict:
    import joblib
    import matplotlib
    import numpy
    import pyarrow
    import sklearn
    out = {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
           "joblib": joblib.__version__, "numpy": numpy.__version__,
           "pyarrow": pyarrow.__version__, "matplotlib": matplotlib.__version__}
    if model == "lgbm":
        out["lightgbm"] = lightgbm_module().__version__
    return out


def model_library(model: str, lib: dict) -> dict:
    """The library that fits the model, and its version (the model card names it)."""
    name = "lightgbm" if model == "lgbm" else "scikit-learn"
    return {"name": name, "version": lib[name]}


def json_bytes(value) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True) + "\n").encode()


def write_json(path: Path, value) -> None:
    path.write_bytes(json_bytes(value))


def summary_of(results: dict) -> dict:
    return {c: {k: m[k] for k in ("accuracy", "macro_f1", "windows")}
            for c, m in results.items() if "accuracy" in m}


def evaluate_combination(name: str, frame, args) -> tuple[dict, dict]:
    """Out-of-fold metrics of one combination, and the model fitted on all its windows."""
    t0 = time.time()
    # float32: what the trees split on anyway (scikit-learn's trees convert to it), at half
    # the memory of float64 for every fold's copy.
    x = frame.x.astype("float32", copy=False)
    pred, folds = evaluate(x, frame.y, frame.groups, args)
    m = metrics_of(frame.y, pred)
    m.update({"subjects": len(set(frame.groups.tolist())), "folds": folds,
              "features": len(frame.names)})
    if frame.pairing:
        m["pairing"] = frame.pairing
    model = make_model(args.model, args.trees, args.seed, args.jobs, x.shape[1])
    model.fit(x, frame.y)
    m["seconds"] = round(time.time() - t0, 2)
    log(f"{name}: {len(frame)} windows, {m['subjects']} subjects, {len(m['activities'])} "
        f"activities: accuracy {m['accuracy']:.3f}, macro F1 {m['macro_f1']:.3f} "
        f"(chance {m['chance_uniform']:.3f}) in {m['seconds']} s", args.quiet)
    return m, {"model": model, "features": frame.names,
               "classes": [str(c) for c in model.classes_]}


def train(args) -> dict:
    lake = Lake(args.lake, create=False)  # a missing lake is NotFound, not a new folder
    version, windows = features_root(lake, args.features_version)
    options = {"model": args.model, "trees": args.trees, "folds": args.folds,
               "attributes": args.attributes, "combinations": args.combinations,
               "seed": args.seed, "split": "GroupKFold(subject, shuffle)"}
    lib = versions(args.model)
    library = model_library(args.model, lib)
    # Another version of the splitting or the fitting library may give another model.
    key = json.dumps({"format": FORMAT, "features": version, "options": options,
                      "scikit-learn": lib["scikit-learn"], "library": library},
                     sort_keys=True)
    model_id = "m-" + hashlib.sha256(key.encode()).hexdigest()[:16]
    summary = {"model_id": model_id, "features_version": version, "options": options,
               "path": lake.display_path(f"models/{model_id}")}
    if lake.exists(f"models/{model_id}/card.json") and not args.force:
        metrics = json.loads(lake.read_bytes(f"models/{model_id}/metrics.json"))
        summary["status"] = "unchanged"
        summary["combinations"] = summary_of(metrics["combinations"])
        write_latest(lake, model_id, version)
        return summary

    if args.jobs > 0:  # also bounds the OpenMP threads of hgb and BLAS
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.jobs)
    started = time.time()
    frames, skipped = fusion.build_frames(single_loader(lake, windows, args.attributes),
                                          args.combinations)
    results, fitted = {}, {}
    for name, frame in frames.items():
        n_subjects, n_classes = len(set(frame.groups.tolist())), len(set(frame.y.tolist()))
        if n_subjects < 2 or n_classes < 2:
            skipped[name] = f"{n_subjects} subject(s), {n_classes} activity(ies): too few"
            continue
        results[name], fitted[name] = evaluate_combination(name, frame, args)
    if not results:
        raise TrainError("NotFound", f"no combination of features version {version} has "
                                     f"enough windows to train on ({skipped or 'no windows'})")
    parts = {
        "model.joblib": {"format": FORMAT, "combinations": fitted, "versions": lib},
        "metrics.json": {"format": FORMAT, "model_id": model_id, "features_version": version,
                         "options": options, "library": library, "combinations": results,
                         "skipped": skipped},
        "card.json": {"format": FORMAT, "model_id": model_id, "features_version": version,
                      "lake": lake.display_path(), "options": options, "versions": lib,
                      "library": library,
                      "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                      "seconds": round(time.time() - started, 2),
                      "combinations": {c: {"features": f["features"], "classes": f["classes"]}
                                       for c, f in fitted.items()},
                      "skipped": skipped, "files": CARD_FILES}}
    write_model(lake, model_id, parts, title=f"{model_id} ({args.model}, subject-wise "
                                             f"{args.folds}-fold CV, features {version})")
    write_latest(lake, model_id, version)
    summary["status"] = "trained"
    summary["combinations"] = summary_of(results)
    summary["skipped"] = skipped
    return summary


CARD_FILES = {"model.joblib": "joblib dict: combinations/<combination>/{model, features, "
                              "classes}",
              "metrics.json": "out-of-fold metrics per combination",
              "confusion.png": "row-normalised out-of-fold confusion matrices",
              "card.json": "written last: a model folder without it is incomplete"}


def write_model(lake: Lake, model_id: str, parts: dict, title: str) -> None:
    """models/<model id>/ from `parts` ({file name: content}), with a confusion-matrix PNG
    titled `title`; built in a local stage, published with card.json last (docs/features.md)."""
    import tempfile

    import joblib

    with tempfile.TemporaryDirectory(prefix=f"sensorlake-train-{model_id}-") as tmp:
        stage = Path(tmp)
        try:
            joblib.dump(parts["model.joblib"], stage / "model.joblib", compress=3)
            write_json(stage / "metrics.json", parts["metrics.json"])
            plot_confusions(parts["metrics.json"]["combinations"], stage / "confusion.png",
                            title)
            write_json(stage / "card.json", parts["card.json"])
        except OSError as e:
            raise TrainError("IOError", f"staging model {model_id} in {stage}: {e}") from e
        lake.publish_folder(stage, f"models/{model_id}", marker="card.json")


def write_latest(lake: Lake, model_id: str, version: str) -> None:
    lake.write_atomic("models/_latest.json", json_bytes(
        {"model_id": model_id, "path": model_id, "features_version": version}))


def load_model(lake: str | Path, model_id: str | None = None) -> dict:
    """Loads a trained model ({combinations: {"phone/accel": {model, features, classes}}})
    from a lake URI (a path, file:// or s3://)."""
    import io

    import joblib
    store = Lake(lake, create=False)
    if model_id is None:
        model_id = json.loads(store.read_bytes("models/_latest.json"))["model_id"]
    return joblib.load(io.BytesIO(store.read_bytes(f"models/{model_id}/model.joblib")))


def parse_args(argv):
    p = argparse.ArgumentParser(prog="sensorlake train", description=__doc__.split("\n")[0])
    p.add_argument("--lake", required=True,
                   help="lake URI: a path, file:///path or s3://bucket/prefix (docs/storage.md)")
    p.add_argument("--features-version", help="features version (default: the current one)")
    p.add_argument("--model", default="lgbm", choices=["lgbm", "rf", "et", "hgb"],
                   help="lgbm LightGBM's gradient boosting (default), rf RandomForest, "
                        "et ExtraTrees, hgb scikit-learn's HistGradientBoosting")
    p.add_argument("--attributes", default="all", choices=["all", "published"],
                   help="all 91 numeric attributes, or the 46 the WISDM papers used (no MFCC, "
                        "cosine, correlation)")
    p.add_argument("--combinations", default=",".join(fusion.ALL),
                   help="comma-separated: single streams (phone/accel, ...) and fused ones "
                        f"({', '.join(fusion.FUSED)}); default all")
    p.add_argument("--trees", type=int,
                   help="trees (rf, et) or boosting iterations (lgbm, hgb); default "
                        + ", ".join(f"{m} {n}" for m, n in DEFAULT_TREES.items()))
    p.add_argument("--folds", type=int, default=5, help="subject-wise folds (GroupKFold)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--jobs", type=int, default=-1, help="worker threads (-1: all cores)")
    p.add_argument("--force", action="store_true", help="retrain an existing model id")
    p.add_argument("--summary-json", help="also write the summary (or the error) here")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    if args.folds < 2:
        p.error("--folds must be at least 2")
    if args.trees is None:
        args.trees = DEFAULT_TREES[args.model]
    if args.trees < 1:
        p.error("--trees must be at least 1")
    args.combinations = [c.strip() for c in args.combinations.split(",") if c.strip()]
    unknown = [c for c in args.combinations if c not in fusion.ALL]
    if unknown or not args.combinations:
        p.error(f"--combinations: unknown {', '.join(unknown) or '(empty)'}; known: "
                f"{', '.join(fusion.ALL)}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        import_dependencies()
        summary = train(args)
        code = 0
    except (TrainError, sensorlake.EngineError) as e:
        summary = {"error": {"code": e.code, "message": str(e)}}
        code = EXIT_CODES.get(e.code, EXIT_INTERNAL)
        if not args.summary_json:  # else the caller (sensorlake train) reports it
            print(f"train: error: {e.code}: {e}", file=sys.stderr)
    except Exception as e:  # a bug: say so with the traceback
        traceback.print_exc()
        summary = {"error": {"code": "Internal", "message": f"{type(e).__name__}: {e}"}}
        code = EXIT_INTERNAL
    if args.summary_json:
        write_json(Path(args.summary_json), summary)
    elif code == 0:
        print(json.dumps(summary, indent=2))
    return code


if __name__ == "__main__":
    sys.exit(main())
