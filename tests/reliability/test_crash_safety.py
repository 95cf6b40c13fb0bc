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
from lake_view import (assert_reader_view_consistent, assert_same_dataset, clone_lake,
                       version_fingerprint)


def view(lake, pointer_name="_published.json"):
    """What a reader following a curated pointer sees: (version, its folder)."""
    pointer = lake / "curated" / pointer_name
    if not pointer.exists():
        return None
    version = json.loads(pointer.read_text())["version"]
    return version, lake / "curated" / "_versions" / version


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
    # 13 of the 51 subjects: every point is still reached as often as the plan needs (the
    # same 77 + 26 trials as with all 51), each on a quarter of the files to write and to
    # read back: 4.5x faster.
    subjects = ["--subjects", "1600-1612"]
    run_cli("generate", "--out", old, "--scale", "0.01", "--seed", "11", *subjects)
    run_cli("generate", "--out", new, "--scale", "0.01", "--seed", "12", *subjects)
    template = base / "template"
    run_cli("run", "--lake", template, "--source", old)
    reference = base / "reference"
    shutil.copytree(template, reference, symlinks=True)
    run_cli("run", "--lake", reference, "--source", new)
    return {"base": base, "new": new, "template": template,
            "reference": reference}


def trial_lake(scenario, name):
    return clone_lake(scenario["template"], scenario["base"] / name)


def assert_same_view(got, want):
    """The same version with the same sensor rows and the same quarantined lines."""
    assert got[0] == want[0]
    for dataset in ("sensor_readings", "quarantine"):
        assert_same_dataset(got[1] / dataset, want[1] / dataset, dataset)


def crash_and_recover(scenario, args_for, label, pointer, min_points):
    """Traces a clean run, then crashes at every planned point and recovers from each.
    `pointer` is the curated pointer readers of this command's output follow. The trials
    are independent (a lake each), so two run side by side: each is a chain of short
    processes that leaves a core idle between them."""
    old_view, new_view = view(scenario["template"], pointer), view(scenario["reference"], pointer)
    # The trial lakes share the template's version files (hard links): none may change.
    template_before = version_fingerprint(scenario["template"])
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
    assert version_fingerprint(scenario["template"]) == template_before, (
        "a crashed run or its rerun wrote into a file of an already written version")
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
