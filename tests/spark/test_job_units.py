"""The job's pure parts, without Spark: splitting by bytes, staging names, the result
checks and the test hook's once-only marker."""
import importlib.util
import sys

import pytest

from conftest import JOB

spec = importlib.util.spec_from_file_location("sensorlake_job", JOB)
job = importlib.util.module_from_spec(spec)
sys.modules["sensorlake_job"] = job  # dataclasses look their module up while it loads
spec.loader.exec_module(job)


def files(*sizes):
    return [{"path": f"raw/f{i:02d}.txt", "bytes": b} for i, b in enumerate(sizes)]


def loads(bins):
    return sorted(sum(f["bytes"] for f in b) for b in bins)


def test_bins_by_bytes_not_by_file_count():
    # One big file and ten small ones: a split by count would put 5-6 files per task
    # (loads 150/50); by bytes the big file runs alone.
    bins = job.bin_pack(files(100, *[10] * 10), 2)
    assert loads(bins) == [100, 100]
    assert sorted(len(b) for b in bins) == [1, 10]


def test_every_file_lands_in_exactly_one_bin_and_lpt_is_near_optimal():
    sizes = [(i * 7919) % 1000 + 1 for i in range(204)]
    bins = job.bin_pack(files(*sizes), 7)
    paths = [f["path"] for b in bins for f in b]
    assert sorted(paths) == sorted(f["path"] for f in files(*sizes))
    assert len(bins) == 7
    # LPT's bound: the longest bin is within 4/3 of the ideal average (plus one file).
    assert max(loads(bins)) <= sum(sizes) / 7 * 4 / 3
    # Deterministic: the same listing gives the same split.
    assert bins == job.bin_pack(list(reversed(files(*sizes))), 7)


def test_never_more_tasks_than_files_and_bad_task_count():
    assert len(job.bin_pack(files(5, 6, 7), 16)) == 3
    with pytest.raises(job.JobError, match="--tasks must be at least 1"):
        job.bin_pack(files(5), 0)


def test_attempts_never_share_a_prefix():
    prefixes = {job.attempt_prefix("j1", p, a) for p in range(3) for a in range(3)}
    assert len(prefixes) == 9
    assert job.attempt_prefix("j1", 2, 1) == "_staging/spark/j1/task-00002/attempt-1"
    assert all(p.startswith(job.job_staging("j1") + "/") for p in prefixes)


def test_check_results_refuses_missing_duplicate_or_wrong_bins():
    bins = job.bin_pack(files(3, 2, 1), 3)
    good = [{"partition": i, "bin": i, "files": len(b)} for i, b in enumerate(bins)]
    job.check_results(good, bins)
    with pytest.raises(job.JobError, match=r"no result for partitions \[2\]"):
        job.check_results(good[:2], bins)
    with pytest.raises(job.JobError, match="two results for partition 0"):
        job.check_results(good + [good[0]], bins)
    with pytest.raises(job.JobError, match="partition 1 returned bin 0"):
        job.check_results([good[0], {**good[1], "bin": 0}, good[2]], bins)


def test_fail_once_hook_fires_for_one_attempt_only(tmp_path):
    marker = tmp_path / "m"
    spec_ = job.TaskSpec("file:///l", "v", "j", None, 1, fail_once_partition=1,
                         fail_marker=str(marker))
    assert not job.should_die(spec_, 0)
    assert job.should_die(spec_, 1)
    assert not job.should_die(spec_, 1)
    assert not job.should_die(job.TaskSpec("file:///l", "v", "j", None, 1), 1)


def test_staging_listing_and_delete_on_a_file_lake(tmp_path):
    lake = f"file://{tmp_path}"
    for p, a in [(0, 0), (1, 0), (1, 1)]:
        d = tmp_path / job.attempt_prefix("j", p, a)
        d.mkdir(parents=True)
        (d / "part.parquet").write_bytes(b"x")
    assert job.list_attempt_prefixes(lake, "j") == [
        job.attempt_prefix("j", p, a) for p, a in [(0, 0), (1, 0), (1, 1)]]
    job.delete_prefix(lake, job.attempt_prefix("j", 1, 0))
    assert job.list_attempt_prefixes(lake, "j") == [
        job.attempt_prefix("j", 0, 0), job.attempt_prefix("j", 1, 1)]
    job.delete_prefix(lake, job.job_staging("j"))
    job.delete_prefix(lake, job.job_staging("j"))  # missing: fine
    assert job.list_attempt_prefixes(lake, "j") == []
    assert not (tmp_path / job.job_staging("j")).exists()


def test_cli_refuses_unknown_post_stages(capsys):
    with pytest.raises(SystemExit) as e:
        job.parse_args(["--lake", "file:///l", "--then", "check,deploy"])
    assert e.value.code == 2
    assert "unknown stages ['deploy']" in capsys.readouterr().err


def test_task_count_by_size_or_option():
    def args(*a):
        return job.parse_args(["--lake", "file:///l", *a])

    mb = 1024 * 1024
    assert job.task_count(args("--task-mb", "64"), 876 * mb, 2) == 14
    assert job.task_count(args("--task-mb", "64"), 10 * mb, 4) == 4  # never fewer than the cores
    assert job.task_count(args("--tasks", "3", "--task-mb", "64"), 876 * mb, 2) == 3
    assert job.task_count(args(), 876 * mb, 6) == 6


def test_staging_listing_and_delete_on_an_s3_lake(tmp_path):
    """The same on an s3:// lake (a versitygw on loopback): the driver's cleanup uses the
    engine's Lake (sensorlake.Lake), with the lake URI's endpoint options."""
    import pyarrow.fs as pafs

    sys.path.insert(0, str(JOB.parents[1] / "tests" / "support"))
    from s3_server import s3_bucket

    with s3_bucket(tmp_path / "root", "bucket") as (server, fs):
        lake = (f"s3://bucket/lake?endpoint_override={server.endpoint}&scheme=http"
                "&region=us-east-1")
        for p, a in [(0, 0), (0, 1), (3, 0)]:
            part = f"bucket/lake/{job.attempt_prefix('j', p, a)}/device=phone/part-0.parquet"
            with fs.open_output_stream(part) as out:
                out.write(b"x")
        with fs.open_output_stream("bucket/lake/raw/keep.txt") as out:
            out.write(b"x")
        assert job.list_attempt_prefixes(lake, "j") == [
            job.attempt_prefix("j", p, a) for p, a in [(0, 0), (0, 1), (3, 0)]]
        job.delete_prefix(lake, job.attempt_prefix("j", 0, 0))
        assert job.list_attempt_prefixes(lake, "j") == [
            job.attempt_prefix("j", 0, 1), job.attempt_prefix("j", 3, 0)]
        job.delete_prefix(lake, job.job_staging("j"))
        assert job.list_attempt_prefixes(lake, "j") == []
        assert fs.get_file_info("bucket/lake/raw/keep.txt").type == pafs.FileType.File


# Runs the job in a fresh interpreter under an audit hook (PEP 578) that records every
# process start (a JVM can only come from one: pyspark launches spark-submit) and every socket
# operation (py4j's gateway is a local socket), then reports them and the Spark modules the
# job imported.
_AUDITED_RUN = r"""
import json, runpy, sys
EVENTS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
          "os.forkpty", "pty.spawn", "socket.connect", "socket.bind", "socket.getaddrinfo"}
seen = []
sys.addaudithook(lambda event, args: seen.append([event, repr(args)[:300]])
                 if event in EVENTS else None)
report, job = sys.argv[1], sys.argv[2]
sys.argv = sys.argv[2:]
code = None
try:
    runpy.run_path(job, run_name="__main__")
except SystemExit as e:
    code = e.code
finally:
    spark = sorted(m for m in sys.modules if m.split(".")[0] in ("pyspark", "py4j"))
    with open(report, "w") as f:
        json.dump({"exit": code, "events": seen, "spark_modules": spark}, f)
sys.exit(code)
"""


def test_unknown_raw_version_fails_before_spark_starts(datasets, tmp_path):
    """Bad input is refused by the listing, before any JVM: a one-line error naming the
    version and a non-zero exit, with no process started (no spark-submit, so no JVM), no
    socket opened (no py4j gateway) and pyspark/py4j never imported."""
    import json
    import subprocess

    from conftest import spark_python

    lake, _ = datasets.raw_lake("clean")
    report = tmp_path / "audit.json"
    p = subprocess.run([spark_python(), "-c", _AUDITED_RUN, str(report), str(JOB),
                        "--lake", f"file://{lake}", "--dataset-version", "wisdm-000000000000"],
                       capture_output=True, text=True, timeout=300)
    audit = json.loads(report.read_text())
    assert p.returncode != 0 and audit["exit"] == p.returncode, (p.returncode, p.stderr)
    assert "sensorlake_job: error:" in p.stderr and "wisdm-000000000000" in p.stderr
    assert "Traceback" not in p.stderr
    assert audit["events"] == []
    assert audit["spark_modules"] == []


def test_engine_commands_get_the_catalog_and_the_jobs_interpreter(tmp_path, monkeypatch):
    """--catalog (the DAG's glue://<database>) reaches the engine's commands as
    SENSORLAKE_CATALOG, and SENSORLAKE_PYTHON is the job's own interpreter (the one the EMR
    bootstrap installed sensorlake[tables] into), unless the caller set one."""
    seen = tmp_path / "env.txt"
    fake = tmp_path / "sensorlake"
    fake.write_text("#!/bin/sh\n"
                    f'echo "$SENSORLAKE_CATALOG|$SENSORLAKE_PYTHON" >> "{seen}"\n'
                    'echo \'{"error": {"message": "stop here"}}\'\nexit 6\n')
    fake.chmod(0o755)
    monkeypatch.setenv("SENSORLAKE_BIN", str(fake))
    for name in ("SENSORLAKE_CATALOG", "SENSORLAKE_PYTHON"):
        monkeypatch.delenv(name, raising=False)
    argv = ["--lake", f"file://{tmp_path}/lake", "--source", "s3://raw/x.zip"]
    assert job.main([*argv, "--catalog", "glue://sensorlake_staging"]) == 6
    monkeypatch.setenv("SENSORLAKE_PYTHON", "/opt/other/python")
    monkeypatch.setenv("SENSORLAKE_CATALOG", "glue://from_env")
    assert job.main(argv) == 6
    assert seen.read_text().splitlines() == [f"glue://sensorlake_staging|{sys.executable}",
                                             "glue://from_env|/opt/other/python"]
