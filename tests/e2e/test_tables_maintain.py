"""`sensorlake maintain` (docs/tables.md, "Maintenance"): snapshots expire with a retention,
stale audit branches go, and the version folders and metadata files nothing references any
more are removed; what main keeps stays readable, and nothing newer than the cutoff goes."""
import json

import pyarrow.dataset as ds
import pytest
from pyiceberg.catalog.sql import SqlCatalog

from sensorlake_cli import run_cli

TABLES = ("sensor_readings", "quarantine", "feature_windows")


def catalog_of(lake):
    return SqlCatalog("sensorlake", uri=f"sqlite:///{lake}/_catalog/catalog.db",
                      warehouse=f"file://{lake}")


def versions(lake, zone):
    return sorted(p.name for p in (lake / zone / "_versions").iterdir())


def tree(lake):
    return sorted(str(p.relative_to(lake)) for p in lake.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    """Three published versions, then one whose gate failed (left on its audit branch)."""
    root = tmp_path_factory.mktemp("maintain")
    lake = root / "lake"
    published = []
    for seed in (1, 2, 3):
        gen = root / f"gen-{seed}"
        run_cli("generate", "--out", gen, "--scale", "0.01", "--seed", seed)
        run_cli("run", "--lake", lake, "--source", gen, "--catalog", "lake")
        published.append(json.loads((lake / "_published.json").read_text()))
    faulty = root / "faulty"
    run_cli("generate", "--out", faulty, "--scale", "0.01", "--faults", "all", "--seed", 7)
    code, failed, _ = run_cli("run", "--lake", lake, "--source", faulty, "--catalog", "lake",
                              check=False)
    assert code == 1 and failed["failed_stage"] == "check"
    return lake, published, failed["versions"]["curated"]


def test_nothing_newer_than_the_cutoff_goes_and_a_dry_run_removes_nothing(lake):
    lake, published, _ = lake
    before = tree(lake)
    _, out, _ = run_cli("maintain", "--lake", lake, "--catalog", "lake", "--keep", "1",
                        "--older-than", "1d")
    assert out["versions_removed"] == []
    assert all(t["snapshots_expired"] == [] and t["branches_dropped"] == [] and
               t["metadata_files_removed"] == 0 for t in out["tables"].values())
    assert tree(lake) == before
    _, dry, _ = run_cli("maintain", "--lake", lake, "--catalog", "lake", "--keep", "2",
                        "--older-than", "0s", "--dry-run")
    assert dry["dry_run"] and dry["versions_removed"]
    assert dry["tables"]["sensor_readings"]["snapshots_expired"]
    assert tree(lake) == before


def test_maintain_expires_old_snapshots_and_removes_what_nothing_references(lake):
    lake, published, failed_version = lake
    curated_before = versions(lake, "curated")
    assert {p["curated_version"] for p in published} | {failed_version} <= set(curated_before)
    _, out, err = run_cli("maintain", "--lake", lake, "--catalog", "lake", "--keep", "2",
                          "--older-than", "0s")
    readings = out["tables"]["sensor_readings"]
    assert readings["branches_dropped"] == [f"audit-{failed_version}"], out
    assert readings["metadata_files_removed"] > 0
    cat = catalog_of(lake)
    table = cat.load_table("sensorlake.sensor_readings")
    kept = [s.snapshot_id for s in table.snapshots()]
    # main's newest two snapshots are left, and nothing else: the audit branch went with its
    # snapshot, and main is still the last publish.
    assert sorted(kept) == sorted(
        [published[1]["tables"]["tables"]["sensor_readings"]["snapshot_id"],
         published[2]["tables"]["tables"]["sensor_readings"]["snapshot_id"]])
    assert table.current_snapshot().snapshot_id == \
        published[2]["tables"]["tables"]["sensor_readings"]["snapshot_id"]
    assert "audit-" + failed_version not in table.metadata.refs
    # The first publish's versions went; the kept snapshots' versions and the current one
    # (the failed version: transform made it current) are still there.
    curated_after = versions(lake, "curated")
    assert published[0]["curated_version"] not in curated_after
    assert {published[1]["curated_version"], published[2]["curated_version"],
            failed_version} <= set(curated_after)
    assert published[0]["features_version"] not in versions(lake, "features")
    assert f"curated/_versions/{published[0]['curated_version']}" in out["versions_removed"]
    # Every snapshot left in every table reads back whole, with its version's rows.
    for name in TABLES:
        t = cat.load_table(f"sensorlake.{name}")
        for snap in t.snapshots():
            rows = t.scan(snapshot_id=snap.snapshot_id).to_arrow().num_rows
            assert rows == int(snap.summary.additional_properties["total-records"]), name
    second = cat.load_table("sensorlake.sensor_readings").scan(
        snapshot_id=published[1]["tables"]["tables"]["sensor_readings"]["snapshot_id"])
    assert second.to_arrow().num_rows == ds.dataset(
        lake / "curated" / "_versions" / published[1]["curated_version"] / "sensor_readings",
        partitioning="hive").count_rows()
    # Every file in a table's metadata folder is one the metadata references.
    for name in TABLES:
        t = cat.load_table(f"sensorlake.{name}")
        referenced = {t.metadata_location} | {e.metadata_file for e in t.metadata.metadata_log}
        for snap in t.snapshots():
            referenced.add(snap.manifest_list)
            referenced |= {m.manifest_path for m in snap.manifests(t.io)}
        on_disk = {f"file://{p}" for p in (lake / "tables" / name / "metadata").iterdir()}
        assert on_disk == referenced, name


def test_keep_zero_and_a_bad_duration_are_usage_errors(lake):
    lake, _, _ = lake
    for args in (["--keep", "0"], ["--older-than", "7w"]):
        code, _, err = run_cli("maintain", "--lake", lake, "--catalog", "lake", *args,
                               check=False)
        assert code != 0, args
        assert err.strip(), args


def test_tables_and_maintain_refuse_a_lake_without_a_catalog(lake):
    lake, _, _ = lake
    before = tree(lake)
    for command in ("tables", "maintain"):
        code, _, err = run_cli(command, "--lake", lake, "--catalog", "none", check=False)
        assert code != 0, command
        assert "has no catalog (--catalog none): name one with --catalog" in err, command
    assert tree(lake) == before
