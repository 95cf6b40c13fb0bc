"""The installed wheel: shares pyarrow's libarrow, hands tables over without a copy, and its
distributed transform (tasks + commit) equals `sensorlake transform` row for row."""
import json
import pathlib
import re
import subprocess
import zipfile

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from conftest import REPO, expected_check_exit, run_cli, run_py

# Runs tasks over the raw files the way the Spark job does: attempt-scoped prefixes, a
# failed attempt and a speculative duplicate left behind, only accepted attempts committed.
DISTRIBUTED = r"""
import json, sys, sensorlake
lake, n_tasks = sys.argv[1], int(sys.argv[2])
listing = sensorlake.list_raw_files(lake)
paths = [f["path"] for f in listing["files"]]
accepted, prefixes = [], []
for t in range(n_tasks):
    mine = paths[t::n_tasks]
    if t == 0:
        # attempt 0 fails half-way (a file that is not in the manifest): nothing committed
        try:
            sensorlake.transform_files(lake, listing["raw_version"], mine + ["raw/nope.txt"],
                                       f"_staging/run/task-{t}-attempt-0", f"{t}-0")
            raise SystemExit("attempt 0 should have failed")
        except sensorlake.EngineError:
            pass
    if t == 1:
        # a speculative attempt that finishes but loses: its parts stay unpublished
        sensorlake.transform_files(lake, listing["raw_version"], mine,
                                   f"_staging/run/task-{t}-attempt-9", f"{t}-9")
    prefix = f"_staging/run/task-{t}-attempt-1"
    accepted.append(sensorlake.transform_files(lake, listing["raw_version"], mine, prefix,
                                               f"{t}-1", threads=2))
    prefixes.append(prefix)
summary = sensorlake.commit_transform(lake, listing["raw_version"], accepted, prefixes)
print(json.dumps(summary))
"""


def wheel_file() -> pathlib.Path:
    wheels = sorted((REPO / "dist").glob("sensorlake-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_ships_no_arrow_and_pins_pyarrow():
    with zipfile.ZipFile(wheel_file()) as z:
        names = z.namelist()
        metadata = next(z.read(n).decode() for n in names if n.endswith("METADATA"))
    assert not [n for n in names if "libarrow" in n or "libparquet" in n], names
    assert any(n.startswith("sensorlake/_engine") and n.endswith(".so") for n in names)
    assert "Requires-Dist: pyarrow==26.0.1" in metadata
    # make dist's wheel: repaired for manylinux_2_28, the trainer inside as sensorlake.ml.
    assert wheel_file().name.endswith("-cp311-cp311-manylinux_2_28_x86_64.whl")
    assert "sensorlake/ml/train.py" in names and "sensorlake/ml/fusion.py" in names
    assert any(n.startswith("sensorlake.libs/libcurl") for n in names), names
    assert 'Requires-Dist: scikit-learn==1.9.1; extra == "ml"' in metadata
    assert 'Requires-Dist: lightgbm==4.7.0; extra == "ml"' in metadata  # the default model
    # The Iceberg commits the engine runs: sensorlake.tables, pyiceberg as the tables extra.
    assert "sensorlake/tables/commit.py" in names
    assert 'Requires-Dist: pyiceberg[glue,pyarrow,sql-sqlite]==0.12.0; extra == "tables"' \
        in metadata


def test_trainer_is_importable_from_the_installed_package():
    got = run_py(r"""
import importlib.util, json
spec = importlib.util.find_spec("sensorlake.ml.train")
print(json.dumps({"origin": spec.origin}))
""")
    assert got["origin"].endswith("site-packages/sensorlake/ml/train.py"), got


def test_module_runs_with_pyarrows_libarrow():
    got = run_py(r"""
import json, os, pyarrow, sensorlake
maps = {l.split()[-1] for l in open("/proc/self/maps") if "libarrow.so" in l}
print(json.dumps({"engine": os.path.realpath(sensorlake.arrow_library_path()),
                  "pyarrow_dir": os.path.realpath(pyarrow.get_library_dirs()[0]),
                  "mapped": sorted(os.path.realpath(m) for m in maps),
                  "version": sensorlake.__version__,
                  "arrow": sensorlake._engine.arrow_version(), "pa": pyarrow.__version__}))
""")
    assert got["engine"] == str(pathlib.Path(got["pyarrow_dir"]) / "libarrow.so.2600")
    assert got["mapped"] == [got["engine"]]  # one libarrow in the process: pyarrow's
    assert "build/wheel-venv" in got["engine"]  # the clean venv's pyarrow, not .venv's
    assert got["version"] == "0.1.0"
    assert got["arrow"] == got["pa"] == "26.0.1"


def test_distributed_transform_equals_the_cli(tmp_path, generated, ingested_lake):
    cli_lake = tmp_path / "cli-lake"
    run_cli("ingest", "--source", generated, "--lake", cli_lake)
    want = run_cli("transform", "--lake", cli_lake, "--threads", "2")
    got = run_py(DISTRIBUTED, ingested_lake, 4)

    def stable(s):
        # Timings differ; `ok`/`command` come from the CLI's wrapper; bytes_out too: the
        # tasks write more, smaller parts (each with its own footer) than one node does;
        # full_reason says why every file was transformed, which differs by design.
        s = {k: v for k, v in s.items() if k not in ("seconds", "ok", "command", "full_reason")}
        s["folders"] = [{k: v for k, v in f.items() if k not in ("seconds", "bytes_out")}
                        for f in s["folders"]]
        return s

    assert stable(got) == stable(want)
    assert got["totals"]["quarantined"] > 0 and got["totals"]["duplicates_dropped"] > 0
    for dataset, keys in (("sensor_readings", ["device", "sensor", "subject", "activity",
                                               "timestamp_ns", "x", "y", "z"]),
                          ("quarantine", ["device", "sensor", "file", "line"])):
        tables = [ds.dataset(lake / "curated" / dataset, partitioning="hive").to_table()
                  for lake in (ingested_lake, cli_lake)]
        tables = [t.cast(pa.schema([f.with_type(f.type.value_type)
                                    if pa.types.is_dictionary(f.type) else f for f in t.schema]))
                  .sort_by([(k, "ascending") for k in keys]) for t in tables]
        assert tables[0].num_rows > 0
        assert tables[0].equals(tables[1]), dataset
    # Only the accepted attempts' parts are published.
    parts = sorted(p.name for p in
                   (ingested_lake / "curated" / "sensor_readings").rglob("*.parquet"))
    assert parts and all("-1-" in p for p in parts), parts
    # The curated version is what `check` and `features` read, unchanged.
    check = subprocess.run([str(REPO / "build/release/src/sensorlake"), "check", "--lake",
                            str(ingested_lake)], capture_output=True, text=True)
    # 1 here: the injected scaled block and copied stream fail rules of severity error.
    assert expected_check_exit(generated) == 1
    assert check.returncode == 1, check.stderr
    run_cli("features", "--lake", ingested_lake)


def test_read_curated_hands_the_engines_buffers_to_pyarrow(ingested_lake):
    run_cli("transform", "--lake", ingested_lake)
    got = run_py(r"""
import json, sys, pyarrow as pa, sensorlake
capsule, log = sensorlake._engine.read_curated_recorded(sys.argv[1], "", None, "", "")
table = pa.RecordBatchReader._import_from_c_capsule(capsule).read_all()
mine = [c.buffers()[1].address for c in table.column("x").chunks]
one = sensorlake.read_curated(sys.argv[1], subject=1605, device="watch", sensor="gyro")
print(json.dumps({"engine": list(log.addresses), "pyarrow": mine, "rows": table.num_rows,
                  "one": one.num_rows, "subjects": sorted(set(one.column("subject").to_pylist())),
                  "devices": sorted(set(one.column("device").to_pylist())),
                  "columns": table.schema.names}))
""", ingested_lake)
    assert len(got["engine"]) > 50
    assert got["pyarrow"] == got["engine"]  # the very buffers the engine filled
    manifest = json.loads(next((ingested_lake / "curated" / "_versions").glob("c-*/_manifest.json"))
                          .read_text())
    assert got["rows"] == manifest["totals"]["rows"]
    assert got["one"] > 0 and got["subjects"] == [1605] and got["devices"] == ["watch"]
    assert got["columns"][-2:] == ["device", "sensor"]


def test_manifests_and_run_records(tmp_path):
    lake = tmp_path / "lake"
    for _ in range(2):
        # Clean generated data: every stage succeeds and the quality gate passes (exit 0).
        proc = subprocess.run([str(REPO / "build/release/src/sensorlake"), "-q", "run",
                               "--lake", str(lake), "--generate-scale", "0.002"],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr
    got = run_py(r"""
import json, sys, sensorlake
records = sensorlake.read_run_records(sys.argv[1])
current = json.load(open(sys.argv[1] + "/curated/_current.json"))["version"]
m = sensorlake.read_manifest(sys.argv[1], f"curated/_versions/{current}/_manifest.json")
print(json.dumps({"runs": [r["run_id"] for r in records],
                  "started": [r["started_at"] for r in records],
                  "format": m["format"], "files": len(m["files"])}))
""", lake)
    files = sorted(p.stem for p in (lake / "_runs").glob("*.json"))
    assert sorted(got["runs"]) == files and len(files) == 2
    assert got["started"] == sorted(got["started"], reverse=True)
    assert got["format"] == "sensorlake.curated-manifest/1" and got["files"] > 0


FAULTS = r"""
import json, os, sys, sensorlake
lake = sys.argv[1]
listing = sensorlake.list_raw_files(lake)
v, paths = listing["raw_version"], [f["path"] for f in listing["files"]]
out = {"raw_version": v, "paths": paths}
def err(fn):
    try:
        fn()
    except Exception as e:
        return {"type": type(e).__name__, "runtime_error": isinstance(e, RuntimeError),
                "message": str(e)}
    return None
out["unknown"] = err(lambda: sensorlake.transform_files(
    lake, v, ["raw/phone/accel/data_1999_accel_phone.txt"], "_s/u", "u"))
a = sensorlake.transform_files(lake, v, paths[:100], "_s/a", "a")
b = sensorlake.transform_files(lake, v, paths[100:], "_s/b", "b")
out["not_empty"] = err(lambda: sensorlake.transform_files(lake, v, paths[:1], "_s/a", "a2"))
out["missing"] = err(lambda: sensorlake.commit_transform(lake, v, [a], ["_s/a"]))
c = sensorlake.transform_files(lake, v, paths[99:101], "_s/c", "c")
out["twice"] = err(lambda: sensorlake.commit_transform(
    lake, v, [a, b, c], ["_s/a", "_s/b", "_s/c"]))
raw = os.path.join(lake, "raw/wisdm", v, paths[7])
data = bytearray(open(raw, "rb").read()); data[-3] ^= 1; open(raw, "wb").write(bytes(data))
out["modified"] = err(lambda: sensorlake.transform_files(lake, v, paths[7:8], "_s/m", "m"))
out["ok"] = sensorlake.commit_transform(lake, v, [a, b], ["_s/a", "_s/b"])["totals"]["conserved"]
print(json.dumps(out))
"""


def test_fault_cases_are_clear_errors(ingested_lake):
    got = run_py(FAULTS, ingested_lake)
    v, paths = got["raw_version"], got["paths"]
    # docs/python.md: every failure raises sensorlake.EngineError (a RuntimeError) whose
    # message starts with the status code and names the file and the reason.
    for case, code in (("unknown", "NotFound"), ("not_empty", "AlreadyExists"),
                       ("missing", "Invalid"), ("twice", "Invalid"), ("modified", "Corrupt")):
        e = got[case]
        assert e is not None, f"{case}: no error raised"
        assert (e["type"], e["runtime_error"]) == ("EngineError", True), (case, e)
        assert e["message"].startswith(f"{code}: "), (case, e["message"])
    unknown = got["unknown"]["message"]
    assert "raw/phone/accel/data_1999_accel_phone.txt" in unknown, unknown
    assert f"not in the manifest of raw version {v}" in unknown, unknown
    not_empty = got["not_empty"]["message"]
    assert "_s/a" in not_empty and "already holds" in not_empty, not_empty  # the prefix, why
    # Task a covered paths[:100]: the commit names the rest as missing, in listing order,
    # five by name and the count of the others.
    missing = got["missing"]["message"]
    assert f"the raw sensor files of version {v} exactly once" in missing, missing
    match = re.search(r" (\d+) missing: (.*?)(?:, \.\.\. \((\d+) more\))?(?:;|$)", missing)
    assert match, missing
    listed = match.group(2).split(", ")
    assert int(match.group(1)) == len(paths) - 100
    assert listed == paths[100:100 + len(listed)]
    assert int(match.group(3) or 0) == len(paths) - 100 - len(listed)
    # Task c repeated paths[99] (also in a) and paths[100] (also in b).
    twice = got["twice"]["message"]
    assert " 2 in more than one task: " in twice, twice
    assert f"{paths[99]} (tasks a, c)" in twice and f"{paths[100]} (tasks b, c)" in twice, twice
    modified = got["modified"]["message"]
    assert paths[7] in modified and "checksum mismatch" in modified, modified
    assert got["ok"] is True  # the failed commits left the accepted parts in place


def test_config_path_is_applied_and_must_match_at_commit(tmp_path, ingested_lake):
    config = tmp_path / "transform.toml"
    config.write_text("[parquet]\ncompression = \"snappy\"\n")
    got = run_py(r"""
import json, sys, sensorlake
lake, config = sys.argv[1], sys.argv[2]
listing = sensorlake.list_raw_files(lake)
v, paths = listing["raw_version"], [f["path"] for f in listing["files"]]
m = sensorlake.transform_files(lake, v, paths, "_s/all", "all", config_path=config, threads=2)
out = {"origin": m["config_origin"]}
try:
    sensorlake.commit_transform(lake, v, [m], ["_s/all"])
except sensorlake.EngineError as e:
    out["default"] = str(e)
s = sensorlake.commit_transform(lake, v, [m], ["_s/all"], config_path=config)
out["manifest"] = sensorlake.read_manifest(lake, s["manifest"])["config"]
print(json.dumps(out))
""", ingested_lake, config)
    assert got["origin"] == str(config)
    assert "made with another transform config" in got["default"]
    assert got["manifest"]["compression"] == "snappy"
    part = next((ingested_lake / "curated" / "sensor_readings").rglob("*.parquet"))
    assert pq.ParquetFile(part).metadata.row_group(0).column(3).compression == "SNAPPY"


def test_openssl_users_imported_after_the_engine_do_not_crash():
    # pyarrow's libparquet exports its bundled OpenSSL's symbols; hashlib or ssl loaded after
    # the engine used to bind to them and segfault (the package now loads hashlib first).
    got = run_py(r"""
import json, sensorlake, hashlib, ssl
print(json.dumps({"sha": hashlib.sha256(b"x").hexdigest()[:8], "ssl": ssl.OPENSSL_VERSION}))
""")
    assert got["sha"] == "2d711642"
    assert got["ssl"].startswith("OpenSSL")
