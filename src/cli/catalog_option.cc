#include "cli/catalog_option.h"

#include <fmt/format.h>

#include "sensorlake/tables/iceberg_tables.h"

namespace sensorlake::cli {

void AddCatalogOption(CLI::App* sub, std::string* catalog) {
  sub->add_option("--catalog", *catalog,
                  "Iceberg catalog of the lake's tables: lake (<lake>/_catalog/catalog.db, the "
                  "default for a local lake), sqlite:///<path>.db, glue://<database>, "
                  "http(s)://<REST catalog>, or none (env SENSORLAKE_CATALOG)");
}

std::string ResolveCatalog(const std::string& given, const storage::Lake& lake) {
  return given.empty() ? tables::DefaultCatalog(lake) : given;
}

Result<std::string> RequireCatalog(const std::string& given, const storage::Lake& lake) {
  std::string catalog = ResolveCatalog(given, lake);
  if (!tables::CatalogEnabled(catalog)) {
    return Status::Invalid("{} has no catalog (--catalog {}): name one with --catalog", lake.uri(),
                           catalog);
  }
  return catalog;
}

std::string HowToQueryTables(const std::string& catalog, const storage::Lake& lake) {
  if (catalog != tables::kLakeCatalog || !lake.is_local()) {
    return fmt::format("  tables:     catalog {} (docs/tables.md shows how to query it)\n",
                       catalog);
  }
  const std::string root = lake.LocalPath("");
  const std::string db = lake.LocalPath("_catalog/catalog.db");
  return fmt::format(
      "  tables:     sensorlake.sensor_readings, .quarantine, .feature_windows in {}\n"
      "    pyiceberg: SqlCatalog(\"sensorlake\", uri=\"sqlite:///{}\", warehouse=\"file://{}\")"
      ".load_table(\"sensorlake.sensor_readings\").scan().to_arrow()\n"
      "    Spark:     --packages org.apache.iceberg:iceberg-spark-runtime-4.1_2.13:1.12.0,"
      "org.xerial:sqlite-jdbc:3.50.3.0 --conf spark.sql.catalog.sensorlake="
      "org.apache.iceberg.spark.SparkCatalog --conf spark.sql.catalog.sensorlake.type=jdbc "
      "--conf spark.sql.catalog.sensorlake.uri=jdbc:sqlite:{} --conf "
      "spark.sql.catalog.sensorlake.jdbc.schema-version=V1, then SELECT ... FROM "
      "sensorlake.sensorlake.sensor_readings\n"
      "    DuckDB:    SELECT ... FROM read_parquet('{}/curated/published/sensor_readings/**/"
      "*.parquet', hive_partitioning = true)\n",
      db, db, root, db, root);
}

}  // namespace sensorlake::cli
