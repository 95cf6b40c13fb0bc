"""Incremental runs (docs/tables.md, "Incremental runs"): a raw version that adds subjects
1630-1650 to a lake built from 1600-1629 transforms only the new files and commits one
Iceberg snapshot that appends their rows; a changed raw file replaces only its own rows;
and each result equals a full rebuild (--full, in another lake) row for row and byte for
byte. pyiceberg reads the tables."""
import json
import shutil

import pytest
from pyiceberg.catalog.sql import SqlCatalog

from sensorlake_cli import run_cli

FIRST = range(1600, 1630)
SORT = ["device", "sensor", "subject", "activity", "timestamp_ns", "x", "y", "z"]
CHANGED = "raw/phone/gyro/data_1605_gyro_phone.txt"
# One file per raw file in each: each commit changes only the files that changed.
TABLES = ("sensor_readings", "quarantine", "feature_windows")


def catalog_of(lake):
    return SqlCatalog("sensorlake", uri=f"sqlite:///{lake}/_catalog/catalog.db",
                      warehouse=f"file://{lake}")


def subjects_only(src, dst, subjects):
    """A copy of the generated source with the raw files of `subjects` only."""
    shutil.copytree(src, dst, ignore=lambda d, names: [
        n for n in names if n.startswith("data_") and int(n.split("_")[1]) not in subjects])
    return dst


def change_one_value(path):
    """The first reading's x changes: same lines, one different value."""
    lines = path.read_text().splitlines(keepends=True)
    fields = lines[0].split(",")
    fields[3] = str(float(fields[3]) + 1.0)
    lines[0] = ",".join(fields)
    path.write_text("".join(lines))


def stage_summary(lake, run, stage):
    record = json.loads((lake / "_runs" / f"{run['run_id']}.json").read_text())
    return next(s for s in record["stages"] if s["stage"] == stage)["summary"]


def transform_stage(lake, run):
    return stage_summary(lake, run, "transform")


def main_of(lake, table):
    return catalog_of(lake).load_table(f"sensorlake.{table}")


def rows(table, snapshot_id=None):
    t = table.scan(snapshot_id=snapshot_id).to_arrow()
    return sorted(zip(*(t.column(c).to_pylist() for c in SORT)))


def parquet_bytes(lake, version, zone="curated"):
    root = lake / zone / "_versions" / version
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.parquet"))}


def rebuild(tmp_path_factory, name, source):
    """A full rebuild of `source` in a lake of its own."""
    lake = tmp_path_factory.mktemp(name) / "lake"
    _, run, _ = run_cli("run", "--lake", lake, "--source", source, "--catalog", "lake", "--full")
    assert transform_stage(lake, run)["files_reused"] == 0
    return lake, run


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    every = root / "every"
    run_cli("generate", "--out", every, "--scale", "0.01")
    first = subjects_only(every, root / "first", FIRST)
    changed = subjects_only(every, root / "changed", range(1600, 1651))
    change_one_value(changed / CHANGED)
    lake = root / "lake"
    out = {"lake": lake, "every": every, "changed_source": changed}
    for name, source in [("first", first), ("added", every), ("changed", changed)]:
        _, run, _ = run_cli("run", "--lake", lake, "--source", source, "--catalog", "lake")
        assert run["outcome"] == "succeeded", run
        out[name] = run
        out[name + "_snapshot"] = {t: main_of(lake, t).current_snapshot() for t in TABLES}
    return out


def test_adding_subjects_transforms_only_their_files(runs):
    lake = runs["lake"]
    first, added = transform_stage(lake, runs["first"]), transform_stage(lake, runs["added"])
    assert (first["files_transformed"], first["files_reused"]) == (30 * 4, 0)
    assert (added["files_transformed"], added["files_reused"]) == (21 * 4, 30 * 4)
    assert added["base_version"] == first["curated_version"]
    # Only the new files were read: their bytes, not the whole raw version's.
    new_bytes = sum(p.stat().st_size for p in (runs["every"] / "raw").rglob("data_16[3-5]*"))
    assert sum(f["bytes_in"] for f in added["folders"]) == new_bytes


def test_the_added_subjects_are_one_append_snapshot(runs):
    lake = runs["lake"]
    for table in TABLES:
        before, after = runs["first_snapshot"][table], runs["added_snapshot"][table]
        props = after.summary.additional_properties
        assert after.summary.operation.value == "append", table
        assert after.parent_snapshot_id == before.snapshot_id
        assert int(props["added-data-files"]) == 21 * 4, table
        assert "deleted-data-files" not in props, table
        # The files of 1600-1629 stay registered where the first version wrote them.
        # inspect.files lists every data file, the empty quarantine files too (a scan
        # plans only files that may hold rows).
        files = set(main_of(lake, table).inspect.files(after.snapshot_id)["file_path"]
                    .to_pylist())
        zone = "features" if table == "feature_windows" else "curated"
        first_version = runs["first"]["versions"][zone]
        kept = [f for f in files if f"/{zone}/_versions/{first_version}/" in f]
        assert len(kept) == 30 * 4 and len(files) == 51 * 4, table


def test_the_incremental_result_equals_a_full_rebuild(runs, tmp_path_factory):
    lake = runs["lake"]
    other, run = rebuild(tmp_path_factory, "rebuild-every", runs["every"])
    assert run["versions"]["curated"] == runs["added"]["versions"]["curated"]
    snapshot = runs["added_snapshot"]["sensor_readings"].snapshot_id
    assert rows(main_of(lake, "sensor_readings"), snapshot) == \
        rows(main_of(other, "sensor_readings"))
    version = run["versions"]["curated"]
    assert parquet_bytes(lake, version) == parquet_bytes(other, version)
    # The features too: computed for the 84 new curated files only, the same bytes.
    features = stage_summary(lake, runs["added"], "features")
    assert (features["files_computed"], features["files_reused"]) == (21 * 4, 30 * 4)
    assert features["base_version"] == runs["first"]["versions"]["features"]
    version = run["versions"]["features"]
    assert version == runs["added"]["versions"]["features"]
    mine, theirs = (parquet_bytes(lake, version, "features"),
                    parquet_bytes(other, version, "features"))
    assert len(mine) == 51 * 4 and mine == theirs


def test_a_changed_file_replaces_only_its_rows(runs, tmp_path_factory):
    lake = runs["lake"]
    stage = transform_stage(lake, runs["changed"])
    assert (stage["files_transformed"], stage["files_reused"]) == (1, 51 * 4 - 1)
    features = stage_summary(lake, runs["changed"], "features")
    assert (features["files_computed"], features["files_reused"]) == (1, 51 * 4 - 1)
    for table in TABLES:
        before, after = runs["added_snapshot"][table], runs["changed_snapshot"][table]
        props = after.summary.additional_properties
        assert after.summary.operation.value == "overwrite", table
        assert after.parent_snapshot_id == before.snapshot_id
        assert (int(props["added-data-files"]), int(props["deleted-data-files"])) == (1, 1)
        assert props["total-records"] == before.summary.additional_properties["total-records"]
    table = main_of(lake, "sensor_readings")
    old = set(rows(table, runs["added_snapshot"]["sensor_readings"].snapshot_id))
    new = set(rows(table))
    # Exactly one reading differs, and it is the changed file's.
    assert len(old - new) == len(new - old) == 1
    (device, sensor, subject, *_), = new - old
    assert (device, sensor, subject) == ("phone", "gyro", 1605)
    other, _ = rebuild(tmp_path_factory, "rebuild-changed", runs["changed_source"])
    assert rows(table) == rows(main_of(other, "sensor_readings"))


def test_full_transforms_every_file(runs, tmp_path_factory):
    lake = tmp_path_factory.mktemp("full") / "lake"
    run_cli("run", "--lake", lake, "--source", runs["every"], "--catalog", "none")
    code, summary, _ = run_cli("transform", "--lake", lake, "--full")
    # The same raw version and rules: the version exists, a rebuild would be identical.
    assert code == 0 and summary["unchanged"] is True
    _, run, _ = run_cli("run", "--lake", lake, "--source", runs["changed_source"],
                        "--catalog", "none", "--full")
    stage = transform_stage(lake, run)
    assert (stage["files_transformed"], stage["files_reused"]) == (51 * 4, 0)
    assert stage["full_reason"] == "--full" and stage["base_version"] == ""
    features = stage_summary(lake, run, "features")
    assert (features["files_computed"], features["files_reused"]) == (51 * 4, 0)
    assert features["full_reason"] == "--full"


def test_reused_windows_equal_computed_ones(tmp_path_factory):
    """At scale 0.1 (blocks long enough for windows): adding subject 1650 computes its
    windows only, and the features version equals a --full rebuild's byte for byte."""
    root = tmp_path_factory.mktemp("windows")
    every = root / "every"
    run_cli("generate", "--out", every, "--scale", "0.1")
    first = subjects_only(every, root / "first", range(1600, 1650))
    lake, other = root / "lake", root / "other"
    run_cli("run", "--lake", lake, "--source", first, "--catalog", "none")
    _, run, _ = run_cli("run", "--lake", lake, "--source", every, "--catalog", "none")
    features = stage_summary(lake, run, "features")
    assert (features["files_computed"], features["files_reused"]) == (4, 50 * 4)
    assert features["windows"] > 0
    _, full, _ = run_cli("run", "--lake", other, "--source", every, "--catalog", "none", "--full")
    version = run["versions"]["features"]
    assert full["versions"]["features"] == version
    assert stage_summary(other, full, "features")["windows"] == features["windows"]
    assert parquet_bytes(lake, version, "features") == parquet_bytes(other, version, "features")
