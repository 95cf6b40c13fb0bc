"""What a reader of the lake sees, for the tests that break things on purpose
(test_crash_safety.py, test_storage_faults.py): datasets read in a canonical order, and the
check that every pointer a reader may follow names a complete version."""
import hashlib
import json
import os
import shutil
from pathlib import Path

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


def in_a_version(rel):
    """Whether a lake file (path relative to the lake) lies inside a version folder: written
    once before its pointer is published, never opened for writing again."""
    parts = Path(rel).parts
    return "_versions" in parts or (len(parts) >= 4 and parts[0] == "raw")


def clone_lake(template, dest):
    """A lake to break on purpose, made from `template` in milliseconds: the files inside a
    version are hard links to the template's (the engine never writes a version's file
    twice), every other file (pointers, history, run records) a copy of its own. Pair with
    version_fingerprint: a write through a link would change the template, and shows there."""
    def link_or_copy(src, dst):
        if in_a_version(os.path.relpath(src, template)):
            os.link(src, dst)
        else:
            shutil.copy2(src, dst)
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(template, dest, symlinks=True, copy_function=link_or_copy)
    return dest


def version_fingerprint(lake):
    """SHA-256 of every file inside a version folder of `lake`, by path."""
    return {str(p.relative_to(lake)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(lake.rglob("*"))
            if p.is_file() and not p.is_symlink() and in_a_version(p.relative_to(lake))}


def same_files(a, b):
    """Whether two dataset folders hold the same files with the same bytes (a hard link of
    a file is the file). Equal bytes are equal rows; unequal bytes may still be equal rows,
    which read_dataset then decides."""
    def listing(root):
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    names = listing(a)
    if names != listing(b):
        return False
    for name in names:
        fa, fb = a / name, b / name
        if os.path.samefile(fa, fb):
            continue
        if fa.stat().st_size != fb.stat().st_size or fa.read_bytes() != fb.read_bytes():
            return False
    return True


def assert_same_dataset(got, want, what):
    """Two dataset folders hold the same rows: the same files byte for byte, or else the
    same rows in the canonical order."""
    if not same_files(got, want):
        assert read_dataset(got).equals(read_dataset(want)), f"{what} differ"


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
        named = set()
        for name in ("_current.json", "_published.json"):
            if (zone_dir / name).exists():
                named.add(json.loads((zone_dir / name).read_text())["version"])
        for link in ("current", "published"):
            if (zone_dir / link).is_symlink():
                named.add(os.path.basename(os.readlink(zone_dir / link)))
        for version in sorted(named):  # pointers often agree: each version checked once
            assert_complete(zone_dir, version)
    latest = lake / "raw" / "wisdm" / "_latest.json"
    if latest.exists():
        version = json.loads(latest.read_text())["version"]
        assert (lake / "raw" / "wisdm" / version / "_manifest.json").exists()
