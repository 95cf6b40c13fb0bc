"""What a reader of the lake sees, for the tests that break things on purpose
(test_crash_safety.py, test_storage_faults.py): datasets read in a canonical order, and the
check that every pointer a reader may follow names a complete version."""
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq

SORT_KEYS = [("device", "ascending"), ("sensor", "ascending"), ("subject", "ascending"),
             ("timestamp_ns", "ascending"), ("block", "ascending"), ("sample", "ascending")]


def read_dataset(path):
    """Every row of a hive-partitioned dataset, in a canonical order."""
    return canonical(pq.read_table(path, partitioning="hive"))


def canonical(table):
    """Dictionary columns decoded, rows sorted by the curated keys, then by every column."""
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, field.name,
                                     table.column(i).cast(field.type.value_type))
    keys = [k for k in SORT_KEYS if k[0] in table.column_names]
    return table.sort_by(keys + [(c, "ascending") for c in table.column_names
                                 if c not in dict(keys)])


def assert_complete(zone_dir, version):
    """A version a pointer names is complete: manifest present, every output present with
    the row count the manifest records, every Parquet footer readable."""
    root = zone_dir / "_versions" / version
    manifest_path = root / "_manifest.json"
    assert manifest_path.exists(), f"{zone_dir.name}: pointer names {version} without a manifest"
    manifest = json.loads(manifest_path.read_text())
    for out in manifest.get("outputs", []):
        f = root / out["path"]
        assert f.exists(), f"{version}: {out['path']} listed in the manifest is missing"
        assert pq.read_metadata(f).num_rows == out["rows"], f"{version}: {out['path']} rows"


def assert_reader_view_consistent(lake):
    """Every pointer a reader may follow names a complete version."""
    for zone in ("curated", "features"):
        zone_dir = lake / zone
        for name in ("_current.json", "_published.json"):
            if (zone_dir / name).exists():
                assert_complete(zone_dir, json.loads((zone_dir / name).read_text())["version"])
        for link in ("current", "published"):
            if (zone_dir / link).is_symlink():
                assert_complete(zone_dir, os.path.basename(os.readlink(zone_dir / link)))
    latest = lake / "raw" / "wisdm" / "_latest.json"
    if latest.exists():
        version = json.loads(latest.read_text())["version"]
        assert (lake / "raw" / "wisdm" / version / "_manifest.json").exists()
