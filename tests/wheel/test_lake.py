"""sensorlake.Lake: the engine's lake in Python (docs/python.md), driven in the wheel's
interpreter. The same URI rules as the CLI (a file written by one is read by the other),
atomic writes, listing, publishing a folder with its marker, the lake's lock, and errors that
carry the engine's status code and the CLI's exit code."""
import json

from conftest import run_cli, run_py

LAKE = r"""
import json, os, sys, sensorlake
from sensorlake.constants import EXIT_CODE_BY_STATUS
root, stage = sys.argv[1], sys.argv[2]
lake = sensorlake.Lake("file://" + root)
out = {"uri": lake.uri, "local": lake.is_local, "display": lake.display_path("a/b.json")}
lake.write_atomic("models/_latest.json", '{"model_id": "m1"}')
lake.write_atomic("models/bin", bytes(range(256)))
out["pointer"] = lake.read_json("models/_latest.json")
out["bin_ok"] = lake.read_bytes("models/bin") == bytes(range(256))
out["first"] = lake.write_if_absent("models/once", "1")
out["second"] = lake.write_if_absent("models/once", "2")
out["once"] = lake.read_text("models/once")
for name in ("card.json", "model.joblib", "sub/metrics.json"):
    os.makedirs(os.path.dirname(os.path.join(stage, name)), exist_ok=True)
    open(os.path.join(stage, name), "w").write(name)
lake.write_atomic("models/m1/stale.txt", "old")
lake.publish_folder(stage, "models/m1", marker="card.json")
out["published"] = lake.list_files("models/m1")
out["json_only"] = lake.list_files("models", suffix=".json")
out["dirs"] = lake.list_dirs("models")
out["leftovers"] = sorted(os.listdir(os.path.join(root, "models")))
lake.move("models/m1", "models/m2")
out["moved"] = [lake.exists("models/m1"), lake.is_dir("models/m2")]
lake.delete_dir("models/m2")
lake.delete_dir("models/m2")  # missing: fine
errors = {}
def err(name, fn):
    try:
        fn()
    except sensorlake.EngineError as e:
        errors[name] = {"code": e.code, "exit_code": e.exit_code, "message": str(e),
                        "runtime_error": isinstance(e, RuntimeError),
                        "mapped": EXIT_CODE_BY_STATUS[e.code]}
err("missing", lambda: lake.read_bytes("models/none.json"))
err("scheme", lambda: sensorlake.Lake("ftp://host/lake"))
err("absent", lambda: sensorlake.Lake(root + "/absent", create=False))
out["absent_created"] = os.path.exists(root + "/absent")
with lake.lock("models", "test") as held:
    out["held"] = held.held
    err("busy", lambda: lake.lock("models", "second writer"))
out["released"] = not held.held
with lake.lock("models", "again"):
    pass
out["errors"] = errors
print(json.dumps(out))
"""


def test_lake_reads_writes_publishes_and_locks(tmp_path):
    root, stage = tmp_path / "lake", tmp_path / "stage"
    got = run_py(LAKE, root, stage)
    assert got["uri"] == f"file://{root}" and got["local"] is True
    assert got["display"] == f"{root}/a/b.json"
    assert got["pointer"] == {"model_id": "m1"} and got["bin_ok"] is True
    assert (got["first"], got["second"], got["once"]) == (True, False, "1")
    # The stage's files replaced the folder (stale.txt is gone); nothing staged is left over.
    assert got["published"] == [["card.json", 9], ["model.joblib", 12],
                                ["sub/metrics.json", 16]]
    assert got["json_only"] == [["_latest.json", 18], ["m1/card.json", 9],
                                ["m1/sub/metrics.json", 16]]
    assert got["dirs"] == ["m1"]
    assert got["leftovers"] == ["_latest.json", "bin", "m1", "once"]
    assert got["moved"] == [False, True]
    assert not (root / "models" / "m2").exists()
    assert got["held"] is True and got["released"] is True
    e = got["errors"]
    # A missing file is Arrow's I/O error to the engine (exit 6), as for every command.
    assert (e["missing"]["code"], e["missing"]["exit_code"]) == ("IOError", 6), e
    missing = e["missing"]["message"]
    assert missing.startswith("IOError: ") and "models/none.json" in missing, missing
    assert (e["scheme"]["code"], e["scheme"]["exit_code"]) == ("Invalid", 3), e
    assert "ftp://host/lake" in e["scheme"]["message"]
    # A reader's open (create=False) names the missing lake and leaves no folder behind.
    assert (e["absent"]["code"], e["absent"]["exit_code"]) == ("NotFound", 4), e
    assert f"no lake at {root}/absent" in e["absent"]["message"]
    assert got["absent_created"] is False
    assert (e["busy"]["code"], e["busy"]["exit_code"]) == ("Busy", 8), e
    assert all(x["runtime_error"] and x["mapped"] == x["exit_code"] for x in e.values())


def test_a_lake_written_from_python_is_the_cli_lake(tmp_path, generated):
    """The URI means the same to both: what the CLI ingested, Python lists and reads."""
    lake = tmp_path / "lake"
    ingested = run_cli("ingest", "--source", generated, "--lake", f"file://{lake}")
    got = run_py(r"""
import json, sys, sensorlake
lake = sensorlake.Lake(sys.argv[1])
v = sys.argv[2]
print(json.dumps({"versions": lake.list_dirs("raw/wisdm"),
                  "manifest": lake.read_json(f"raw/wisdm/{v}/_manifest.json")["version"]}))
""", lake, ingested["version"])
    assert ingested["version"] in got["versions"]
    assert got["manifest"] == ingested["version"]


def test_package_constants_are_the_engines(tmp_path):
    """sensorlake.constants (generated by scripts/gen_constants.py) as the installed wheel
    has it, against `sensorlake --json constants`."""
    engine = run_cli("constants")
    got = run_py(r"""
import json, sensorlake
c = sensorlake.constants
print(json.dumps({"exit": {str(k): v for k, v in c.EXIT_NAMES.items()},
                  "activities": c.ACTIVITIES, "stages": list(c.STAGES),
                  "transient": sorted(c.TRANSIENT_EXIT_CODES)}))
""")
    assert got["exit"] == {str(e["code"]): e["name"] for e in engine["exit_codes"]}
    assert got["activities"] == {a["code"]: a["name"] for a in engine["activities"]}
    assert got["stages"] == engine["stages"]
    assert got["transient"] == sorted(e["code"] for e in engine["exit_codes"] if e["transient"])
    assert json.dumps(got)  # plain data
