"""Write-audit-publish of the lake's versions as Iceberg snapshots (docs/tables.md).

- ``stage``: the check stage, before it audits a curated version, commits that version's
  files to ``sensor_readings`` and ``quarantine`` as one snapshot each on the branch
  ``audit-<curated version>``, made from ``main``'s current snapshot. ``main`` does not move.
  The snapshot changes only what changed: a file the version took over unchanged from an
  earlier one (an incremental run; the manifest's ``origin``) stays registered where it
  is, the version's new files are added, and ``main``'s other files are deleted. A first
  or full run thus replaces every file, an incremental one appends the new raw files' rows
  and, for a changed raw file, replaces that file's rows.
- ``publish``: only after the gate passed (the engine checks that first), moves ``main``
  to the staged snapshot (a fast-forward: refused when ``main`` moved since the staging)
  and drops the branch; then commits the features version to ``feature_windows``, changing
  only what changed in the same way.

Every commit goes through the catalog's optimistic concurrency (the SQL catalog's
compare-and-swap of the metadata pointer, Glue's version id): a writer that lost a race
reloads and retries a bounded number of times, or is refused; a commit is never lost.
"""

from __future__ import annotations

import json
import time
from typing import Callable, Dict, List, Optional

from pyiceberg.exceptions import CommitFailedException, NoSuchTableError, ValidationException
from pyiceberg.io.pyarrow import (compute_statistics_plan,
                                  data_file_statistics_from_parquet_metadata,
                                  parquet_path_to_id_mapping)
from pyiceberg.manifest import DataFile, DataFileContent, FileFormat
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.table import Table
from pyiceberg.table.name_mapping import create_mapping_from_schema
from pyiceberg.table.sorting import SortField, SortOrder
from pyiceberg.table.update.snapshot import ManageSnapshots
from pyiceberg.transforms import IdentityTransform
from pyiceberg.typedef import Record

from . import definitions as d

MAIN = "main"
PROP = "sensorlake."  # the prefix of the snapshot summary properties the engine sets
COMMIT_ATTEMPTS = 5


class TablesError(RuntimeError):
    """An error with a status code name the engine maps to its exit code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def audit_branch(curated_version: str) -> str:
    return f"audit-{curated_version}"


def _identifier(namespace: str, table: d.TableDef) -> str:
    return f"{namespace}.{table.name}"


def ensure_table(catalog, namespace: str, table: d.TableDef, file_schema,
                 location: Optional[str]) -> Table:
    """The table, created from a data file's schema when the catalog has none."""
    try:
        return catalog.load_table(_identifier(namespace, table))
    except NoSuchTableError:
        pass
    from pyiceberg.catalog import Catalog
    from pyiceberg.schema import assign_fresh_schema_ids
    schema = assign_fresh_schema_ids(
        Catalog._convert_schema_if_needed(d.iceberg_arrow_schema(file_schema)))
    spec = PartitionSpec(*[
        PartitionField(source_id=schema.find_field(c).field_id, field_id=1000 + i,
                       transform=IdentityTransform(), name=c)
        for i, c in enumerate(d.PARTITION_COLUMNS)])
    order = SortOrder(*[SortField(source_id=schema.find_field(c).field_id,
                                  transform=IdentityTransform())
                        for c in table.sort_columns])
    # Look before creating: on AWS the database is Terraform's, and the engine's role has
    # glue:GetDatabase but no glue:CreateDatabase (pyiceberg's create_namespace_if_not_exists
    # calls CreateDatabase straight away, which IAM refuses before Glue finds it exists).
    if not catalog.namespace_exists(namespace):
        catalog.create_namespace_if_not_exists(namespace)
    try:
        created = catalog.create_table(
            _identifier(namespace, table), schema=schema, location=location,
            partition_spec=spec, sort_order=order,
            properties={"format-version": "2",
                        "schema.name-mapping.default":
                            create_mapping_from_schema(schema).model_dump_json()})
    except Exception as e:  # another writer created it first
        if "already exists" not in str(e).lower():
            raise
        return catalog.load_table(_identifier(namespace, table))
    # An empty first snapshot on main: a branch needs a snapshot to start from, and
    # readers of main see an empty table until the first publish.
    with created.transaction() as tx:
        with tx.update_snapshot(snapshot_properties={PROP + "created": "empty"}).fast_append():
            pass
    return catalog.load_table(_identifier(namespace, table))


def parquet_files(lake, folder: str) -> List[tuple]:
    """(path relative to ``folder``, size) of each Parquet file under ``folder``, sorted."""
    return [(rel, size) for rel, size in sorted(lake.list_files(folder, True))
            if rel.endswith(".parquet")]


def data_files(table: Table, lake, folder: str, only: Optional[set] = None) -> List[DataFile]:
    """One DataFile per Parquet file under ``folder`` (a lake path), or per file of ``only``
    (paths relative to ``folder``), with the statistics of its footer and the partition of
    its path; the files are not rewritten."""
    meta = table.metadata
    schema = meta.schema()
    plan = compute_statistics_plan(schema, meta.properties)
    mapping = parquet_path_to_id_mapping(schema)
    spec = meta.spec()
    names = [schema.find_field(f.source_id).name for f in spec.fields]
    files = []
    listed = parquet_files(lake, folder)
    for rel, size in listed:
        if only is not None and rel not in only:
            continue
        path = file_uri(lake, f"{folder}/{rel}")
        with table.io.new_input(path).open() as stream:
            import pyarrow.parquet as pq
            footer = pq.read_metadata(stream)
        _check_columns(footer.schema.to_arrow_schema(), schema, path)
        stats = data_file_statistics_from_parquet_metadata(footer, plan, mapping)
        partition = d.partition_of(rel)
        files.append(DataFile.from_args(
            content=DataFileContent.DATA, file_path=path, file_format=FileFormat.PARQUET,
            partition=Record(*[partition[n] for n in names]), file_size_in_bytes=size,
            sort_order_id=meta.default_sort_order_id, spec_id=meta.default_spec_id,
            equality_ids=None, key_metadata=None, **stats.to_serialized_dict()))
    if not listed:
        raise TablesError("NotFound", f"{lake.display_path(folder)}: no Parquet files")
    return files


def _check_columns(file_schema, schema, path: str) -> None:
    want = [f.name for f in schema.fields if f.name not in d.PARTITION_COLUMNS]
    if file_schema.names != want:
        raise TablesError(
            "Corrupt", f"{path}: columns {file_schema.names} differ from the table's {want}: "
                       f"a schema change needs the table's schema evolved first")


def file_uri(lake, rel: str) -> str:
    p = lake.display_path(rel)
    return p if "://" in p else "file://" + p


def _with_retries(what: str, table_id: str, attempt: Callable[[], Dict]) -> Dict:
    """Runs ``attempt`` (which reloads the table) until the catalog accepts its commit."""
    for n in range(1, COMMIT_ATTEMPTS + 1):
        try:
            return attempt()
        except (CommitFailedException, ValidationException, ValueError) as e:
            # The SQL catalog applies a commit's updates to the metadata it reloads at commit
            # time: a snapshot another writer added in between surfaces as a ValueError on
            # the sequence number, not as CommitFailedException. pyiceberg's own retry
            # rebuilds the snapshot on the branch head it reloads, which skips this
            # transaction's branch reset, so its deletes miss their files: a
            # ValidationException, which guarantees nothing landed. All three mean "lost
            # the race": the attempt starts again from the reloaded table.
            if isinstance(e, ValueError) and "sequence number" not in str(e):
                raise
            if n == COMMIT_ATTEMPTS:
                raise TablesError("Busy", f"{what} {table_id}: the catalog refused the commit "
                                          f"{n} times (another writer kept committing): {e}")
            time.sleep(0.05 * 2 ** n)
    raise AssertionError("unreachable")


def _head(table: Table, ref: str = MAIN):
    r = table.metadata.refs.get(ref)
    return table.metadata.snapshot_by_id(r.snapshot_id) if r else None


def _summary_prop(snapshot, key: str) -> Optional[str]:
    if snapshot is None or snapshot.summary is None:
        return None
    return snapshot.summary.additional_properties.get(PROP + key)


def _records(snapshot) -> int:
    return int(snapshot.summary.additional_properties.get("total-records", 0))


def live_files(table: Table, snapshot) -> List[DataFile]:
    """Every data file ``snapshot`` holds, from its manifests. Not a scan: scan planning
    prunes files without rows (a raw file with nothing quarantined has an empty quarantine
    file), which would then never be deleted, and maintenance would not see them."""
    if snapshot is None:
        return []
    return [e.data_file for m in snapshot.manifests(table.io)
            for e in m.fetch_manifest_entry(table.io, discard_deleted=True)
            if e.data_file.content == DataFileContent.DATA]


def _replace_on_branch(table: Table, branch: str, base, files: List[DataFile],
                       props: Dict[str, str], keep: frozenset = frozenset()):
    """One transaction: ``branch`` reset to ``base`` (main's head), then one snapshot on it
    that deletes ``base``'s files except those in ``keep`` (file paths) and adds ``files``:
    an append when nothing is deleted, an overwrite otherwise."""
    tx = table.transaction()
    if branch != MAIN:
        if branch in table.metadata.refs:
            ManageSnapshots(tx).remove_branch(branch).commit()
        if base is not None:
            ManageSnapshots(tx).create_branch(base.snapshot_id, branch).commit()
    old = [f for f in live_files(table, base) if f.file_path not in keep]
    update = tx.update_snapshot(snapshot_properties=props, branch=branch)
    with (update.overwrite() if old else update.fast_append()) as op:
        for f in old:
            op.delete_data_file(f)
        for f in files:
            op.append_data_file(f)
    tx.commit_transaction()
    return _head(table, branch)


def _origins(lake, zone: str, version: str) -> Dict[str, str]:
    """A curated or features version's outputs (paths inside the version) and the version
    that first wrote each one's bytes, from its manifest (no ``origin``: its own)."""
    text = lake.read_bytes(f"{zone}/_versions/{version}/_manifest.json").decode()
    return {o["path"]: o.get("origin", version) for o in json.loads(text).get("outputs", [])}


def _delta(table: Table, lake, tdef: d.TableDef, version: str, base):
    """(files to add, file paths of ``base`` to keep) for committing ``version``: an output
    still registered at the path of the version that wrote it is kept there."""
    folder = d.version_folder(tdef, version)
    origins = _origins(lake, tdef.zone, version)
    live = {f.file_path for f in live_files(table, base)}
    keep, add = set(), set()
    for rel, _ in parquet_files(lake, folder):
        origin = origins.get(f"{tdef.folder}/{rel}", version)
        registered = file_uri(lake, f"{d.version_folder(tdef, origin)}/{rel}")
        if origin != version and registered in live:
            keep.add(registered)
        else:
            add.add(rel)
    return data_files(table, lake, folder, only=add), frozenset(keep)


def stage(catalog, namespace: str, lake, curated_version: str, props: Dict[str, str]) -> Dict:
    """Stages ``curated_version`` on ``audit-<version>`` of the curated tables."""
    out = {}
    branch = audit_branch(curated_version)
    for tdef in d.CURATED_TABLES:
        folder = d.version_folder(tdef, curated_version)
        table_id = _identifier(namespace, tdef)

        def attempt(tdef=tdef, folder=folder):
            table = _open(catalog, namespace, tdef, lake, folder)
            base = _head(table)
            if _summary_prop(base, "curated-version") == curated_version:
                return {"snapshot_id": base.snapshot_id, "branch": MAIN, "unchanged": True,
                        "records": _records(base)}
            files, keep = _delta(table, lake, tdef, curated_version, base)
            snap = _replace_on_branch(table, branch, base, files, props, keep)
            summary = snap.summary.additional_properties
            return {"snapshot_id": snap.snapshot_id, "branch": branch,
                    "parent_snapshot_id": base.snapshot_id if base else None,
                    "records": _records(snap), "operation": snap.summary.operation.value,
                    "added_files": int(summary.get("added-data-files", 0)),
                    "deleted_files": int(summary.get("deleted-data-files", 0)),
                    "kept_files": len(keep)}
        out[tdef.name] = _with_retries("staging", table_id, attempt)
    return out


def _open(catalog, namespace, tdef, lake, folder) -> Table:
    try:
        return catalog.load_table(_identifier(namespace, tdef))
    except NoSuchTableError:
        first = next((rel for rel, _ in sorted(lake.list_files(folder, True))
                      if rel.endswith(".parquet")), None)
        if first is None:
            raise TablesError("NotFound", f"{lake.display_path(folder)}: no Parquet files")
        import pyarrow.parquet as pq
        import pyarrow.fs as pafs
        fs, path = pafs.FileSystem.from_uri(file_uri(lake, f"{folder}/{first}"))
        with fs.open_input_file(path) as f:
            schema = pq.read_schema(f)
        return ensure_table(catalog, namespace, tdef, schema,
                            file_uri(lake, f"{d.TABLES_FOLDER}/{tdef.name}"))


def publish(catalog, namespace: str, lake, curated_version: str, features_version: str,
            props: Dict[str, str]) -> Dict:
    """Fast-forwards ``main`` of the curated tables to the staged snapshots, then commits
    the features version to ``feature_windows``. Idempotent: a table already at the version
    is left as it is."""
    out = {}
    branch = audit_branch(curated_version)
    for tdef in d.CURATED_TABLES:
        table_id = _identifier(namespace, tdef)

        def attempt(tdef=tdef, table_id=table_id):
            try:
                table = catalog.load_table(table_id)
            except NoSuchTableError:
                raise TablesError("NotFound", f"{table_id} does not exist: no curated version "
                                              f"was staged (run sensorlake check first)")
            head = _head(table)
            if _summary_prop(head, "curated-version") == curated_version:
                return {"snapshot_id": head.snapshot_id, "unchanged": True}
            staged = _head(table, branch)
            if staged is None:
                raise TablesError("NotFound", f"{table_id}: curated version {curated_version} "
                                              f"has no staged snapshot (branch {branch}): run "
                                              f"sensorlake check on it first")
            if staged.parent_snapshot_id != (head.snapshot_id if head else None):
                raise TablesError(
                    "Refused", f"{table_id}: main moved to snapshot "
                               f"{head.snapshot_id if head else None} after curated version "
                               f"{curated_version} was staged on snapshot "
                               f"{staged.parent_snapshot_id}: run sensorlake check again")
            tx = table.transaction()
            ManageSnapshots(tx).set_current_snapshot(snapshot_id=staged.snapshot_id) \
                .remove_branch(branch).commit()
            tx.commit_transaction()
            return {"snapshot_id": staged.snapshot_id}
        out[tdef.name] = _with_retries("publishing", table_id, attempt)
    if features_version:
        tdef = d.FEATURE_WINDOWS
        folder = d.version_folder(tdef, features_version)

        def attempt_features():
            table = _open(catalog, namespace, tdef, lake, folder)
            head = _head(table)
            if _summary_prop(head, "features-version") == features_version:
                return {"snapshot_id": head.snapshot_id, "unchanged": True}
            fprops = dict(props, **{PROP + "features-version": features_version})
            files, keep = _delta(table, lake, tdef, features_version, head)
            snap = _replace_on_branch(table, MAIN, head, files, fprops, keep)
            return {"snapshot_id": snap.snapshot_id, "operation": snap.summary.operation.value,
                    "added_files": len(files), "kept_files": len(keep)}
        out[tdef.name] = _with_retries("publishing", _identifier(namespace, tdef),
                                       attempt_features)
    return out


def describe(catalog, namespace: str) -> Dict:
    """Each table's refs and snapshots, newest first, with the engine's properties."""
    out = {}
    for tdef in d.ALL_TABLES:
        try:
            table = catalog.load_table(_identifier(namespace, tdef))
        except NoSuchTableError:
            continue
        meta = table.metadata
        out[tdef.name] = {
            "location": meta.location,
            "metadata_location": table.metadata_location,
            "refs": {name: r.snapshot_id for name, r in meta.refs.items()},
            "snapshots": [{
                "snapshot_id": s.snapshot_id, "parent_snapshot_id": s.parent_snapshot_id,
                "timestamp_ms": s.timestamp_ms,
                "operation": s.summary.operation.value if s.summary else None,
                "records": _records(s) if s.summary else 0,
                "properties": {k[len(PROP):]: v for k, v in
                               (s.summary.additional_properties.items() if s.summary else [])
                               if k.startswith(PROP)},
            } for s in sorted(meta.snapshots, key=lambda s: -s.timestamp_ms)],
        }
    return out
