"""The lake's Iceberg tables (docs/tables.md), read back by pyiceberg, an Iceberg reader the
engine does not share code with: every published version is a snapshot on main whose rows
are exactly the engine's; a failed gate leaves main where it was; two writers committing at
once both land, and a publish from a stale staging is refused, never lost."""
import json
import os
import subprocess

import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest
from pyiceberg.catalog.sql import SqlCatalog

from sensorlake_cli import REPO, run_cli, trainer_python_path

EXIT_REFUSED = 9  # docs/cli.md
SORT = ["device", "sensor", "subject", "activity", "timestamp_ns", "x", "y", "z"]


def generate(tmp_path_factory, name, *args):
    out = tmp_path_factory.mktemp(name)
    run_cli("generate", "--out", out, "--scale", "0.01", *args)
    return out


def catalog_of(lake):
    return SqlCatalog("sensorlake", uri=f"sqlite:///{lake}/_catalog/catalog.db",
                      warehouse=f"file://{lake}")


def engine_rows(lake, version, folder="curated/_versions/{}/sensor_readings"):
    """The rows the engine wrote, read as a hive-partitioned Parquet dataset."""
    return ds.dataset(lake / folder.format(version), partitioning="hive").to_table()


def as_plain(table, columns):
    """The rows as sorted tuples of plain Python values: dictionary vs string and int16 vs
    int32 columns compare equal."""
    return sorted(zip(*(table.column(c).to_pylist() for c in columns)))


def tables_module(lake, *args):
    """`python -m sensorlake.tables` as the engine runs it; returns (exit code, summary)."""
    summary = lake / f".tables-{os.getpid()}-{len(args)}-{args[0]}-{args[2]}.json"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(trainer_python_path()))
    proc = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "python"), "-m", "sensorlake.tables", "--lake", str(lake),
         "--catalog", "lake", *args, "--summary-json", str(summary)], env=env,
        stderr=subprocess.PIPE, text=True)
    return proc, summary


def finish(proc_summary):
    proc, summary = proc_summary
    _, err = proc.communicate(timeout=300)
    return proc.returncode, json.loads(summary.read_text()), err


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    """One clean run published through the lake's own catalog, then a faulty one whose gate
    fails."""
    root = tmp_path_factory.mktemp("tables")
    lake = root / "lake"
    clean = generate(tmp_path_factory, "clean")
    run_cli("run", "--lake", lake, "--source", clean, "--catalog", "lake")
    faulty = generate(tmp_path_factory, "faulty", "--faults", "all", "--seed", "7")
    code, failed_run, _ = run_cli("run", "--lake", lake, "--source", faulty, "--catalog", "lake",
                                  check=False)
    return lake, json.loads((lake / "_published.json").read_text()), code, failed_run


def test_each_table_reads_back_exactly_the_rows_the_engine_wrote(lake):
    lake, published, _, _ = lake
    cat = catalog_of(lake)
    readings = cat.load_table("sensorlake.sensor_readings").scan().to_arrow()
    mine = engine_rows(lake, published["curated_version"])
    assert readings.num_rows == mine.num_rows > 0
    assert as_plain(readings, SORT) == as_plain(mine, SORT)
    for name, folder, version in [
            ("quarantine", "curated/_versions/{}/quarantine", published["curated_version"]),
            ("feature_windows", "features/_versions/{}/windows", published["features_version"])]:
        theirs = cat.load_table(f"sensorlake.{name}").scan().to_arrow()
        mine = engine_rows(lake, version, folder)
        assert theirs.num_rows == mine.num_rows, name
        assert sorted(pc.unique(theirs["device"]).to_pylist()) == \
            sorted(pc.unique(mine["device"]).to_pylist())


def test_the_published_snapshot_names_its_versions_and_the_run_record_names_it(lake):
    lake, published, _, _ = lake
    table = catalog_of(lake).load_table("sensorlake.sensor_readings")
    snap = table.current_snapshot()
    props = snap.summary.additional_properties
    quality = json.loads((lake / "quality" / "runs" / published["quality_run"] /
                          "result.json").read_text())
    assert props["sensorlake.curated-version"] == published["curated_version"]
    assert props["sensorlake.quality-run"] == published["quality_run"]
    assert props["sensorlake.raw-version"] == quality["raw_version"]
    record = json.loads((lake / "_runs" / f"{published['run_id']}.json").read_text())
    assert props["sensorlake.version"] == record["versions"]["engine"]
    # feature_windows is committed by publish itself, which knows the run.
    features = catalog_of(lake).load_table("sensorlake.feature_windows").current_snapshot()
    assert features.summary.additional_properties["sensorlake.run-id"] == published["run_id"]
    assert features.summary.additional_properties["sensorlake.features-version"] == \
        published["features_version"]
    assert record["versions"]["snapshot"] == str(snap.snapshot_id)
    assert published["tables"]["tables"]["sensor_readings"]["snapshot_id"] == snap.snapshot_id
    _, runs, _ = run_cli("runs", "--lake", lake)
    by_id = {r["run_id"]: r for r in runs["runs"]}
    assert by_id[published["run_id"]]["snapshot"] == str(snap.snapshot_id)
    # The table's data files are the engine's own files, registered, not copies.
    files = {t.file.file_path for t in table.scan().plan_files()}
    assert files and all(f"/curated/_versions/{published['curated_version']}/" in f
                         for f in files)


def test_a_failed_gate_leaves_main_at_the_previous_snapshot(lake):
    lake, published, code, failed = lake
    assert code == 1 and failed["failed_stage"] == "check", failed
    staged_version = failed["versions"]["curated"]
    assert staged_version != published["curated_version"]
    table = catalog_of(lake).load_table("sensorlake.sensor_readings")
    main = table.current_snapshot()
    assert main.summary.additional_properties["sensorlake.curated-version"] == \
        published["curated_version"]
    # The audited snapshot exists, on its branch only; readers of main never see it.
    branch = table.metadata.refs[f"audit-{staged_version}"]
    assert str(branch.snapshot_id) == failed["versions"]["staged_snapshot"]
    assert branch.snapshot_id != main.snapshot_id
    staged = table.scan(snapshot_id=branch.snapshot_id).to_arrow()
    assert staged.num_rows == engine_rows(lake, staged_version).num_rows
    assert table.scan().to_arrow().num_rows == \
        engine_rows(lake, published["curated_version"]).num_rows
    # Publishing it by hand is refused by the gate; main still does not move.
    code, _, err = run_cli("publish", "--lake", lake, "--curated-version", staged_version,
                           "--catalog", "lake", check=False)
    assert code == EXIT_REFUSED, err
    assert catalog_of(lake).load_table("sensorlake.sensor_readings") \
        .current_snapshot().snapshot_id == main.snapshot_id


def test_two_writers_at_once_both_land_and_a_stale_publish_is_refused(lake, tmp_path_factory):
    lake, published, _, failed = lake
    # A third curated version, transformed but not yet checked.
    third = generate(tmp_path_factory, "third", "--seed", "11")
    run_cli("ingest", "--lake", lake, "--source", third)
    _, transformed, _ = run_cli("transform", "--lake", lake)
    versions = [failed["versions"]["curated"], transformed["curated_version"]]
    # Two processes stage at the same moment: the catalog's compare-and-swap makes one of
    # them retry; both snapshots must be there afterwards.
    writers = [tables_module(lake, "stage", "--curated-version", v) for v in versions]
    results = [finish(w) for w in writers]
    for code, summary, err in results:
        assert code == 0, (summary, err)
    table = catalog_of(lake).load_table("sensorlake.sensor_readings")
    for v, (_, summary, _) in zip(versions, results):
        staged = summary["tables"]["sensor_readings"]
        assert table.metadata.refs[f"audit-{v}"].snapshot_id == staged["snapshot_id"]
        assert staged["records"] == engine_rows(lake, v).num_rows
    before = table.current_snapshot().snapshot_id
    # Publish the second; the first was staged on the same main and is now stale.
    code, summary, err = finish(tables_module(lake, "publish", "--curated-version", versions[1]))
    assert code == 0, (summary, err)
    moved = catalog_of(lake).load_table("sensorlake.sensor_readings").current_snapshot()
    assert moved.snapshot_id == results[1][1]["tables"]["sensor_readings"]["snapshot_id"]
    assert moved.parent_snapshot_id == before
    code, summary, err = finish(tables_module(lake, "publish", "--curated-version", versions[0]))
    assert code != 0 and summary["error"]["code"] == "Refused", summary
    assert "main moved" in summary["error"]["message"]
    assert catalog_of(lake).load_table("sensorlake.sensor_readings") \
        .current_snapshot().snapshot_id == moved.snapshot_id


def test_tables_command_lists_refs_and_snapshots(lake):
    lake, published, _, _ = lake
    _, out, _ = run_cli("tables", "--lake", lake, "--catalog", "lake")
    readings = out["tables"]["sensor_readings"]
    main = catalog_of(lake).load_table("sensorlake.sensor_readings").current_snapshot()
    assert readings["refs"]["main"] == main.snapshot_id
    assert main.snapshot_id in [s["snapshot_id"] for s in readings["snapshots"]]
    assert set(out["tables"]) == {"sensor_readings", "quarantine", "feature_windows"}


def test_an_unknown_catalog_uri_is_a_usage_error_naming_the_forms(tmp_path):
    code, _, err = run_cli("tables", "--lake", tmp_path, "--catalog", "mysql://x", check=False)
    assert code != 0
    assert "glue://" in err and "sqlite:///" in err, err
