"""sensorlake for Python: the C++ engine's transform split into tasks, the commit that
publishes them as one curated version, manifests and run records, and the curated data as a
pyarrow Table handed over without a copy (docs/python.md)."""

from __future__ import annotations

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

from . import _engine

__version__: str = _engine.version()

EngineError = _engine.EngineError
"""Raised for every engine failure; the message starts with the status code (``invalid:``,
``not_found:``, ``corrupt:``, ...) and names the file and the reason."""

__all__ = [
    "__version__",
    "EngineError",
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
