"""The activity-classifier baseline: `sensorlake train --lake URI` (docs/features.md).

Reads the current features version of a lake (features/_versions/<id>/windows/...), and
for each device+sensor combination (phone/accel, phone/gyro, watch/accel, watch/gyro):

- evaluates the model with a subject-wise split: GroupKFold on the subject (no subject is
  in the training and the test part of the same fold), predictions out of fold for every
  window, so the metrics are those of subjects the model has not seen;
- fits the final model on all windows of the combination.

Writes <lake>/models/<model id>/{model.joblib, metrics.json, confusion.png, card.json},
staged in a hidden folder and renamed, then <lake>/models/_latest.json. The model id is a
hash of the features version and the training options, so the same input and options give
the same id and the run reports `unchanged`.

Exit codes follow docs/cli.md: 3 invalid input, 4 not found (no features), 6 I/O error,
10 not implemented (a missing package, a non-local lake), 70 internal error.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import sys
import time
import traceback
from pathlib import Path

FORMAT = "sensorlake.model/1"
COMBINATIONS = [("phone", "accel"), ("phone", "gyro"), ("watch", "accel"), ("watch", "gyro")]
# The 18 activity codes of the dataset (A..S without N) and their names (activity_key.txt).
ACTIVITIES = {
    "A": "walking", "B": "jogging", "C": "stairs", "D": "sitting", "E": "standing",
    "F": "typing", "G": "teeth", "H": "soup", "I": "chips", "J": "pasta", "K": "drinking",
    "L": "sandwich", "M": "kicking", "O": "catch", "P": "dribbling", "Q": "writing",
    "R": "clapping", "S": "folding",
}
# Columns of a features row that are not model inputs (identifiers, label, bookkeeping).
NON_FEATURES = {"subject", "activity", "block", "end_block", "window", "first_timestamp_ns",
                "last_timestamp_ns", "readings", "device", "sensor"}

# Attribute sets: the dataset's README says the MFCC, cosine and correlation attributes "are
# not used in our published research papers"; `published` leaves them out for comparison.
UNPUBLISHED_PREFIXES = ("XMFCC", "YMFCC", "ZMFCC", "XYCOS", "XZCOS", "YZCOS", "XYCOR", "XZCOR",
                        "YZCOR")

EXIT_CODES = {"Invalid": 3, "NotFound": 4, "IOError": 6, "Corrupt": 7, "NotImplemented": 10,
              "Internal": 70}


class TrainError(Exception):
    """An error with a documented status code (docs/cli.md)."""

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


def lake_path(uri: str) -> Path:
    if uri.startswith("file://"):
        return Path(uri[len("file://"):])
    if "://" in uri:
        raise TrainError("NotImplemented",
                         f"train reads local lakes only (file:// or a path), not {uri}")
    return Path(uri)


def features_root(lake: Path, version: str | None) -> tuple[str, Path]:
    """The features version to train on (default: the current one) and its windows folder."""
    zone = lake / "features"
    if not lake.is_dir():
        raise TrainError("NotFound", f"no lake at {lake}")
    if version is None:
        current = zone / "_current.json"
        if not current.is_file():
            raise TrainError("NotFound",
                             f"no features in the lake {lake} (features/_current.json is "
                             f"missing): run `sensorlake features --lake {lake}` first")
        try:
            version = json.loads(current.read_text())["version"]
        except (ValueError, KeyError) as e:
            raise TrainError("Corrupt", f"{current}: unreadable ({e})") from e
    windows = zone / "_versions" / version / "windows"
    if not (zone / "_versions" / version / "_manifest.json").is_file():
        raise TrainError("NotFound", f"features version {version} not found (or incomplete) "
                                     f"in {zone}")
    return version, windows


def load_combination(windows: Path, device: str, sensor: str, attributes: str = "all"):
    """(X, y, subjects, feature names) of one combination, or None when it has no file."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = windows / f"device={device}" / f"sensor={sensor}"
    files = sorted(folder.glob("*.parquet"))
    if not files:
        return None
    table = pa.concat_tables([pq.read_table(f) for f in files])
    names = [f.name for f in table.schema
             if f.name not in NON_FEATURES and pa.types.is_floating(f.type)]
    if attributes == "published":
        names = [n for n in names if not n.startswith(UNPUBLISHED_PREFIXES)]
    if table.num_rows == 0:
        return None
    x = np.column_stack([table[c].to_numpy(zero_copy_only=False).astype(np.float64)
                         for c in names])  # nulls become NaN; the trees handle NaN
    y = np.asarray([str(v) for v in table["activity"].to_pylist()])
    groups = table["subject"].to_numpy(zero_copy_only=False).astype(np.int64)
    return x, y, groups, names


def make_model(kind: str, trees: int, seed: int, jobs: int):
    from sklearn.ensemble import (ExtraTreesClassifier, HistGradientBoostingClassifier,
                                  RandomForestClassifier)
    if kind == "rf":
        return RandomForestClassifier(n_estimators=trees, random_state=seed, n_jobs=jobs)
    if kind == "et":
        return ExtraTreesClassifier(n_estimators=trees, random_state=seed, n_jobs=jobs)
    if kind == "hgb":
        return HistGradientBoostingClassifier(max_iter=trees, random_state=seed,
                                              early_stopping=False)
    raise TrainError("Invalid", f"unknown model {kind!r} (rf, et, hgb)")


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
        model = make_model(args.model, args.trees, args.seed, args.jobs)
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
    cols = min(2, max(1, len(combos)))
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
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def versions() -> dict:
    import joblib
    import matplotlib
    import numpy
    import pyarrow
    import sklearn
    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "joblib": joblib.__version__, "numpy": numpy.__version__,
            "pyarrow": pyarrow.__version__, "matplotlib": matplotlib.__version__}


def write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n")


def train(args) -> dict:
    import joblib

    lake = lake_path(args.lake)
    version, windows = features_root(lake, args.features_version)
    options = {"model": args.model, "trees": args.trees, "folds": args.folds,
               "attributes": args.attributes,
               "seed": args.seed, "split": "GroupKFold(subject, shuffle)"}
    lib = versions()
    key = json.dumps({"format": FORMAT, "features": version, "options": options,
                      "scikit-learn": lib["scikit-learn"]}, sort_keys=True)
    model_id = "m-" + hashlib.sha256(key.encode()).hexdigest()[:16]
    models = lake / "models"
    final = models / model_id
    summary = {"model_id": model_id, "features_version": version, "options": options,
               "path": str(final)}
    if final.is_dir() and (final / "card.json").is_file() and not args.force:
        metrics = json.loads((final / "metrics.json").read_text())
        summary["status"] = "unchanged"
        summary["combinations"] = {c: {k: m[k] for k in ("accuracy", "macro_f1", "windows")}
                                   for c, m in metrics["combinations"].items()
                                   if "accuracy" in m}
        write_latest(models, model_id, version)
        return summary

    if args.jobs > 0:  # also bounds the OpenMP threads of hgb and BLAS
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.jobs)
    results, fitted, skipped = {}, {}, {}
    started = time.time()
    for device, sensor in COMBINATIONS:
        combo = f"{device}/{sensor}"
        data = load_combination(windows, device, sensor, args.attributes)
        if data is None:
            skipped[combo] = "no windows"
            continue
        x, y, groups, names = data
        n_subjects, n_classes = len(set(groups.tolist())), len(set(y.tolist()))
        if n_subjects < 2 or n_classes < 2:
            skipped[combo] = f"{n_subjects} subject(s), {n_classes} activity(ies): too few"
            continue
        t0 = time.time()
        pred, folds = evaluate(x, y, groups, args)
        m = metrics_of(y, pred)
        m.update({"subjects": n_subjects, "folds": folds, "features": len(names)})
        model = make_model(args.model, args.trees, args.seed, args.jobs)
        model.fit(x, y)
        m["seconds"] = round(time.time() - t0, 2)
        results[combo] = m
        fitted[combo] = {"model": model, "features": names,
                         "classes": [str(c) for c in model.classes_]}
        log(f"{combo}: {len(y)} windows, {n_subjects} subjects, {n_classes} activities: "
            f"accuracy {m['accuracy']:.3f}, macro F1 {m['macro_f1']:.3f} "
            f"(chance {m['chance_uniform']:.3f}) in {m['seconds']} s", args.quiet)
    if not results:
        raise TrainError("NotFound", f"no device+sensor combination of features version "
                                     f"{version} has enough windows to train on "
                                     f"({skipped or 'no windows'})")

    models.mkdir(parents=True, exist_ok=True)
    stage = models / f".stage-{model_id}-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        joblib.dump({"format": FORMAT, "combinations": fitted, "versions": lib},
                    stage / "model.joblib", compress=3)
        metrics = {"format": FORMAT, "model_id": model_id, "features_version": version,
                   "options": options, "combinations": results, "skipped": skipped}
        write_json(stage / "metrics.json", metrics)
        plot_confusions(results, stage / "confusion.png",
                        f"{model_id} ({args.model}, subject-wise {args.folds}-fold CV, "
                        f"features {version})")
        card = {"format": FORMAT, "model_id": model_id, "features_version": version,
                "lake": str(lake), "options": options, "versions": lib,
                "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "seconds": round(time.time() - started, 2),
                "combinations": {c: {"features": f["features"], "classes": f["classes"]}
                                 for c, f in fitted.items()},
                "skipped": skipped,
                "files": {"model.joblib": "joblib dict: combinations/<device/sensor>/"
                                          "{model, features, classes}",
                          "metrics.json": "out-of-fold metrics per combination",
                          "confusion.png": "row-normalised out-of-fold confusion matrices"}}
        write_json(stage / "card.json", card)
        if final.exists():
            shutil.rmtree(final)
        os.rename(stage, final)
    except OSError as e:
        shutil.rmtree(stage, ignore_errors=True)
        raise TrainError("IOError", f"writing {final}: {e}") from e
    write_latest(models, model_id, version)
    summary["status"] = "trained"
    summary["combinations"] = {c: {k: m[k] for k in ("accuracy", "macro_f1", "windows")}
                               for c, m in results.items()}
    summary["skipped"] = skipped
    return summary


def write_latest(models: Path, model_id: str, version: str) -> None:
    tmp = models / f"._latest.json.{os.getpid()}"
    write_json(tmp, {"model_id": model_id, "path": model_id, "features_version": version})
    os.replace(tmp, models / "_latest.json")


def load_model(lake: str | Path, model_id: str | None = None) -> dict:
    """Loads a trained model ({combinations: {"phone/accel": {model, features, classes}}})."""
    import joblib
    models = lake_path(str(lake)) / "models"
    if model_id is None:
        model_id = json.loads((models / "_latest.json").read_text())["model_id"]
    return joblib.load(models / model_id / "model.joblib")


def parse_args(argv):
    p = argparse.ArgumentParser(prog="sensorlake train", description=__doc__.split("\n")[0])
    p.add_argument("--lake", required=True, help="lake URI (file:///path or a path)")
    p.add_argument("--features-version", help="features version (default: the current one)")
    p.add_argument("--model", default="rf", choices=["rf", "et", "hgb"],
                   help="rf RandomForest (default), et ExtraTrees, hgb HistGradientBoosting")
    p.add_argument("--attributes", default="all", choices=["all", "published"],
                   help="all 91 numeric attributes, or the 46 the WISDM papers used (no MFCC, "
                        "cosine, correlation)")
    p.add_argument("--trees", type=int, default=200,
                   help="trees (rf, et) or boosting iterations (hgb)")
    p.add_argument("--folds", type=int, default=5, help="subject-wise folds (GroupKFold)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--jobs", type=int, default=-1, help="worker threads (-1: all cores)")
    p.add_argument("--force", action="store_true", help="retrain an existing model id")
    p.add_argument("--summary-json", help="also write the summary (or the error) here")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    if args.folds < 2:
        p.error("--folds must be at least 2")
    if args.trees < 1:
        p.error("--trees must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        import_dependencies()
        summary = train(args)
        code = 0
    except TrainError as e:
        summary = {"error": {"code": e.code, "message": str(e)}}
        code = EXIT_CODES.get(e.code, 70)
        if not args.summary_json:  # else the caller (sensorlake train) reports it
            print(f"train: error: {e.code}: {e}", file=sys.stderr)
    except Exception as e:  # a bug: say so with the traceback
        traceback.print_exc()
        summary = {"error": {"code": "Internal", "message": f"{type(e).__name__}: {e}"}}
        code = 70
    if args.summary_json:
        write_json(Path(args.summary_json), summary)
    elif code == 0:
        print(json.dumps(summary, indent=2))
    return code


if __name__ == "__main__":
    sys.exit(main())
