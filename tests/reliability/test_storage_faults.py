"""Storage faults: the S3 server stopped and restarted mid-run; 503 SlowDown, 500, dropped
connections and responses cut in half injected by a proxy on loopback; a full disk under a
local lake. Each ends in success after retries, or in a clean failure that a rerun
completes; the published data then equals an undisturbed file:// run's, row for row."""
import json
import shutil
import subprocess

import pyarrow.dataset as ds
import pytest

from sensorlake_cli import run_cli, sensorlake_bin
from fault_proxy import FaultPlan, FaultProxy, Outage
from s3_server import s3_bucket
from lake_view import assert_reader_view_consistent, canonical, read_dataset
from opt_out import require

BUCKET = "faults"


def input_and_reference(tmp_path_factory, name, *generate_args):
    """Generated input (scale 0.01) and the undisturbed run of it on a local lake: what
    every disturbed run must end up with."""
    base = tmp_path_factory.mktemp(name)
    gen, lake = base / "gen", base / "lake"
    run_cli("generate", "--out", gen, "--scale", "0.01", "--seed", "21", *generate_args)
    run_cli("run", "--lake", lake, "--source", gen)
    return gen, published_rows_local(lake)


@pytest.fixture(scope="module")
def all_subjects(tmp_path_factory):
    """All 204 files: the full-disk test's 12 MB holds their raw zone, not the rest."""
    return input_and_reference(tmp_path_factory, "faults")


@pytest.fixture(scope="module")
def s3_subjects(tmp_path_factory):
    """The S3 tests' input: 13 of the 51 subjects. A run's S3 requests grow with the number
    of files (about 4,500 for all 204 at scale 0.01), and the faults are placed in requests:
    a quarter of the files still meets every kind of fault, in a quarter of the time."""
    return input_and_reference(tmp_path_factory, "faults-s3", "--subjects", "1600-1612")


def published_rows_local(lake):
    version = json.loads((lake / "curated" / "_published.json").read_text())["version"]
    return version, read_dataset(lake / "curated" / "_versions" / version / "sensor_readings")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults-s3")
    with s3_bucket(root, BUCKET) as (gw, fs):
        yield gw, fs, root


def published_rows_s3(fs, name):
    """The published version of an S3 lake and its rows, read through the S3 API."""
    version = json.loads(fs.open_input_stream(f"{BUCKET}/{name}/curated/_published.json")
                         .read())["version"]
    dataset = ds.dataset(f"{BUCKET}/{name}/curated/_versions/{version}/sensor_readings",
                         filesystem=fs, format="parquet", partitioning="hive")
    return version, canonical(dataset.to_table())


def run_until_done(args, attempts=4):
    """Runs `sensorlake ARGS` until it succeeds; every failure must be a clean one (an exit
    code and a message, no crash). Returns the number of runs it took and their errors."""
    errors = []
    for i in range(1, attempts + 1):
        proc = subprocess.run([sensorlake_bin(), "-q", *map(str, args)], capture_output=True,
                              text=True, timeout=600)
        if proc.returncode == 0:
            return i, errors
        said = (proc.stdout + proc.stderr).strip()
        assert proc.returncode > 0, f"crashed with signal {-proc.returncode}: {said}"
        assert "error" in said.lower() or "failed" in said.lower(), said
        errors.append(next(line for line in said.splitlines() if "fail" in line.lower()
                           or "error" in line.lower()))
    raise AssertionError(f"still failing after {attempts} runs: {errors}")


def test_s3_errors_and_dropped_connections_are_retried(server, s3_subjects):
    gw, fs, _ = server
    generated, reference = s3_subjects
    # About 5% of requests fail: far more than S3 ever does, within the AWS SDK's retry quota.
    plan = FaultPlan([(197, "drop"), (131, "truncate"), (71, "internal"), (41, "slowdown")])
    with FaultProxy(gw.port, plan) as proxy:
        lake = f"s3://{BUCKET}/through-proxy?endpoint_override={proxy.endpoint}&scheme=http"
        runs, errors = run_until_done(["run", "--lake", lake, "--source", generated])
    print(f"\nS3 through the fault proxy: {plan.requests} requests, injected "
          f"{dict(plan.injected)}; succeeded on run {runs}; clean failures before: {errors}")
    assert set(plan.injected) == {"drop", "truncate", "internal", "slowdown"}
    version, table = published_rows_s3(fs, "through-proxy")
    assert version == reference[0]
    assert table.equals(reference[1])


def first_curated_write(head):
    """The transform's first write of curated rows: the run is then in the middle of the
    transform (the ingest is done, the curated version is not yet committed)."""
    line = head.split(b"\r\n", 1)[0]
    method, target = line.split(b" ")[:2]
    return (method in (b"PUT", b"POST") and b"/curated/_versions/.staging-" in target
            and b"/sensor_readings/" in target)


REFUSED = 12  # requests that find the server down before it is started again


def test_s3_server_stopped_and_restarted_mid_run(server, s3_subjects):
    gw, fs, _ = server
    generated, reference = s3_subjects
    # The server is stopped when the transform writes its first curated rows, and started
    # again once REFUSED requests have found it down: the same points of the run every time.
    outage = Outage(gw, first_curated_write, REFUSED)
    with FaultProxy(gw.port, FaultPlan([]), outage) as proxy:
        lake = f"s3://{BUCKET}/restarted?endpoint_override={proxy.endpoint}&scheme=http"
        proc = subprocess.run([sensorlake_bin(), "-q", "run", "--lake", lake, "--source",
                               str(generated)], capture_output=True, text=True, timeout=600)
        said = (proc.stdout + proc.stderr).strip()
        assert proc.returncode >= 0, f"crashed with signal {-proc.returncode}: {said}"
        assert outage.trigger_request is not None, "the run wrote no curated rows through S3"
        first = "succeeded" if proc.returncode == 0 else f"failed cleanly ({proc.returncode})"
        if proc.returncode != 0:
            assert "error" in said.lower() or "failed" in said.lower(), said
        # A run that failed before REFUSED requests found the server down leaves it down:
        # the reruns meet the rest of the outage, then the restarted server.
        runs, errors = run_until_done(["run", "--lake", lake, "--source", generated])
    assert outage.state == "restarted"
    assert len(outage.refused_requests) == REFUSED
    print(f"\nS3 server stopped at {outage.trigger_request!r}, started again after "
          f"{REFUSED} requests found it down: the run {first}; the rerun took {runs} "
          f"attempt(s) {errors}")
    version, table = published_rows_s3(fs, "restarted")
    assert version == reference[0]
    assert table.equals(reference[1])


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 12 MB tmpfs: room for the raw zone of the generated data, not for the rest."""
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    mount_bin = shutil.which("mount")
    proc = subprocess.run([mount_bin, "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount)],
                          capture_output=True, text=True) if mount_bin else None
    said = "no mount command on PATH" if proc is None else proc.stderr.strip()
    require("tmpfs", proc is not None and proc.returncode == 0,
            f"the full-disk test mounts a 12 MB tmpfs ({said}): run the tests as root, "
            "with util-linux's mount on PATH")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_fails_cleanly_and_the_rerun_completes(small_tmpfs, all_subjects):
    generated, reference = all_subjects
    lake = small_tmpfs / "lake"
    proc = subprocess.run([sensorlake_bin(), "-q", "run", "--lake", str(lake), "--source",
                           str(generated), "--attempts", "1"], capture_output=True, text=True,
                          timeout=600)
    said = proc.stdout + proc.stderr
    assert proc.returncode > 0, "the run should not fit in 12 MB"
    assert "No space left on device" in said, said
    assert not (lake / "curated" / "_published.json").exists()
    # Nothing half-written is visible: any pointer names a complete version.
    assert_reader_view_consistent(lake)
    # Free space (grow the tmpfs), rerun: it resumes and completes.
    subprocess.run(["mount", "-o", "remount,size=256m", str(small_tmpfs)], check=True)
    code, rec, err = run_cli("run", "--lake", lake, "--source", generated, check=False)
    assert code == 0, err
    assert rec["resumed_from"], "the rerun should resume the failed run"
    version, table = published_rows_local(lake)
    assert version == reference[0]
    assert table.equals(reference[1])
    reason = next(line for line in said.splitlines() if "No space" in line).strip()
    print(f"\nfull disk: the first run failed cleanly ({reason}); the rerun resumed and "
          "completed")
    shutil.rmtree(lake)
