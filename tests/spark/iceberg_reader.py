"""Spark's own Iceberg reader on a sensorlake lake (tests/spark/test_iceberg_tables.py): the
lake's SQLite catalog through Iceberg's JDBC catalog, Iceberg's Spark runtime from Maven
Central. Prints one JSON object: counts of main, per device and sensor, and of a snapshot
read by id (time travel). Usage: iceberg_reader.py LAKE SNAPSHOT_ID IVY_DIR"""
import json
import sys

from pyspark.sql import SparkSession

PACKAGES = ("org.apache.iceberg:iceberg-spark-runtime-4.1_2.13:1.12.0,"
            "org.xerial:sqlite-jdbc:3.50.3.0")


def main(lake: str, snapshot_id: int, ivy: str) -> None:
    spark = (SparkSession.builder.master("local[2]").appName("sensorlake-iceberg-reader")
             .config("spark.jars.packages", PACKAGES)
             .config("spark.jars.ivy", ivy)
             .config("spark.ui.enabled", "false")
             .config("spark.sql.catalog.sensorlake", "org.apache.iceberg.spark.SparkCatalog")
             .config("spark.sql.catalog.sensorlake.type", "jdbc")
             .config("spark.sql.catalog.sensorlake.uri", f"jdbc:sqlite:{lake}/_catalog/catalog.db")
             .config("spark.sql.catalog.sensorlake.jdbc.schema-version", "V1")
             .config("spark.sql.catalog.sensorlake.warehouse", f"file://{lake}")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    t = "sensorlake.sensorlake.sensor_readings"
    out = {
        "main": spark.sql(f"SELECT count(*) AS n FROM {t}").first()["n"],
        "by_partition": {f"{r['device']}/{r['sensor']}": r["n"] for r in spark.sql(
            f"SELECT device, sensor, count(*) AS n FROM {t} GROUP BY device, sensor").collect()},
        "subjects": spark.sql(f"SELECT count(DISTINCT subject) AS n FROM {t}").first()["n"],
        "previous": spark.sql(
            f"SELECT count(*) AS n FROM {t} VERSION AS OF {snapshot_id}").first()["n"],
        "feature_windows": spark.sql(
            "SELECT count(*) AS n FROM sensorlake.sensorlake.feature_windows").first()["n"],
        "snapshots": [r["snapshot_id"] for r in spark.sql(
            f"SELECT snapshot_id FROM {t}.snapshots ORDER BY committed_at").collect()],
    }
    spark.stop()
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
