"""Polars: lazy scan_csv with an explicit schema (z as text because of the trailing ';'),
device and sensor from the file path, sorted, streamed to hive-partitioned ZSTD Parquet
with sink_parquet(PartitionBy)."""
import os

from _common import parse_args

args = parse_args(__doc__)
os.environ["POLARS_MAX_THREADS"] = str(args.threads)  # read by polars at import
import polars as pl  # noqa: E402

schema = {"subject": pl.Int16, "activity": pl.String, "timestamp_ns": pl.Int64,
          "x": pl.Float32, "y": pl.Float32, "z": pl.String}
parts = pl.col("path").str.extract_groups(r"/([^/]+)/([^/]+)/[^/]+$")
(
    pl.scan_csv(f"{args.input}/*/*/*.txt", has_header=False, schema=schema,
                include_file_paths="path")
    .select(parts.struct.field("1").alias("device"), parts.struct.field("2").alias("sensor"),
            "subject", "activity", "timestamp_ns", "x", "y",
            pl.col("z").str.strip_chars_end(";").cast(pl.Float32))
    .sort("device", "sensor", "subject", "activity", "timestamp_ns")
    .sink_parquet(pl.PartitionBy(args.out, key=["device", "sensor"], include_key=False),
                  compression="zstd", mkdir=True)
)
