"""`sensorlake run` killed with SIGKILL in the middle of the transform: the lake keeps a
record that says so, and the next run resumes at the transform and completes.

The kill is not timed: the engine kills itself at the named crash point
`transform.file_done` after the transform's second raw file (SENSORLAKE_CRASH_AT,
src/common/crash_point.cc), so the stage is interrupted in the same place on every run."""
import json
import os
import signal
import subprocess

from sensorlake_cli import run_cli, sensorlake_bin
from lake_view import assert_reader_view_consistent, read_dataset

CRASH_POINT, OCCURRENCE = "transform.file_done", 2


def records(lake):
    return [json.loads(p.read_text()) for p in sorted((lake / "_runs").glob("*.json"))]


def published(lake):
    """The published curated version and its rows, as a reader following the pointer sees."""
    version = json.loads((lake / "curated" / "_published.json").read_text())["version"]
    return version, read_dataset(lake / "curated" / "_versions" / version / "sensor_readings")


def test_a_killed_run_is_resumed_at_the_stage_it_was_in(tmp_path):
    gen, lake, trace = tmp_path / "gen", tmp_path / "lake", tmp_path / "trace.txt"
    run_cli("generate", "--out", gen, "--scale", "0.05", "--seed", "5")
    env = dict(os.environ, SENSORLAKE_CRASH_AT=f"{CRASH_POINT}#{OCCURRENCE}",
               SENSORLAKE_CRASH_TRACE=str(trace))
    proc = subprocess.run([sensorlake_bin(), "-q", "run", "--lake", str(lake), "--source",
                           str(gen)], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == -signal.SIGKILL, (
        f"the run was not killed at {CRASH_POINT}#{OCCURRENCE} (exit {proc.returncode}): "
        f"{proc.stderr}")
    assert f"crash point {CRASH_POINT}#{OCCURRENCE} reached" in proc.stderr
    # The trace ends where the process died: inside the transform, after its second file.
    passed = trace.read_text().split()
    assert passed[-1] == CRASH_POINT and passed.count(CRASH_POINT) == OCCURRENCE

    killed = records(lake)[-1]
    assert killed["outcome"] == "running"
    assert [s["status"] for s in killed["stages"]] == ["completed", "running", "not_run",
                                                       "not_run", "not_run"]
    # Mid-stage: the raw version the ingest landed holds more files than the two done.
    raw_files = list((lake / "raw" / "wisdm" / killed["versions"]["raw"]).rglob("*.txt"))
    assert len(raw_files) > OCCURRENCE
    assert_reader_view_consistent(lake)
    assert not (lake / "curated" / "_published.json").exists()

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
    # The resumed run published what an uninterrupted run of the same input publishes.
    reference = tmp_path / "reference"
    run_cli("run", "--lake", reference, "--source", gen)
    got, want = published(lake), published(reference)
    assert got[0] == want[0]
    assert got[1].equals(want[1]), "published rows differ from the uninterrupted run's"
