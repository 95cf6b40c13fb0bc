"""The lake's Iceberg tables in the AWS Glue Data Catalog (`--catalog glue://sensorlake`),
against moto's server on 127.0.0.1 (a process of its own, like the engine's real endpoint
would be): `sensorlake run` creates the three tables as Iceberg tables in the database, and
a second run's publish fast-forwards main there. Read back with boto3's Glue client and
pyiceberg's GlueCatalog, which share no code with the engine's commits but pyiceberg itself.

Not provable here: moto's UpdateTable ignores VersionId (and SkipArchive), so Glue's
optimistic locking, which is what makes two writers safe (docs/tables.md, "Concurrency"),
is exercised only against real AWS."""
import json
import os
import subprocess
import sys
import time
import urllib.request

import boto3
import pyarrow.dataset as ds
import pytest
from pyiceberg.catalog.glue import GlueCatalog

from s3_server import AWS_OVERRIDES, free_port
from sensorlake_cli import run_cli

REGION = "eu-west-1"  # not us-east-1: shows the region reaches the engine's Glue client
DATABASE = "sensorlake"
TABLES = ["sensor_readings", "quarantine", "feature_windows"]


@pytest.fixture(scope="module")
def glue(tmp_path_factory):
    """moto's server, and the AWS variables of this process (which run_cli's engine
    inherits) pointing at it with dummy credentials; both undone afterwards."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                 "-p", str(port)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto did not start: {log_path.read_text()}")
                time.sleep(0.1)
        with pytest.MonkeyPatch.context() as mp:
            # boto3 reads AWS_DEFAULT_REGION, not AWS_REGION: with it unset, the engine's
            # catalog finds the region only if catalog.py passes AWS_REGION on.
            for name in [*AWS_OVERRIDES, "AWS_DEFAULT_REGION"]:
                mp.delenv(name, raising=False)
            mp.setenv("AWS_ACCESS_KEY_ID", "sensorlake-test")
            mp.setenv("AWS_SECRET_ACCESS_KEY", "sensorlake-test-secret")
            mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
            mp.setenv("AWS_REGION", REGION)
            mp.setenv("AWS_ENDPOINT_URL_GLUE", endpoint)
            yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def glue_tables(endpoint):
    client = boto3.client("glue", region_name=REGION, endpoint_url=endpoint)
    return {t["Name"]: t for t in client.get_tables(DatabaseName=DATABASE)["TableList"]}


def main_of(endpoint, name="sensor_readings"):
    catalog = GlueCatalog("sensorlake", **{"glue.region": REGION, "glue.endpoint": endpoint})
    return catalog.load_table(f"{DATABASE}.{name}")


def engine_dataset(lake, version):
    return ds.dataset(lake / f"curated/_versions/{version}/sensor_readings",
                      partitioning="hive")


def engine_rows(lake, version):
    return engine_dataset(lake, version).count_rows()


def engine_files(lake, version):
    return {"file://" + f for f in engine_dataset(lake, version).files}


def table_files(table, snapshot_id=None):
    """The data files of the snapshot (main's head by default)."""
    return {t.file.file_path for t in table.scan(snapshot_id=snapshot_id).plan_files()}


@pytest.fixture(scope="module")
def runs(glue, tmp_path_factory):
    """Two runs on one local lake with different generated data; what Glue held after
    each."""
    lake = tmp_path_factory.mktemp("glue-lake") / "lake"
    after = []
    for seed in ["1", "5"]:
        work = tmp_path_factory.mktemp(f"work-{seed}")
        run_cli("run", "--lake", lake, "--generate-scale", "0.01", "--seed", seed,
                "--work-dir", work, "--catalog", f"glue://{DATABASE}")
        table = main_of(glue)
        after.append({"published": json.loads((lake / "_published.json").read_text()),
                      "glue": glue_tables(glue), "table": table,
                      "main": table.current_snapshot(),
                      "rows": table.scan().to_arrow().num_rows, "files": table_files(table)})
    return lake, after


def test_the_run_creates_the_three_iceberg_tables_in_the_glue_database(glue, runs):
    lake, (first, _) = runs
    assert sorted(first["glue"]) == sorted(TABLES)
    for name, table in first["glue"].items():
        params = table["Parameters"]
        assert table["TableType"] == "EXTERNAL_TABLE", name
        assert params["table_type"] == "ICEBERG", name
        # The metadata is the lake's own, and the file Glue points at exists.
        location = params["metadata_location"]
        assert location.startswith(f"file://{lake}/tables/{name}/metadata/"), location
        assert os.path.isfile(location[len("file://"):]), location


def test_main_in_glue_is_the_published_version_with_the_engines_rows(runs):
    lake, (first, _) = runs
    version = first["published"]["curated_version"]
    main = first["main"]
    assert main.summary.additional_properties["sensorlake.curated-version"] == version
    assert str(main.snapshot_id) == \
        str(first["published"]["tables"]["tables"]["sensor_readings"]["snapshot_id"])
    assert first["rows"] == engine_rows(lake, version) > 0
    # The rows are those of the engine's own files of that version, registered in place.
    assert first["files"] == engine_files(lake, version)
    # Publish dropped the audit branch: main is the only ref.
    assert set(first["table"].metadata.refs) == {"main"}


def test_a_second_run_fast_forwards_main_in_glue(glue, runs):
    lake, (first, second) = runs
    old, new = first["published"]["curated_version"], second["published"]["curated_version"]
    assert new != old, "the second run's data should make a new curated version"
    for name in TABLES:
        assert second["glue"][name]["Parameters"]["metadata_location"] != \
            first["glue"][name]["Parameters"]["metadata_location"], name
    main = second["main"]
    assert main.summary.additional_properties["sensorlake.curated-version"] == new
    # The staged snapshot became main as it was (a fast-forward): its parent is the
    # previous main.
    assert main.parent_snapshot_id == first["main"].snapshot_id
    assert second["rows"] == engine_rows(lake, new) > 0
    # (Both seeds make as many rows: the files tell the versions apart.)
    assert second["files"] == engine_files(lake, new)
    assert not second["files"] & first["files"]
    # The first version is still readable from the table Glue now points at.
    table = main_of(glue)
    assert table_files(table, first["main"].snapshot_id) == engine_files(lake, old)
    features = main_of(glue, "feature_windows").current_snapshot()
    assert features.summary.additional_properties["sensorlake.features-version"] == \
        second["published"]["features_version"]
