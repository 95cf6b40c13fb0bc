"""Fixtures for the Spark job's tests: the engine, one small generated dataset with every
fault kind, the single-node transform of it (the reference), fresh lakes holding the same
raw zone, and spark-submit with the environment the executors need."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
JOB = REPO / "spark" / "sensorlake_job.py"
sys.path.insert(0, str(REPO / "spark"))
from local_cluster import spark_home  # noqa: E402  (spark/ is not a package)
VENV_PYTHON = REPO / ".venv" / "bin" / "python"


def sensorlake_bin() -> str:
    return os.environ.get("SENSORLAKE_BIN", str(REPO / "build" / "release" / "src" / "sensorlake"))


def run_cli(*args):
    proc = subprocess.run([sensorlake_bin(), "--json", *map(str, args)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (
        f"sensorlake {' '.join(map(str, args))} failed ({proc.returncode}): {proc.stderr}")
    return json.loads(proc.stdout)


def spark_python() -> str:
    """The interpreter of the job's driver and executors: SPARK_PYTHON (scripts/test.sh sets
    build/spark-venv, which holds the sensorlake wheel), else .venv's if the package imports
    there. Spark adds its own pyspark and py4j to that interpreter's path."""
    if os.environ.get("SPARK_PYTHON"):
        return os.environ["SPARK_PYTHON"]
    venv = str(VENV_PYTHON if VENV_PYTHON.exists() else sys.executable)
    probe = subprocess.run([venv, "-c", "import hashlib, sensorlake"], capture_output=True)
    assert probe.returncode == 0, (
        "no sensorlake package: set SPARK_PYTHON (bash scripts/spark-pkg.sh prints one)")
    return venv


@pytest.fixture(scope="session", autouse=True)
def wheel_package_importable():
    """The driver's helpers the unit tests call in this process (list_attempt_prefixes,
    delete_prefix, the --then check) use the sensorlake package (its Lake and constants), which
    .venv, where pytest runs, may not hold: the Spark interpreter's site-packages (the wheel's
    venv) is then appended to sys.path, after .venv's, so that only what .venv lacks comes from
    there (pyarrow is .venv's, already loaded, the same pinned version)."""
    try:
        import sensorlake  # noqa: F401
        return
    except ImportError:
        pass
    site = subprocess.run(
        [spark_python(), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip()
    sys.path.append(site)
    import sensorlake  # noqa: F401,F811


def spark_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "SPARK_HOME": str(spark_home()),
            "PYSPARK_PYTHON": spark_python(),
            "PYSPARK_DRIVER_PYTHON": spark_python(),
            "SENSORLAKE_BIN": sensorlake_bin(),
            # Loopback only: the tests never listen on a public interface.
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_LOCAL_HOSTNAME": "localhost",
        }
    )
    env.update(extra or {})
    return env


def spark_submit(master: str, lake: pathlib.Path, workdir: pathlib.Path, conf: dict[str, str],
                 job_args=(), env=None):
    """Submit the job; returns (exit code, summary dict or None, combined log text)."""
    summary = workdir / "summary.json"
    cmd = [str(spark_home() / "bin" / "spark-submit"), "--master", master]
    for k, v in {"spark.ui.enabled": "false", **conf}.items():
        cmd += ["--conf", f"{k}={v}"]
    cmd += [str(JOB), "--lake", f"file://{lake}", "--summary", str(summary), *job_args]
    proc = subprocess.run(cmd, env=spark_env(env), capture_output=True, text=True, timeout=300,
                          cwd=workdir)
    logs = proc.stdout + proc.stderr
    (workdir / "spark-submit.log").write_text(logs)
    return proc.returncode, (json.loads(summary.read_text()) if summary.exists() else None), logs


def sorted_table(path: pathlib.Path) -> pa.Table:
    """A curated table in a canonical order: dictionaries decoded, columns by name, rows
    sorted by every column. Equal tables mean equal rows, whatever the part files were."""
    table = ds.dataset(str(path), format="parquet", partitioning="hive").to_table()
    cols = {}
    for name in sorted(table.column_names):
        col = table[name]
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        cols[name] = col
    table = pa.table(cols)
    return table.take(pc.sort_indices(
        table, sort_keys=[(n, "ascending") for n in table.column_names]))


def curated_version_dir(lake: pathlib.Path) -> pathlib.Path:
    version = json.loads((lake / "curated" / "_current.json").read_text())["version"]
    return lake / "curated" / "_versions" / version


class Datasets:
    """Raw versions generated at scale 0.01 (156 k lines, 204 files), made on first use:
    "faults" injects every fault kind, so the quarantine and the de-duplication take part
    in the comparison (its quality gate fails: scaled values); "clean" passes the gate."""

    def __init__(self, root: pathlib.Path):
        self.root, self.made = root, {}

    def raw_lake(self, kind: str) -> tuple[pathlib.Path, str]:
        if kind not in self.made:
            gen, lake = self.root / f"gen-{kind}", self.root / f"raw-lake-{kind}"
            run_cli("generate", "--out", gen, "--scale", "0.01",
                    "--faults", "all" if kind == "faults" else "none")
            ingested = run_cli("ingest", "--source", gen, "--lake", f"file://{lake}")
            self.made[kind] = (lake, ingested["version"])
        return self.made[kind]

    def fresh_lake(self, kind: str, dest: pathlib.Path) -> pathlib.Path:
        """A new lake holding the same raw zone (and nothing else)."""
        shutil.copytree(self.raw_lake(kind)[0] / "raw", dest / "raw")
        return dest

    def reference(self, kind: str) -> dict:
        """The single-node `sensorlake transform` of the raw version: what Spark must match."""
        key = f"reference-{kind}"
        if key not in self.made:
            lake = self.fresh_lake(kind, self.root / key)
            summary = run_cli("transform", "--lake", f"file://{lake}")
            version = curated_version_dir(lake)
            self.made[key] = {
                "summary": summary,
                "manifest": json.loads((version / "_manifest.json").read_text()),
                "readings": sorted_table(version / "sensor_readings"),
                "quarantine": sorted_table(version / "quarantine"),
            }
        return self.made[key]


@pytest.fixture(scope="session")
def datasets(tmp_path_factory):
    return Datasets(tmp_path_factory.mktemp("spark-data"))
