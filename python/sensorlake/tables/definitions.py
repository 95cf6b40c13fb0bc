"""The lake's three Iceberg tables and the Parquet files that are their data
(docs/tables.md).

A table's data files are the Parquet files the engine already wrote into a version folder:
they are registered, never rewritten. The engine's files carry no Iceberg field ids and
keep ``device`` and ``sensor`` in the folder names (hive style), so each table declares

- its schema from the files' own Arrow schema (the version's first file), plus ``device``
  and ``sensor`` as identity partition columns whose values come from the partition
  metadata, as for any table whose files were added from a Hive layout;
- ``schema.name-mapping.default``, so every Iceberg reader resolves the files' columns by
  name;
- the engine's sort order within a file (``sensorlake.sort_order`` in the files).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Tuple

import pyarrow as pa
import pyarrow.parquet as pq

PARTITION_COLUMNS = ("device", "sensor")
# Where the tables' metadata lives in the lake, for every catalog (their data stays in the
# version folders). Its presence tells the stages not to prune versions
# (tables::VersionsOwnedByTables).
TABLES_FOLDER = "tables"


@dataclass(frozen=True)
class TableDef:
    name: str  # the table in the catalog's namespace
    zone: str  # the versioned zone whose versions hold the files
    folder: str  # the folder inside a version
    sort_columns: Tuple[str, ...]


SENSOR_READINGS = TableDef("sensor_readings", "curated", "sensor_readings",
                           ("subject", "activity", "timestamp_ns"))
QUARANTINE = TableDef("quarantine", "curated", "quarantine", ("file", "line"))
FEATURE_WINDOWS = TableDef("feature_windows", "features", "windows",
                           ("subject", "activity", "block", "window"))
CURATED_TABLES = (SENSOR_READINGS, QUARANTINE)
ALL_TABLES = (SENSOR_READINGS, QUARANTINE, FEATURE_WINDOWS)


def version_folder(table: TableDef, version: str) -> str:
    """The folder (a lake path) that holds ``version``'s files of ``table``."""
    return f"{table.zone}/_versions/{version}/{table.folder}"


def partition_of(relative_path: str) -> Dict[str, str]:
    """``device=phone/sensor=accel/part-00000.parquet`` -> {device: phone, sensor: accel}."""
    values = {}
    for part in relative_path.split("/")[:-1]:
        key, sep, value = part.partition("=")
        if sep and key in PARTITION_COLUMNS:
            values[key] = value
    missing = [c for c in PARTITION_COLUMNS if c not in values]
    if missing:
        raise ValueError(f"{relative_path}: no {'/'.join(missing)}=<value> folder in its path")
    return values


def iceberg_arrow_schema(file_schema: pa.Schema) -> pa.Schema:
    """The table's Arrow schema from a data file's: dictionaries as their values, 16-bit
    integers as Iceberg's int, then the partition columns."""
    fields: List[pa.Field] = []
    for f in file_schema:
        t = f.type
        if pa.types.is_dictionary(t):
            t = t.value_type
        if pa.types.is_int8(t) or pa.types.is_int16(t):
            t = pa.int32()
        fields.append(pa.field(f.name, t, nullable=f.nullable))
    # Optional: readers fill a column missing from a file from an identity partition
    # value only when the column may be null (pyiceberg, like the spec's projection rules).
    fields += [pa.field(c, pa.string(), nullable=True) for c in PARTITION_COLUMNS]
    return pa.schema(fields)


def read_footer(path: str, filesystem) -> pq.FileMetaData:
    with filesystem.open_input_file(path) as f:
        return pq.read_metadata(f)
