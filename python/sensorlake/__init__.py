"""sensorlake for Python: the engine's lake (``Lake``: the same URIs and the same atomic
writes as every ``sensorlake`` command), the C++ engine's transform split into tasks, the
commit that publishes them as one curated version, manifests and run records, the curated
data as a pyarrow Table handed over without a copy, and the engine's constants
(``sensorlake.constants``) (docs/python.md)."""

from __future__ import annotations

import atexit
import json
import os
from typing import Any, Iterable, Optional, Sequence

# Python's OpenSSL (through hashlib) must be loaded before the engine: pyarrow's
# libparquet exports symbols of the OpenSSL it bundles, and a system libcrypto loaded after
# it binds to them and crashes (`import sensorlake, hashlib` was a segfault). Loaded first,
# the system library resolves to itself.
import hashlib  # noqa: F401
# pyarrow next: the native module links pyarrow's libarrow/libparquet (RPATH
# $ORIGIN/../pyarrow) and must find them loaded, never a second copy.
import pyarrow

# From a build tree the native module sits in <build>/python/sensorlake/, beside no sources:
# `sensorlake train` puts that folder on PYTHONPATH after python/, and extend_path joins it to
# this package. An installed wheel has both in one folder and is unaffected.
__path__ = __import__("pkgutil").extend_path(__path__, __name__)

try:
    from . import _engine
except ImportError as e:
    raise ImportError(
        f"sensorlake's native module _engine cannot be loaded ({e}): install the wheel "
        f"(make dist, then pip install dist/sensorlake-*.whl), or build the engine "
        f"(make build) and put <build>/python on PYTHONPATH after python/") from e
from . import constants  # noqa: E402

# An s3:// Lake starts Arrow's S3 client, which must stop before the interpreter tears down
# (stopped later, the process aborts at exit); pyarrow.fs does the same for its own.
atexit.register(_engine.finalize_object_stores)

__version__: str = _engine.version()

EngineError = _engine.EngineError
"""Raised for every engine failure (a ``RuntimeError``): ``.code`` is the status code
(``"Invalid"``, ``"NotFound"``, ``"IOError"``, ``"Busy"``, ...), ``.exit_code`` the exit code
the CLI gives for it (``constants.EXIT_CODE_BY_STATUS``); the message starts with the code
(``NotFound: ...``) and names the file and the reason."""

__all__ = [
    "__version__",
    "EngineError",
    "Lake",
    "LakeLock",
    "constants",
    "list_raw_files",
    "transform_files",
    "commit_transform",
    "read_manifest",
    "read_run_records",
    "read_curated",
    "read_curated_batches",
    "arrow_library_path",
    "set_progress",
]


def _uri(lake_uri: Any) -> str:
    return os.fspath(lake_uri) if isinstance(lake_uri, os.PathLike) else str(lake_uri)


def _opt_path(path: Any) -> Optional[str]:
    return None if path is None else os.fspath(path)


def list_raw_files(lake_uri, raw_version: str = "") -> dict:
    """The raw sensor files of a raw version (empty: the latest ingested).

    Returns ``{"raw_version": resolved, "files": [{"path", "bytes", "lines", "folder",
    "device", "sensor", "subject"}]}``; ``path`` is as the raw manifest lists it.
    """
    return json.loads(_engine.list_raw_files(_uri(lake_uri), raw_version or ""))


def transform_files(lake_uri, raw_version: str, paths: Iterable[str], staging_prefix: str,
                    task_id: str, config_path=None, threads: int = 1) -> dict:
    """Cleans exactly ``paths`` into Parquet parts under the lake path ``staging_prefix``
    (which must hold no file yet) and returns the task manifest
    (``format`` ``sensorlake.task-manifest/1``); also written to
    ``<staging_prefix>/_task_manifest.json``."""
    text = _engine.transform_files(_uri(lake_uri), raw_version or "", [str(p) for p in paths],
                                   str(staging_prefix), str(task_id), _opt_path(config_path),
                                   int(threads))
    return json.loads(text)


def commit_transform(lake_uri, raw_version: str, task_manifests: Sequence[Any],
                     staging_prefixes: Sequence[str], config_path=None) -> dict:
    """Publishes the tasks' outputs as one curated version after checking that they cover
    every raw sensor file exactly once. ``task_manifests`` are dicts (or their JSON text) as
    ``transform_files`` returned them, ``staging_prefixes`` the prefix of each. Returns the
    summary ``sensorlake transform --json`` prints (without its ``ok``/``command`` keys)."""
    texts = [m if isinstance(m, str) else json.dumps(m) for m in task_manifests]
    text = _engine.commit_transform(_uri(lake_uri), raw_version or "", texts,
                                    [str(p) for p in staging_prefixes], _opt_path(config_path))
    return json.loads(text)


def read_manifest(lake_uri, path: str) -> dict:
    """A JSON manifest of the lake by its lake path, e.g.
    ``curated/_versions/<id>/_manifest.json`` or ``raw/wisdm/<version>/_manifest.json``."""
    return json.loads(_engine.read_text(_uri(lake_uri), str(path)))


def read_run_records(lake_uri) -> list:
    """The run records ``_runs/*.json`` of ``sensorlake run``, newest first."""
    records = [json.loads(t) for t in _engine.run_record_texts(_uri(lake_uri))]
    records.sort(key=lambda r: (r.get("started_at", ""), r.get("run_id", "")), reverse=True)
    return records


def read_curated_batches(lake_uri, subject: Optional[int] = None, device: Optional[str] = None,
                         sensor: Optional[str] = None,
                         version: str = "") -> pyarrow.RecordBatchReader:
    """The curated rows as a lazy ``pyarrow.RecordBatchReader`` (one batch per subject, device
    and sensor), with the partition columns ``device`` and ``sensor``."""
    capsule = _engine.read_curated(_uri(lake_uri), version or "", subject, device or "",
                                   sensor or "")
    return pyarrow.RecordBatchReader._import_from_c_capsule(capsule)


def read_curated(lake_uri, subject: Optional[int] = None, device: Optional[str] = None,
                 sensor: Optional[str] = None, version: str = "") -> pyarrow.Table:
    """The current (or the given) curated version as a ``pyarrow.Table``; the buffers are
    the ones the engine allocated, in the same libarrow: nothing is copied."""
    return read_curated_batches(lake_uri, subject, device, sensor, version).read_all()


def arrow_library_path() -> str:
    """The libarrow file the native module runs with (pyarrow's own, see docs/python.md)."""
    return _engine.arrow_library_path()


def set_progress(enabled: bool) -> None:
    """Progress lines on stderr during transform_files (off by default: Spark logs)."""
    _engine.set_progress(bool(enabled))


def _bytes(data: Any) -> bytes:
    return data.encode() if isinstance(data, str) else bytes(data)


class LakeLock:
    """The lake's named lock (``_locks/<name>.lock``), as the engine's writers take it: held
    from ``Lake.lock()`` until ``release()`` or the end of the ``with`` block. A lock held by
    a live process raises EngineError ``Busy`` (exit code 8)."""

    def __init__(self, native: Any):
        self._native = native

    @property
    def held(self) -> bool:
        return self._native.held

    def release(self) -> None:
        self._native.release()

    def __enter__(self) -> "LakeLock":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


class Lake:
    """A lake opened by the engine's rules (docs/storage.md): a path or ``file:///path`` (the
    folder is created when missing; EngineError ``NotFound`` instead with ``create=False``),
    or ``s3://bucket/prefix[?endpoint_override=host:port&scheme=http&region=r]`` (endpoint
    and region also from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL / AWS_REGION; credentials
    from the AWS chain). Every path is relative to the lake root (``"models/_latest.json"``);
    failures raise EngineError."""

    def __init__(self, uri: Any, create: bool = True):
        self._lake = _engine.Lake(_uri(uri), create)

    @property
    def uri(self) -> str:
        """``file:///abs/path`` or ``s3://bucket/prefix`` (no query, no credentials)."""
        return self._lake.uri

    @property
    def is_local(self) -> bool:
        return self._lake.is_local

    def display_path(self, path: str = "") -> str:
        """What to show a person: the local path, or the s3:// URI of the object."""
        return self._lake.display_path(path)

    def exists(self, path: str) -> bool:
        return self._lake.exists(path)

    def is_dir(self, path: str) -> bool:
        return self._lake.is_dir(path)

    def read_bytes(self, path: str) -> bytes:
        return self._lake.read_bytes(path)

    def read_text(self, path: str) -> str:
        return self.read_bytes(path).decode()

    def read_json(self, path: str) -> Any:
        return json.loads(self.read_bytes(path))

    def write_atomic(self, path: str, data: Any) -> None:
        """Replaces the file so that a reader sees the old content or the new, never a part
        (a temporary sibling renamed locally, one PUT on S3). ``data``: bytes or str."""
        self._lake.write_atomic(path, _bytes(data))

    def write_if_absent(self, path: str, data: Any) -> bool:
        """Creates the file only if nothing is there; True when this call created it."""
        return self._lake.write_if_absent(path, _bytes(data))

    def list_files(self, path: str = "", recursive: bool = True,
                   suffix: str = "") -> list[tuple[str, int]]:
        """(path relative to ``path``, size) of the regular files under the folder, sorted;
        none when the folder is missing. ``suffix`` keeps the names that end with it."""
        return [(p, n) for p, n in self._lake.list_files(path, recursive) if p.endswith(suffix)]

    def list_dirs(self, path: str = "") -> list[str]:
        """Names of the immediate subfolders of ``path``, sorted."""
        return self._lake.list_dirs(path)

    def mkdir(self, path: str) -> None:
        self._lake.mkdir(path)

    def delete_dir(self, path: str) -> None:
        """Deletes the folder and everything below it; a missing folder is fine."""
        self._lake.delete_dir(path)

    def delete_file(self, path: str) -> None:
        self._lake.delete_file(path)

    def move(self, source: str, target: str) -> None:
        """Renames a file or folder (atomic for a folder on a local lake; on S3 copied object
        by object, every ``_manifest.json`` last)."""
        self._lake.move(source, target)

    def publish_folder(self, local_dir: Any, path: str, marker: str) -> None:
        """Makes the files of the local folder ``local_dir`` the lake folder ``path``
        (replacing it) so that a reader who finds ``marker`` there finds every file: staged
        beside it and renamed on a local lake, uploaded with ``marker`` last on S3."""
        self._lake.publish_folder(os.fspath(local_dir), path, marker)

    def lock(self, name: str, purpose: str) -> LakeLock:
        """Takes the lake's lock ``name`` (as the engine's writers do), e.g.
        ``with lake.lock("models", "train"): ...``."""
        return LakeLock(_engine.LakeLock(self._lake, name, purpose))

    def __repr__(self) -> str:
        return f"sensorlake.Lake({self.uri!r})"
