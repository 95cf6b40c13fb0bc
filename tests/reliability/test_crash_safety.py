"""Crash safety, the SQLite/RocksDB way: `sensorlake run` and `sensorlake transform` are
killed with SIGKILL at every crash point a clean run passes (src/common/crash_point.cc),
then the lake is inspected as a reader would see it, then the run is repeated.

After every crash a reader sees the previous published state or a complete new version,
never a partial one; after the rerun the published data equals an uninterrupted run's, row
for row. The number of crash points tried is printed (docs/reliability.md records it)."""
import collections
import concurrent.futures
import json
import os
import shutil
import signal
import subprocess

import pytest

from sensorlake_cli import run_cli, sensorlake_bin
from lake_view import assert_reader_view_consistent, read_dataset


def view(lake, pointer_name="_published.json"):
    """What a reader following a curated pointer sees: (version, sensor rows, quarantine)."""
    pointer = lake / "curated" / pointer_name
    if not pointer.exists():
        return None
    version = json.loads(pointer.read_text())["version"]
    root = lake / "curated" / "_versions" / version
    return version, read_dataset(root / "sensor_readings"), read_dataset(root / "quarantine")


def crash_plan(trace_file):
    """Which (point, occurrence) to crash at: every occurrence of a rare point, and the
    first, second, quartiles and last of frequent ones (per file, per row group)."""
    counts = collections.Counter(trace_file.read_text().split())
    plan = []
    for name, n in sorted(counts.items()):
        picks = range(1, n + 1) if n <= 30 else sorted({1, 2, n // 4, n // 2, 3 * n // 4, n})
        plan += [(name, k) for k in picks]
    return plan


def run_with_env(args, env_extra):
    env = dict(os.environ, **env_extra)
    return subprocess.run([sensorlake_bin(), "-q", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """A lake with an earlier run published (old data), new data to run, and the new data's
    result from an uninterrupted run in a lake of its own (the reference)."""
    base = tmp_path_factory.mktemp("crash")
    old, new = base / "gen-old", base / "gen-new"
    run_cli("generate", "--out", old, "--scale", "0.01", "--seed", "11")
    run_cli("generate", "--out", new, "--scale", "0.01", "--seed", "12")
    template = base / "template"
    run_cli("run", "--lake", template, "--source", old)
    reference = base / "reference"
    shutil.copytree(template, reference, symlinks=True)
    run_cli("run", "--lake", reference, "--source", new)
    return {"base": base, "new": new, "template": template,
            "reference": reference}


def trial_lake(scenario, name):
    lake = scenario["base"] / name
    shutil.rmtree(lake, ignore_errors=True)
    shutil.copytree(scenario["template"], lake, symlinks=True)
    return lake


def assert_same_view(got, want):
    assert got[0] == want[0]
    assert got[1].equals(want[1]), "sensor_readings differ"
    assert got[2].equals(want[2]), "quarantine differs"


def crash_and_recover(scenario, args_for, label, pointer, min_points):
    """Traces a clean run, then crashes at every planned point and recovers from each.
    `pointer` is the curated pointer readers of this command's output follow. The trials
    are independent (a lake each), so two run side by side: each is a chain of short
    processes that leaves a core idle between them."""
    old_view, new_view = view(scenario["template"], pointer), view(scenario["reference"], pointer)
    lake = trial_lake(scenario, f"{label}-trace")
    trace = scenario["base"] / f"{label}-trace.txt"
    proc = run_with_env(args_for(lake), {"SENSORLAKE_CRASH_TRACE": str(trace)})
    assert proc.returncode == 0, proc.stderr
    plan = crash_plan(trace)
    assert len(plan) >= min_points, f"too few crash points reached: {plan}"

    def trial(i, name, k):
        """Crash at the k-th time `name` is reached, inspect, rerun: which state readers saw."""
        lake = trial_lake(scenario, f"{label}-trial-{i}")
        proc = run_with_env(args_for(lake), {"SENSORLAKE_CRASH_AT": f"{name}#{k}"})
        assert proc.returncode == -signal.SIGKILL, (name, k, proc.returncode, proc.stderr)
        assert_reader_view_consistent(lake)
        seen = view(lake, pointer)
        if seen[0] == old_view[0]:
            assert_same_view(seen, old_view)
            outcome = "old state"
        else:
            assert_same_view(seen, new_view)
            outcome = "new state"
        rerun = run_with_env(args_for(lake), {})
        assert rerun.returncode == 0, (name, k, rerun.stderr)
        assert_reader_view_consistent(lake)
        assert_same_view(view(lake, pointer), new_view)
        shutil.rmtree(lake)
        return outcome

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(trial, i, name, k) for i, (name, k) in enumerate(plan)]
        outcomes = collections.Counter(f.result() for f in futures)
    assert sum(outcomes.values()) == len(plan)
    print(f"\n{label}: {len(plan)} crash points tried over {len(set(n for n, _ in plan))} "
          f"named points; after the crash readers saw {dict(outcomes)}; every rerun equal "
          "to the uninterrupted run")
    return plan


def test_run_killed_at_every_crash_point_loses_nothing(scenario):
    plan = crash_and_recover(
        scenario, lambda lake: ["run", "--lake", lake, "--source", scenario["new"]], "run",
        "_published.json", min_points=50)
    names = {n for n, _ in plan}
    # the stage boundaries, the middle of writes and every step of an atomic publish
    assert {"pipeline.stage.start", "pipeline.stage.before_record", "transform.file_done",
            "parquet.curated.row_group_written", "ingest.land_file.before_close",
            "zone.commit.before_rename", "zone.publish.before_pointer",
            "zone.alias.begin", "lake.write_atomic.before_rename"} <= names


def test_transform_killed_at_every_crash_point_loses_nothing(scenario):
    # The new raw version is ingested into the template once; the crashes are then inside
    # `sensorlake transform`, whose readers follow curated/_current.json.
    run_cli("ingest", "--lake", scenario["template"], "--source", scenario["new"])
    plan = crash_and_recover(scenario, lambda lake: ["transform", "--lake", lake], "transform",
                             "_current.json", min_points=15)
    assert {"transform.file_done", "parquet.curated.row_group_written"} <= {n for n, _ in plan}
