"""s3:// lakes against a real S3-compatible server on loopback (versitygw, posix backend,
built by scripts/setup-s3-server.sh into .tools/): ingest -> transform -> check (and run)
on an S3 lake give what the same commands give on a local lake."""
import json
import pathlib
import sys

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pytest

from sensorlake_cli import REAL_SAMPLE, run_cli, trainer_python_path
from s3_server import s3_bucket

sys.path[:0] = trainer_python_path()

BUCKET = "lake-bucket"


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """A versitygw on 127.0.0.1:<free port> serving a temp folder, with one bucket; the
    AWS environment points the CLI at it. Yields (endpoint, pyarrow S3FileSystem)."""
    with s3_bucket(tmp_path_factory.mktemp("s3-root"), BUCKET) as (server, fs):
        yield server.endpoint, fs


def s3_uri(endpoint, name):
    return f"s3://{BUCKET}/{name}?endpoint_override={endpoint}&scheme=http"


def pipeline(lake, source):
    """ingest -> transform -> check; the three JSON summaries."""
    _, ingest, _ = run_cli("ingest", "--source", source, "--lake", lake)
    _, transform, _ = run_cli("transform", "--lake", lake)
    _, check, _ = run_cli("check", "--lake", lake)
    return ingest, transform, check


def local_files(folder: pathlib.Path):
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def s3_files(fs, folder):
    infos = fs.get_file_info(pafs.FileSelector(folder, recursive=True))
    out = {}
    for i in infos:
        if i.type == pafs.FileType.File:
            with fs.open_input_stream(i.path) as f:
                out[i.path[len(folder) + 1:]] = f.read()
    return out


def sorted_rows(dataset):
    t = dataset.to_table()
    t = t.select(sorted(t.column_names))
    t = pa.table({c: (t[c].cast(pa.string()) if pa.types.is_dictionary(t[c].type) else t[c])
                  for c in t.column_names})
    return t.sort_by([(c, "ascending") for c in t.column_names])


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("generated") / "wisdm"
    run_cli("generate", "--out", out, "--scale", "0.02", "--seed", "1")
    return out


@pytest.mark.parametrize("which", ["real-sample", "generated"])
def test_s3_lake_equals_local_lake(s3, tmp_path, which, request):
    endpoint, fs = s3
    source = REAL_SAMPLE if which == "real-sample" else request.getfixturevalue("generated")
    local = tmp_path / "lake"
    li, lt, lc = pipeline(local, source)
    si, st, sc = pipeline(s3_uri(endpoint, which), source)

    # The same versions, counts and verdicts.
    assert si["lake"] == f"s3://{BUCKET}/{which}"
    for key in ["version", "files", "bytes", "lines", "folder_lines", "content_sha256"]:
        assert si[key] == li[key], key
    for key in ["raw_version", "curated_version", "totals", "folders"]:
        assert _without_timings(st[key]) == _without_timings(lt[key]), key
    assert sc["curated_version"] == lc["curated_version"] == lt["curated_version"]
    assert sc["success"] == lc["success"] and sc["counts"] == lc["counts"]

    root = f"{BUCKET}/{which}"
    cid, rid = st["curated_version"], si["version"]
    # Pointers and completeness markers.
    assert json.loads(fs.open_input_stream(f"{root}/curated/_current.json").read()) == \
        {"version": cid, "path": f"_versions/{cid}"}
    assert json.loads(fs.open_input_stream(f"{root}/raw/wisdm/_latest.json").read())["version"] \
        == rid
    for manifest in [f"curated/_versions/{cid}/_manifest.json",
                     f"raw/wisdm/{rid}/_manifest.json", sc["result"]]:
        assert fs.get_file_info(f"{root}/{manifest}").type == pafs.FileType.File, manifest
    # Nothing left behind: no staging folders, no held locks.
    everything = [i.path for i in fs.get_file_info(pafs.FileSelector(root, recursive=True))]
    assert not [p for p in everything if "staging" in p]
    assert not [p for p in everything if "/_locks/" in p and p.endswith(".lock")]

    # The same objects as the local files; data files byte for byte (manifests hold timings).
    for zone in [f"curated/_versions/{cid}", f"raw/wisdm/{rid}"]:
        want, got = local_files(local / zone), s3_files(fs, f"{root}/{zone}")
        assert sorted(got) == sorted(want), zone
        for name in want:
            if not name.endswith("_manifest.json"):
                assert got[name] == want[name], f"{zone}/{name}"

    # And the same rows, read by pyarrow from S3 and from the local lake.
    part = f"curated/_versions/{cid}/sensor_readings"
    from_s3 = ds.dataset(f"{root}/{part}", filesystem=fs, format="parquet", partitioning="hive")
    from_local = ds.dataset(local / part, format="parquet", partitioning="hive")
    a, b = sorted_rows(from_s3), sorted_rows(from_local)
    assert a.num_rows == lt["totals"]["rows"] > 0
    assert a.equals(b)


def _without_timings(v):
    if isinstance(v, dict):
        return {k: _without_timings(x) for k, x in v.items() if k != "seconds"}
    if isinstance(v, list):
        return [_without_timings(x) for x in v]
    return v


@pytest.fixture(scope="module")
def run_lakes(s3, tmp_path_factory, generated):
    """`sensorlake run` on generated data into a local lake and an S3 lake:
    (local lake, its summary, S3 lake URI, its summary)."""
    endpoint, _ = s3
    local_lake = tmp_path_factory.mktemp("run") / "lake"
    _, local, _ = run_cli("run", "--source", generated, "--lake", local_lake)
    remote_lake = s3_uri(endpoint, "run")
    _, remote, _ = run_cli("run", "--source", generated, "--lake", remote_lake)
    return local_lake, local, remote_lake, remote


def test_run_on_s3_publishes_the_same_version(s3, run_lakes):
    _, fs = s3
    local_lake, local, _, remote = run_lakes
    assert local["outcome"] == remote["outcome"] == "succeeded"
    assert remote["record"].startswith(f"s3://{BUCKET}/run/_runs/")
    published = json.loads(fs.open_input_stream(f"{BUCKET}/run/curated/_published.json").read())
    assert published["version"] == json.loads(
        (local_lake / "curated" / "_published.json").read_text())["version"]


# Small and quick: a single and a fused combination, few trees. At scale 0.02 only phone
# accel (whose streams run up to 50 Hz) fills a 200-reading window; the fused watch
# combination is there to show a skipped combination is reported the same way on S3.
TRAIN = ("--combinations", "phone/accel,watch/accel+gyro", "--trees", "20", "--folds", "3",
         "--seed", "3")


def test_train_on_s3_equals_local(s3, run_lakes, monkeypatch):
    import numpy as np
    import pyarrow.parquet as pq

    from sensorlake.ml.train import load_model

    endpoint, fs = s3
    local_lake, _, remote_lake, _ = run_lakes
    _, here, _ = run_cli("train", "--lake", local_lake, *TRAIN)
    _, there, _ = run_cli("train", "--lake", remote_lake, *TRAIN)
    # The same features version and options: the same model id and the same figures.
    assert there["status"] == here["status"] == "trained"
    assert there["model_id"] == here["model_id"]
    assert there["combinations"] == here["combinations"]
    assert set(there["combinations"]) == {"phone/accel"}
    assert there["skipped"] == here["skipped"] == {"watch/accel+gyro": "no windows to pair"}
    assert there["path"] == f"s3://{BUCKET}/run/models/{there['model_id']}"

    folder = f"{BUCKET}/run/models/{there['model_id']}"
    names = {i.base_name for i in fs.get_file_info(pafs.FileSelector(folder))}
    assert names == {"model.joblib", "metrics.json", "confusion.png", "card.json"}
    card = json.loads(fs.open_input_stream(f"{folder}/card.json").read())
    assert card["lake"] == f"s3://{BUCKET}/run"  # no endpoint in what is recorded
    latest = json.loads(fs.open_input_stream(f"{BUCKET}/run/models/_latest.json").read())
    assert latest["model_id"] == there["model_id"]

    # The model read back from S3 predicts what the local one predicts.
    remote_model = load_model(remote_lake)["combinations"]["phone/accel"]
    local_model = load_model(local_lake)["combinations"]["phone/accel"]
    table = pq.read_table(local_lake / "features" / "windows" / "device=phone" /
                          "sensor=accel")
    x = np.column_stack([table[c].to_numpy(zero_copy_only=False)
                         for c in remote_model["features"]])
    assert (remote_model["model"].predict(x) == local_model["model"].predict(x)).all()
    # The endpoint may come from the environment instead of the URI, as for the engine.
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://{endpoint}")
    via_env = load_model(f"s3://{BUCKET}/run")["combinations"]["phone/accel"]
    assert (via_env["model"].predict(x) == local_model["model"].predict(x)).all()

    _, again, _ = run_cli("train", "--lake", remote_lake, *TRAIN)
    assert again["status"] == "unchanged" and again["model_id"] == there["model_id"]


def test_train_on_s3_refuses_a_bad_uri_and_a_missing_bucket(s3):
    endpoint, _ = s3
    code, summary, err = run_cli("train", "--lake", f"s3://no-such-bucket/x?endpoint_override="
                                 f"{endpoint}&scheme=http", check=False)
    assert code == 4, err
    assert "no-such-bucket" in summary["error"]["message"]
    code, summary, err = run_cli("train", "--lake", f"s3://{BUCKET}/x?colour=red", check=False)
    assert code == 3, err
    assert "colour" in summary["error"]["message"]


def test_a_held_lock_refuses_a_second_writer(s3, generated):
    endpoint, fs = s3
    lake = s3_uri(endpoint, "locked")
    run_cli("ingest", "--source", generated, "--lake", lake)
    holder = {"host": "another-host", "pid": 1, "purpose": "transform", "token": "x"}
    with fs.open_output_stream(f"{BUCKET}/locked/_locks/curated.lock") as f:
        f.write(json.dumps(holder).encode())
    code, _, err = run_cli("transform", "--lake", lake, check=False)
    assert code == 8, err  # busy
    assert "another-host" in err
    fs.delete_file(f"{BUCKET}/locked/_locks/curated.lock")
    run_cli("transform", "--lake", lake)


def test_missing_bucket_and_bad_uri_are_clear_errors(s3):
    endpoint, _ = s3
    code, _, err = run_cli("transform", "--lake", f"s3://no-such-bucket/x?endpoint_override="
                           f"{endpoint}&scheme=http", check=False)
    assert code == 4, err  # not found
    code, _, err = run_cli("transform", "--lake", "s3://b/x?colour=red", check=False)
    assert code == 3, err  # invalid


def upload(fs, local: pathlib.Path, key: str):
    with fs.open_output_stream(f"{BUCKET}/{key}") as f:
        f.write(local.read_bytes())


def test_ingest_from_an_s3_zip_or_prefix_equals_the_local_source(s3, tmp_path, generated):
    """`ingest --source s3://...`: an object is an archive, a prefix a folder; each lands the
    version its local twin lands, and the manifest names the S3 source (no query)."""
    import shutil

    endpoint, fs = s3
    archive = pathlib.Path(shutil.make_archive(str(tmp_path / "wisdm"), "zip",
                                               generated.parent, generated.name))
    upload(fs, archive, "sources/wisdm.zip")
    for p in sorted(generated.rglob("*")):
        if p.is_file():
            upload(fs, p, f"sources/folder/{p.relative_to(generated)}")
    cache = ["--cache-dir", tmp_path / "cache"]

    _, local_zip, _ = run_cli("ingest", "--source", archive, "--lake", tmp_path / "a", *cache)
    _, s3_zip, _ = run_cli("ingest", "--source", s3_uri(endpoint, "sources/wisdm.zip"),
                           "--lake", tmp_path / "b", *cache)
    assert s3_zip["source"] == {"kind": "s3", "location": f"s3://{BUCKET}/sources/wisdm.zip",
                                "archive_sha256": local_zip["source"]["archive_sha256"]}
    for key in ("version", "content_sha256", "files", "bytes", "lines"):
        assert s3_zip[key] == local_zip[key], key

    _, local_dir, _ = run_cli("ingest", "--source", generated, "--lake", tmp_path / "c", *cache)
    _, s3_dir, _ = run_cli("ingest", "--source", s3_uri(endpoint, "sources/folder"),
                           "--lake", tmp_path / "d", *cache)
    assert s3_dir["source"] == {"kind": "s3", "location": f"s3://{BUCKET}/sources/folder"}
    for key in ("version", "content_sha256", "files", "bytes", "lines"):
        assert s3_dir[key] == local_dir[key], key
    manifest = json.loads((tmp_path / "d" / s3_dir["manifest"]).read_text())
    assert manifest["source"]["kind"] == "s3"
    assert "endpoint" not in json.dumps(manifest["source"])
    # The copies in the cache are gone once the ingest is over.
    left = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert left == [], left


def test_ingest_from_s3_verifies_and_names_what_is_missing(s3, tmp_path, generated):
    import shutil

    endpoint, fs = s3
    archive = pathlib.Path(shutil.make_archive(str(tmp_path / "wisdm"), "zip",
                                               generated.parent, generated.name))
    upload(fs, archive, "checked/wisdm.zip")
    code, _, err = run_cli("ingest", "--source", s3_uri(endpoint, "checked/wisdm.zip"),
                           "--sha256", "0" * 64, "--lake", tmp_path / "a", check=False)
    assert code == 7, err  # corrupt: the archive is not the one expected
    assert "nothing was landed" in err and f"s3://{BUCKET}/checked/wisdm.zip" in err
    assert not (tmp_path / "a" / "raw" / "wisdm" / "_latest.json").exists()

    code, _, err = run_cli("ingest", "--source", s3_uri(endpoint, "checked/none.zip"),
                           "--lake", tmp_path / "b", check=False)
    assert code == 4, err
    assert f"s3://{BUCKET}/checked/none.zip does not exist" in err
    code, _, err = run_cli("ingest", "--source", f"s3://no-such-bucket/x.zip?endpoint_override="
                           f"{endpoint}&scheme=http", "--lake", tmp_path / "c", check=False)
    assert code == 4, err
    assert "no-such-bucket" in err
