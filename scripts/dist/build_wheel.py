"""Packs the Python package from a build tree, compiling nothing (docs/python.md): the
sources of python/sensorlake (the trainer as sensorlake.ml and the Iceberg commits as
sensorlake.tables included) and the native module
the release build made, as dist/sensorlake-<version>-cp311-cp311-linux_x86_64.whl. `make dist`
then repairs it with auditwheel into the manylinux_2_28 wheel it ships.

usage: build_wheel.py BUILD_DIR OUT_DIR
"""
from __future__ import annotations

import base64
import hashlib
import re
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The trainer's libraries, pinned as requirements.in pins them: `pip install sensorlake[ml]`.
ML_EXTRA = ["scikit-learn==1.9.1", "lightgbm==4.7.0", "numpy==2.4.6", "scipy==1.17.1",
            "joblib==1.6.0", "threadpoolctl==3.8.0"]
# The Iceberg commits the engine runs (python -m sensorlake.tables, docs/tables.md), as
# requirements.in pins them: `pip install sensorlake[tables]`.
TABLES_EXTRA = ["pyiceberg[glue,pyarrow,sql-sqlite]==0.12.0"]


def version() -> str:
    m = re.search(r"project\(sensorlake VERSION ([0-9.]+)", (ROOT / "CMakeLists.txt").read_text())
    return m.group(1)


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def main() -> int:
    build, out = Path(sys.argv[1]), Path(sys.argv[2])
    modules = sorted((build / "python" / "sensorlake").glob("_engine*.so"))
    if not modules:
        print(f"build_wheel: no sensorlake._engine in {build}/python/sensorlake: build it first "
              "(make build)", file=sys.stderr)
        return 1
    abi = sysconfig.get_config_var("SOABI")  # cpython-311-x86_64-linux-gnu
    if not modules[0].name.startswith(f"_engine.{abi}"):
        print(f"build_wheel: {modules[0].name} is not for this Python ({abi})", file=sys.stderr)
        return 1
    py = f"cp{sys.version_info.major}{sys.version_info.minor}"
    ver = version()
    files: dict[str, bytes] = {}
    for src in sorted((ROOT / "python" / "sensorlake").rglob("*.py")):
        rel = src.relative_to(ROOT / "python" / "sensorlake").as_posix()
        files["sensorlake/" + rel] = src.read_bytes()
    files[f"sensorlake/{modules[0].name}"] = modules[0].read_bytes()
    info = f"sensorlake-{ver}.dist-info"
    files[f"{info}/METADATA"] = "\n".join([
        "Metadata-Version: 2.1", "Name: sensorlake", f"Version: {ver}",
        "Summary: sensorlake engine for Python: the lake, per-task transform, commit, "
        "manifests, curated data as pyarrow; the trainer (sensorlake.ml)",
        f"Requires-Python: >={sys.version_info.major}.{sys.version_info.minor},"
        f"<{sys.version_info.major}.{sys.version_info.minor + 1}",
        # Exactly the pyarrow the module was linked against: it loads that wheel's libarrow.
        "Requires-Dist: pyarrow==26.0.1",
        "Provides-Extra: ml",
        *[f'Requires-Dist: {r}; extra == "ml"' for r in ML_EXTRA],
        "Provides-Extra: tables",
        *[f'Requires-Dist: {r}; extra == "tables"' for r in TABLES_EXTRA], "", ""]).encode()
    files[f"{info}/WHEEL"] = "\n".join([
        "Wheel-Version: 1.0", "Generator: sensorlake scripts/dist/build_wheel.py",
        "Root-Is-Purelib: false", f"Tag: {py}-{py}-linux_x86_64", "", ""]).encode()
    record = [record_line(name, data) for name, data in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    out.mkdir(parents=True, exist_ok=True)
    wheel = out / f"sensorlake-{ver}-{py}-{py}-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            zi = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            zi.external_attr = (0o755 if name.endswith(".so") else 0o644) << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    print(wheel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
