"""`sensorlake train`: the activity-classifier baseline (docs/features.md, Model baseline).

Generated data (scale 0.1, 51 subjects, 18 activities): subject-wise folds, macro F1 far
above chance, artifacts that reload and predict. The real sample (13 subjects, phone only,
A/B/C/M): figures are produced and recorded. Unhappy paths: no features, no lake.
"""
import json
import os
import pathlib
import sys

import pytest

from sensorlake_cli import run_cli, trainer_python_path

sys.path[:0] = trainer_python_path()

# Fast settings for the tests; the defaults (5 folds) give slightly higher figures. The
# random forest, so that the tests below can refit it exactly with scikit-learn.
FAST = ("--model", "rf", "--trees", "60", "--folds", "3", "--seed", "7")
# Measured with these settings at scale 0.1 (seed 1 data): macro F1 0.645 phone/accel, 0.606
# phone/gyro, 0.784 watch/accel, 0.812 watch/gyro; chance is 1/18 = 0.056. The threshold
# keeps a wide margin under every one and is still 8x chance.
MIN_MACRO_F1 = 0.45


@pytest.fixture(scope="module")
def generated_lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("train-gen")
    lake = root / "lake"
    run_cli("run", "--lake", lake, "--generate-scale", "0.1", "--work-dir", root / "work")
    code, summary, _ = run_cli("train", "--lake", lake, *FAST)
    return lake, summary


def model_dir(lake, summary):
    d = pathlib.Path(lake) / "models" / summary["model_id"]
    assert d.is_dir()
    return d


# The 91 numeric attributes of a window in ARFF order (../shared/wisdm/arffmagic-features.md,
# section 3: the 93 columns less ACTIVITY and class): the model's inputs.
ATTRIBUTES = ([f"{a}{i}" for a in "XYZ" for i in range(10)]
              + [f"{a}{k}" for k in ("AVG", "PEAK", "ABSOLDEV", "STANDDEV", "VAR") for a in "XYZ"]
              + [f"{a}MFCC{i}" for a in "XYZ" for i in range(13)]
              + ["XYCOS", "XZCOS", "YZCOS", "XYCOR", "XZCOR", "YZCOR", "RESULTANT"])


def stream_windows(lake, version, device, sensor):
    """(x, y, subject) of one stream's windows, read with pyarrow from the features version's
    Parquet files in path order (the order the trainer reads them in: a forest's bootstrap
    draws depend on the row order)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = (pathlib.Path(lake) / "features" / "_versions" / version / "windows" /
              f"device={device}" / f"sensor={sensor}")
    files = sorted(str(f) for f in folder.rglob("*.parquet"))
    assert files, folder
    t = pa.concat_tables([pq.read_table(f) for f in files])
    x = np.column_stack([t[c].to_numpy(zero_copy_only=False).astype(np.float64)
                         for c in ATTRIBUTES])
    y = np.asarray([str(v) for v in t["activity"].to_pylist()])
    return x, y, t["subject"].to_numpy().astype(np.int64)


def forest():
    """The model FAST asks for: a random forest of 60 trees, seed 7."""
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=60, random_state=7, n_jobs=2)


def test_generated_metrics_far_above_chance(generated_lake):
    lake, summary = generated_lake
    assert summary["ok"] and summary["status"] == "trained"
    metrics = json.loads((model_dir(lake, summary) / "metrics.json").read_text())
    assert set(metrics["combinations"]) == {
        "phone/accel", "phone/gyro", "watch/accel", "watch/gyro", "phone/accel+gyro",
        "watch/accel+gyro", "phone+watch/accel+gyro"}
    for combo, m in metrics["combinations"].items():
        assert len(m["activities"]) == 18, combo
        assert m["chance_uniform"] == pytest.approx(1 / 18)
        assert m["macro_f1"] > MIN_MACRO_F1, (combo, m["macro_f1"])
        assert m["accuracy"] > MIN_MACRO_F1, (combo, m["accuracy"])
        assert set(m["per_activity"]) == set(m["activities"])
        for a in m["per_activity"].values():
            assert {"precision", "recall", "f1", "support"} <= set(a)
        assert sum(a["support"] for a in m["per_activity"].values()) == m["windows"]


def test_fused_combinations_pair_concurrent_windows(generated_lake):
    lake, summary = generated_lake
    metrics = json.loads((model_dir(lake, summary) / "metrics.json").read_text())
    combos = metrics["combinations"]
    card = json.loads((model_dir(lake, summary) / "card.json").read_text())
    for device in ["phone", "watch"]:
        fused = combos[f"{device}/accel+gyro"]
        accel, gyro = combos[f"{device}/accel"], combos[f"{device}/gyro"]
        # Every pair is one accel and one gyro window; generated streams run at 20 Hz
        # on one clock, so nearly every window of the shorter stream finds its partner.
        pairing = fused["pairing"]
        assert pairing["pairs"] == fused["windows"]
        assert pairing["unpaired"] == {f"{device}/accel": accel["windows"] - fused["windows"],
                                       f"{device}/gyro": gyro["windows"] - fused["windows"]}
        assert fused["windows"] >= 0.9 * min(accel["windows"], gyro["windows"])
        assert fused["features"] == accel["features"] + gyro["features"] == 182
        names = card["combinations"][f"{device}/accel+gyro"]["features"]
        assert names[0] == f"{device}_accel.X0" and f"{device}_gyro.RESULTANT" in names
    everything = combos["phone+watch/accel+gyro"]
    assert everything["features"] == 364
    assert everything["windows"] <= min(combos["phone/accel+gyro"]["windows"],
                                        combos["watch/accel+gyro"]["windows"])
    # The generator's activities differ more on the watch and the gyro adds information:
    # fusing all four streams beats each single phone stream.
    assert everything["macro_f1"] > max(combos["phone/accel"]["macro_f1"],
                                        combos["phone/gyro"]["macro_f1"])


def test_split_is_subject_wise(generated_lake):
    lake, summary = generated_lake
    metrics = json.loads((model_dir(lake, summary) / "metrics.json").read_text())
    for combo, m in metrics["combinations"].items():
        tested = []
        for fold in m["folds"]:
            assert not set(fold["train_subjects"]) & set(fold["test_subjects"]), combo
            assert len(fold["train_subjects"]) + len(fold["test_subjects"]) == m["subjects"]
            tested += fold["test_subjects"]
        # Every subject is tested exactly once (out-of-fold predictions for every window).
        assert sorted(tested) == sorted(set(tested)) and len(tested) == m["subjects"] == 51


def test_reported_scores_are_on_held_out_subjects(generated_lake):
    """Each fold's reported accuracy, and the combination's accuracy and macro F1, are those of
    a model that never saw the scored subjects: recomputed here with scikit-learn from the
    windows (pyarrow) and the fold's subject lists, a forest fitted on the fold's training
    subjects only reproduces them exactly; one fitted on every subject scores differently."""
    import numpy as np
    from sklearn.metrics import f1_score

    lake, summary = generated_lake
    metrics = json.loads((model_dir(lake, summary) / "metrics.json").read_text())
    for device, sensor in [("phone", "accel"), ("phone", "gyro"), ("watch", "accel"),
                           ("watch", "gyro")]:
        m = metrics["combinations"][f"{device}/{sensor}"]
        _, _, subject = stream_windows(lake, summary["features_version"], device, sensor)
        assert m["windows"] == len(subject)
        for fold in m["folds"]:
            train, test = set(fold["train_subjects"]), set(fold["test_subjects"])
            assert not train & test and train | test == set(subject.tolist())
            assert fold["train_windows"] == int(np.isin(subject, list(train)).sum())
            assert fold["test_windows"] == int(np.isin(subject, list(test)).sum())

    x, y, subject = stream_windows(lake, summary["features_version"], "watch", "gyro")
    m = metrics["combinations"]["watch/gyro"]
    assert len(m["folds"]) == 3
    everyone = forest().fit(x, y)
    out_of_fold = np.empty_like(y)
    for fold in m["folds"]:
        held_out = np.isin(subject, fold["test_subjects"])
        trained = np.isin(subject, fold["train_subjects"])
        assert not (held_out & trained).any() and (held_out | trained).all()
        pred = forest().fit(x[trained], y[trained]).predict(x[held_out])
        out_of_fold[held_out] = pred
        correct = int((pred == y[held_out]).sum())
        assert fold["accuracy"] == pytest.approx(correct / held_out.sum(), rel=1e-12), fold
        seen = everyone.predict(x[held_out])
        # A model that saw these subjects would have scored them differently.
        assert float(np.mean(seen == y[held_out])) != fold["accuracy"], fold["fold"]
    present = sorted(set(y))
    assert m["accuracy"] == pytest.approx(float(np.mean(out_of_fold == y)), rel=1e-12)
    assert m["macro_f1"] == pytest.approx(
        f1_score(y, out_of_fold, labels=present, average="macro", zero_division=0), rel=1e-12)


def test_artifacts_reload_and_predict(generated_lake):
    import numpy as np

    from sensorlake.ml.train import load_model

    lake, summary = generated_lake
    d = model_dir(lake, summary)
    assert (d / "confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    card = json.loads((d / "card.json").read_text())
    assert card["versions"]["scikit-learn"] and card["features_version"] == \
        summary["features_version"]
    latest = json.loads((pathlib.Path(lake) / "models" / "_latest.json").read_text())
    assert latest["model_id"] == summary["model_id"]
    assert not list((pathlib.Path(lake) / "models").glob(".stage-*"))

    bundle = load_model(lake)
    entry = bundle["combinations"]["watch/gyro"]
    assert entry["features"] == card["combinations"]["watch/gyro"]["features"] == ATTRIBUTES
    x, y, _ = stream_windows(lake, summary["features_version"], "watch", "gyro")
    pred = entry["model"].predict(x)
    assert set(pred) <= set(entry["classes"]) == set(y)
    # The saved model is the final fit on all windows with the requested options: a forest
    # fitted here the same way predicts exactly the same labels.
    np.testing.assert_array_equal(pred, forest().fit(x, y).predict(x))


def test_the_default_model_is_lightgbm_and_its_card_says_so(generated_lake):
    """The default model (`--model lgbm`): the card and the metrics name the library and its
    version, the saved model is LightGBM's, its scores are far above chance, and it is
    another model id than the forest's of the same features."""
    import lightgbm
    import numpy as np

    from sensorlake.ml.train import load_model

    lake, forest_summary = generated_lake
    _, summary, _ = run_cli("train", "--lake", lake, "--folds", "3", "--seed", "7",
                            "--combinations", "watch/gyro,phone/accel")
    assert summary["options"]["model"] == "lgbm" and summary["options"]["trees"] == 60
    assert summary["model_id"] != forest_summary["model_id"]
    d = model_dir(lake, summary)
    card = json.loads((d / "card.json").read_text())
    library = {"name": "lightgbm", "version": lightgbm.__version__}
    assert card["library"] == library and card["versions"]["lightgbm"] == lightgbm.__version__
    assert json.loads((d / "metrics.json").read_text())["library"] == library
    forest_card = json.loads((model_dir(lake, forest_summary) / "card.json").read_text())
    assert forest_card["library"]["name"] == "scikit-learn"
    for combo, m in summary["combinations"].items():
        assert m["macro_f1"] > MIN_MACRO_F1, (combo, m)
    entry = load_model(lake, summary["model_id"])["combinations"]["watch/gyro"]
    assert isinstance(entry["model"], lightgbm.LGBMClassifier)
    x, y, _ = stream_windows(lake, summary["features_version"], "watch", "gyro")
    pred = entry["model"].predict(x.astype(np.float32))
    assert set(pred) <= set(entry["classes"]) == set(y)
    assert float(np.mean(pred == y)) > 0.9  # the final fit saw every one of these windows


def test_a_missing_lightgbm_is_not_implemented(generated_lake, tmp_path, monkeypatch):
    from sensorlake.ml import train

    lake, _ = generated_lake
    monkeypatch.setitem(sys.modules, "lightgbm", None)  # `import lightgbm` raises ImportError
    out = tmp_path / "summary.json"
    code = train.main(["--lake", str(lake), "--force", "--summary-json", str(out), "--quiet"])
    assert code == 10
    error = json.loads(out.read_text())["error"]
    assert error["code"] == "NotImplemented" and "lightgbm" in error["message"]
    assert "--model rf" in error["message"]


def test_same_input_same_model_id(generated_lake):
    lake, summary = generated_lake
    _, again, _ = run_cli("train", "--lake", lake, *FAST)
    assert again["model_id"] == summary["model_id"] and again["status"] == "unchanged"
    assert again["combinations"] == summary["combinations"]


def test_real_sample_figures(real_sample_lake):
    lake, _ = real_sample_lake
    run_cli("features", "--lake", lake)
    _, summary, _ = run_cli("train", "--lake", lake, *FAST)
    metrics = json.loads((model_dir(lake, summary) / "metrics.json").read_text())
    assert set(metrics["combinations"]) == {"phone/accel", "phone/gyro", "phone/accel+gyro"}
    assert metrics["skipped"] == {"watch/accel": "no windows", "watch/gyro": "no windows",
                                  "watch/accel+gyro": "no windows to pair",
                                  "phone+watch/accel+gyro": "no windows to pair"}
    # Real phone accel and gyro share the device clock: windows pair by time.
    fused = metrics["combinations"]["phone/accel+gyro"]
    assert fused["pairing"]["pairs"] > 0.5 * metrics["combinations"]["phone/gyro"]["windows"]
    for combo, m in metrics["combinations"].items():
        assert m["subjects"] == 13
        assert set(m["activities"]) <= {"A", "B", "C", "M"}
        # Few activities, few subjects: still well above the majority class.
        assert m["accuracy"] > m["chance_majority"] + 0.2, (combo, m)
        print(f"real sample {combo}: {m['windows']} windows, activities "
              f"{''.join(m['activities'])}: accuracy {m['accuracy']:.3f}, macro F1 "
              f"{m['macro_f1']:.3f}")
    # The attribute set of the WISDM papers: no MFCC, cosine or correlation.
    _, published, _ = run_cli("train", "--lake", lake, "--attributes", "published", *FAST)
    assert published["model_id"] != summary["model_id"]
    card = json.loads((model_dir(lake, published) / "card.json").read_text())
    names = card["combinations"]["phone/accel"]["features"]
    assert len(names) == 46 and not [n for n in names if "MFCC" in n or "CO" in n[2:]]


def test_no_features_is_a_clear_error(tmp_path):
    lake = tmp_path / "lake"
    lake.mkdir()
    code, summary, stderr = run_cli("train", "--lake", lake, check=False)
    assert code == 4
    assert summary["error"]["code"] == "NotFound"
    assert "sensorlake features" in summary["error"]["message"]
    code, summary, _ = run_cli("train", "--lake", tmp_path / "missing", check=False)
    assert code == 4 and "no lake" in summary["error"]["message"]


def test_unknown_features_version_is_not_found(generated_lake):
    lake, _ = generated_lake
    code, summary, _ = run_cli("train", "--lake", lake, "--features-version", "f-0000",
                               check=False)
    assert code == 4 and "f-0000" in summary["error"]["message"]


def test_unknown_combination_is_refused(generated_lake):
    lake, _ = generated_lake
    code, summary, err = run_cli("train", "--lake", lake, "--combinations", "phone/magnet",
                                 check=False)
    assert code == 3, err
    assert "phone/magnet" in err


def test_missing_interpreter_is_not_implemented(tmp_path):
    import subprocess

    from sensorlake_cli import sensorlake_bin

    env = dict(os.environ, SENSORLAKE_PYTHON=str(tmp_path / "no-python"))
    proc = subprocess.run([sensorlake_bin(), "train", "--lake", tmp_path], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 10
    assert "Python interpreter" in proc.stderr


def test_an_engine_without_its_python_module_says_so(tmp_path):
    """The trainer uses the engine's Lake (sensorlake._engine): a binary with no
    <build>/python beside it (here a copy in a bare folder, with the libraries it is linked
    with in ../lib as in the tarball) fails with NotImplemented, naming the module and where
    it comes from, and writes nothing into the lake."""
    import shutil
    import subprocess

    from sensorlake_cli import sensorlake_bin

    alone = tmp_path / "bin" / "sensorlake"
    alone.parent.mkdir()
    shutil.copy2(sensorlake_bin(), alone)
    (tmp_path / "lib").symlink_to(pathlib.Path(sensorlake_bin()).resolve().parents[1] / "lib")
    lake = tmp_path / "lake"
    lake.mkdir()
    proc = subprocess.run([str(alone), "train", "--lake", lake], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 10, proc.stderr
    assert "_engine" in proc.stderr and "make build" in proc.stderr, proc.stderr
    assert list(lake.iterdir()) == []
