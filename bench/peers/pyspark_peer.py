"""PySpark local[N]: spark.read.csv with an explicit schema (z as text because of the
trailing ';'), device and sensor from the hidden _metadata.file_path column, one shuffle
to group each (device, sensor), a sort inside it, and partitionBy on write (ZSTD Parquet).
The sort keys start with the partition columns, so Spark's writer adds no sort of its own
that could undo the order."""
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import (FloatType, LongType, ShortType, StringType, StructField,
                               StructType)

from _common import parse_args

args = parse_args(__doc__)
spark = (SparkSession.builder.master(f"local[{args.threads}]").appName("wisdm-bench")
         .config("spark.ui.enabled", "false")
         .config("spark.ui.showConsoleProgress", "false")
         .config("spark.sql.parquet.compression.codec", "zstd")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
schema = StructType([StructField("subject", ShortType()), StructField("activity", StringType()),
                     StructField("timestamp_ns", LongType()), StructField("x", FloatType()),
                     StructField("y", FloatType()), StructField("z", StringType())])
path = F.split(F.col("_metadata.file_path"), "/")
(
    spark.read.csv(f"{args.input}/*/*/*.txt", schema=schema)
    .select(F.element_at(path, -3).alias("device"), F.element_at(path, -2).alias("sensor"),
            "subject", "activity", "timestamp_ns", "x", "y",
            F.regexp_replace("z", ";$", "").cast(FloatType()).alias("z"))
    .repartition("device", "sensor")
    .sortWithinPartitions("device", "sensor", "subject", "activity", "timestamp_ns")
    .write.partitionBy("device", "sensor").parquet(args.out)
)
spark.stop()
