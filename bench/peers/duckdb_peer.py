"""DuckDB: one COPY statement. read_csv with an explicit schema (z as text because of the
trailing ';'), device and sensor from the file path, written as hive-partitioned ZSTD
Parquet. The sort is COPY's own ORDER_BY option (sorted partitioned writes, DuckDB 1.5+):
an ORDER BY inside the query is not kept by a parallel partitioned write (row groups of
different threads interleave in a file)."""
import duckdb

from _common import parse_args

args = parse_args(__doc__)
con = duckdb.connect()
con.execute(f"SET threads = {args.threads}")
con.execute(f"""
COPY (
  SELECT split_part(filename, '/', -3) AS device,
         split_part(filename, '/', -2) AS sensor,
         subject, activity, timestamp_ns, x, y,
         CAST(rtrim(z, ';') AS FLOAT) AS z
  FROM read_csv('{args.input}/*/*/*.txt', header = false, delim = ',', filename = true,
                columns = {{'subject': 'SMALLINT', 'activity': 'VARCHAR', 'timestamp_ns': 'BIGINT',
                           'x': 'FLOAT', 'y': 'FLOAT', 'z': 'VARCHAR'}})
) TO '{args.out}' (FORMAT parquet, PARTITION_BY (device, sensor),
                   ORDER_BY (subject, activity, timestamp_ns), COMPRESSION zstd)
""")
