"""``sensorlake maintain``: snapshot expiry and orphan removal for the lake's Iceberg tables
(docs/tables.md, "Maintenance").

For each table, with a cutoff = now - ``older_than``:

1. The ``audit-*`` branches whose head is older than the cutoff (versions whose gate failed,
   or that were never published) are dropped.
2. Snapshots older than the cutoff are expired, except the newest ``keep`` of ``main``'s
   history and the head of every branch and tag that remains (pyiceberg protects heads
   too).
3. Files under the table's metadata folder that the metadata no longer references (the
   manifest lists and manifests of expired snapshots, metadata files out of the log) and
   that are older than the cutoff are deleted. The age guard keeps a writer's files that
   are not committed yet.

Then, for the lake: a version folder (``curated/_versions/<v>``, ``features/_versions/<f>``)
is deleted when no snapshot left in any table references it, neither the zone's
``current`` nor ``published`` pointer names it, and its manifest is older than the cutoff.
The deletions hold the zone's lock (``storage/lake_lock``), as the stages do.
"""

from __future__ import annotations

import time
from typing import Dict, List, Set

import pyarrow.fs as pafs
from pyiceberg.exceptions import NoSuchTableError
from pyiceberg.table.update.snapshot import ManageSnapshots

from . import definitions as d
from .commit import MAIN, _identifier, _with_retries, file_uri, live_files

ZONES = {"curated": "sensor_readings", "features": "windows"}


def _mtime_ms(uri: str) -> int:
    fs, path = pafs.FileSystem.from_uri(uri)
    info = fs.get_file_info(path)
    if info.type == pafs.FileType.NotFound or info.mtime is None:
        return 0
    return int(info.mtime.timestamp() * 1000)


def _main_history(table) -> List[int]:
    """main's snapshot ids, newest first (its ancestry)."""
    ids, ref = [], table.metadata.refs.get(MAIN)
    snap = table.metadata.snapshot_by_id(ref.snapshot_id) if ref else None
    while snap is not None:
        ids.append(snap.snapshot_id)
        snap = (table.metadata.snapshot_by_id(snap.parent_snapshot_id)
                if snap.parent_snapshot_id is not None else None)
    return ids


def _expire(table, keep: int, cutoff_ms: int, dry_run: bool) -> Dict:
    meta = table.metadata
    stale = sorted(name for name, ref in meta.refs.items() if name.startswith("audit-") and
                   meta.snapshot_by_id(ref.snapshot_id).timestamp_ms < cutoff_ms)
    kept = set(_main_history(table)[:keep])
    kept |= {ref.snapshot_id for name, ref in meta.refs.items() if name not in stale}
    expire = sorted(s.snapshot_id for s in meta.snapshots
                    if s.timestamp_ms < cutoff_ms and s.snapshot_id not in kept)
    if not dry_run and (stale or expire):
        tx = table.transaction()
        if stale:
            manage = ManageSnapshots(tx)
            for name in stale:
                manage = manage.remove_branch(name)
            manage.commit()
        if expire:
            from pyiceberg.table.update.snapshot import ExpireSnapshots
            ExpireSnapshots(tx).by_ids(expire).commit()
        tx.commit_transaction()
    return {"branches_dropped": stale, "snapshots_expired": expire,
            "snapshots_left": len(meta.snapshots) - (0 if dry_run else len(expire))}


def _referenced(table, expired: Set[int]) -> (Set[str], Set[str]):
    """The data files and the metadata files the table's remaining snapshots reference
    (``expired``: snapshots a dry run would have expired, which do not count)."""
    data, metadata = set(), {table.metadata_location}
    metadata |= {entry.metadata_file for entry in table.metadata.metadata_log}
    for snap in table.metadata.snapshots:
        if snap.snapshot_id in expired:
            continue
        metadata.add(snap.manifest_list)
        for manifest in snap.manifests(table.io):
            metadata.add(manifest.manifest_path)
        data |= {f.file_path for f in live_files(table, snap)}
    return data, metadata


def _remove_orphan_metadata(lake, table, referenced: Set[str], cutoff_ms: int,
                            dry_run: bool) -> int:
    folder = f"{d.TABLES_FOLDER}/{table.name()[-1]}/metadata"
    if not lake.is_dir(folder):
        return 0
    removed = 0
    for rel, _ in lake.list_files(folder, True):
        uri = file_uri(lake, f"{folder}/{rel}")
        if uri in referenced or _mtime_ms(uri) >= cutoff_ms:
            continue
        removed += 1
        if not dry_run:
            lake.delete_file(f"{folder}/{rel}")
    return removed


def _pointer(lake, zone: str, name: str) -> str:
    import json
    path = f"{zone}/_{name}.json"
    if not lake.exists(path):
        return ""
    return json.loads(bytes(lake.read_bytes(path))).get("version", "")


def _remove_versions(lake, data_files: Set[str], cutoff_ms: int, dry_run: bool) -> List[str]:
    removed = []
    for zone in ZONES:
        versions_dir = f"{zone}/_versions"
        if not lake.is_dir(versions_dir):
            continue
        lock = None if dry_run else lake.lock(zone, "maintain")
        try:
            keep = {_pointer(lake, zone, "current"), _pointer(lake, zone, "published")}
            for version in sorted(lake.list_dirs(versions_dir)):
                prefix = file_uri(lake, f"{versions_dir}/{version}") + "/"
                if version in keep or version.startswith("_") or version.startswith("."):
                    continue
                if any(f.startswith(prefix) for f in data_files):
                    continue
                manifest = file_uri(lake, f"{versions_dir}/{version}/_manifest.json")
                if _mtime_ms(manifest) >= cutoff_ms:
                    continue
                removed.append(f"{versions_dir}/{version}")
                if not dry_run:
                    lake.delete_dir(f"{versions_dir}/{version}")
        finally:
            if lock is not None:
                lock.release()
    return removed


def maintain(catalog, namespace: str, lake, keep: int, older_than_seconds: float,
             dry_run: bool) -> Dict:
    if keep < 1:
        raise ValueError("--keep must be at least 1: main's current snapshot is always kept")
    cutoff_ms = int((time.time() - older_than_seconds) * 1000)
    out = {"dry_run": dry_run, "keep": keep, "older_than_seconds": older_than_seconds,
           "tables": {}}
    data_files: Set[str] = set()
    for tdef in d.ALL_TABLES:
        table_id = _identifier(namespace, tdef)
        try:
            catalog.load_table(table_id)
        except NoSuchTableError:
            continue

        def attempt(table_id=table_id):
            return _expire(catalog.load_table(table_id), keep, cutoff_ms, dry_run)
        result = _with_retries("maintaining", table_id, attempt)
        table = catalog.load_table(table_id)
        files, metadata = _referenced(
            table, set(result["snapshots_expired"]) if dry_run else set())
        data_files |= files
        result["metadata_files_removed"] = _remove_orphan_metadata(
            lake, table, metadata, cutoff_ms, dry_run)
        out["tables"][tdef.name] = result
    out["versions_removed"] = _remove_versions(lake, data_files, cutoff_ms, dry_run)
    return out
