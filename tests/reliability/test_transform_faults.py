"""The transform against the generator's ground truth: every injected defect is caught
where faults.jsonl says, with the reason it names, and every line is accounted for."""
import collections
import json

import pyarrow.dataset as ds
import pytest

from sensorlake_cli import run_cli


@pytest.fixture(scope="module")
def faulty_lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("faulty")
    data, lake = root / "data", root / "lake"
    run_cli("generate", "--out", data, "--scale", "0.05", "--seed", "7", "--faults", "all")
    run_cli("ingest", "--source", data, "--lake", lake)
    _, summary, _ = run_cli("transform", "--lake", lake)
    faults = [json.loads(line) for line in (data / "faults.jsonl").read_text().splitlines()]
    quarantine = ds.dataset(lake / "curated" / "quarantine", format="parquet",
                            partitioning="hive").to_table().to_pylist()
    manifest = json.loads((lake / "curated" / "current" / "_manifest.json").read_text())
    return faults, quarantine, manifest, summary


def test_every_quarantine_fault_is_quarantined_with_its_reason(faulty_lake):
    faults, quarantine, _, _ = faulty_lake
    got = {(q["file"], q["line"]): str(q["reason"]) for q in quarantine}
    expected = {}
    for f in faults:
        if f["expect"] == "quarantine":
            for line in f["lines"]:
                expected[(f["file"], line)] = f["reason"]
    assert len(expected) > 100
    missing = {k: v for k, v in expected.items() if got.get(k) != v}
    assert missing == {}
    # Nothing quarantined that the ground truth does not name.
    assert set(got) == set(expected)


def test_quarantine_rows_keep_the_raw_text(faulty_lake):
    faults, quarantine, _, _ = faulty_lake
    by_line = {(q["file"], q["line"]): q for q in quarantine}
    checked = 0
    for f in faults:
        if f["expect"] == "quarantine" and f.get("text") and len(f["lines"]) == 1:
            assert by_line[(f["file"], f["line"])]["raw_text"] == f["text"].rstrip("\r\n")
            checked += 1
    assert checked > 50


def test_duplicates_and_reordering_are_counted_per_file(faulty_lake):
    faults, _, manifest, _ = faulty_lake
    want_dups = collections.Counter(f["file"] for f in faults if f["expect"] == "drop_duplicate")
    want_reorder = collections.Counter(f["file"] for f in faults if f["expect"] == "reorder")
    files = {f["path"]: f for f in manifest["files"]}
    assert sum(want_dups.values()) > 0 and sum(want_reorder.values()) > 0
    for path, n in want_dups.items():
        assert files[path]["duplicates_dropped"] == n, path
    for path, n in want_reorder.items():
        assert files[path]["reordered"] == n, path
    assert sum(f["duplicates_dropped"] for f in files.values()) == sum(want_dups.values())


def test_every_line_of_every_file_is_accounted_for(faulty_lake):
    _, _, manifest, summary = faulty_lake
    for f in manifest["files"]:
        assert f["lines"] == f["manifest_lines"]
        assert f["lines"] == f["rows"] + f["quarantined"] + f["duplicates_dropped"], f["path"]
    t = summary["totals"]
    assert t["conserved"] and t["lines"] == t["rows"] + t["quarantined"] + t["duplicates_dropped"]


def test_crlf_file_is_accepted_whole(faulty_lake):
    faults, quarantine, manifest, _ = faulty_lake
    crlf = [f["file"] for f in faults if f["kind"] == "crlf"]
    assert crlf
    files = {f["path"]: f for f in manifest["files"]}
    for path in crlf:
        assert files[path]["quarantined"] == sum(
            1 for q in quarantine if q["file"] == path)  # only its injected line faults
        assert files[path]["rows"] > 0
