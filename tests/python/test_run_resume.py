"""`sensorlake run` killed with SIGKILL in the middle of the transform: the lake keeps a
record that says so, and the next run resumes at the transform and completes."""
import json
import signal
import subprocess
import time

from conftest import run_cli, sensorlake_bin


def records(lake):
    out = []
    for p in sorted((lake / "_runs").glob("*.json")):
        try:
            out.append(json.loads(p.read_text()))
        except ValueError:
            pass  # being rewritten: atomic renames make this rare, never partial on disk
    return out


def test_a_killed_run_is_resumed_at_the_stage_it_was_in(tmp_path):
    gen, lake = tmp_path / "gen", tmp_path / "lake"
    run_cli("generate", "--out", gen, "--scale", "0.3", "--seed", "5")
    proc = subprocess.Popen([sensorlake_bin(), "-q", "run", "--lake", str(lake),
                             "--source", str(gen)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    killed_in = None
    while time.time() < deadline and proc.poll() is None:
        recs = records(lake) if (lake / "_runs").exists() else []
        if recs and recs[-1]["stages"][1]["status"] == "running":
            proc.send_signal(signal.SIGKILL)
            killed_in = "transform"
            break
        time.sleep(0.005)
    proc.wait()
    assert killed_in == "transform", "the run ended before the transform could be interrupted"
    killed = records(lake)[-1]
    assert killed["outcome"] == "running" and killed["stages"][0]["status"] == "completed"

    code, rec, stderr = run_cli("run", "--lake", lake, "--source", gen, check=False)
    assert code == 0, stderr
    assert rec["outcome"] == "succeeded"
    assert rec["resumed_from"] == killed["run_id"]
    assert [s["status"] for s in rec["stages"]] == ["skipped", "completed", "completed",
                                                    "completed", "completed"]
    assert rec["versions"]["raw"] == killed["versions"]["raw"]
    manifest = json.loads((lake / "curated" / "published" / "_manifest.json").read_text())
    assert manifest["totals"]["conserved"] is True
    assert manifest["curated_version"] == rec["versions"]["curated"]
