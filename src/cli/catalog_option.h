// --catalog for the commands that stage or publish Iceberg snapshots (check, publish, run,
// tables): the lake's own SQLite catalog unless told otherwise (docs/tables.md).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "sensorlake/common/result.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::cli {

void AddCatalogOption(CLI::App* sub, std::string* catalog);

// The catalog to use: `given`, else $SENSORLAKE_CATALOG, else the lake's default.
std::string ResolveCatalog(const std::string& given, const storage::Lake& lake);

// ResolveCatalog for the commands that only work on tables (tables, maintain): Invalid when
// the catalog resolves to none.
Result<std::string> RequireCatalog(const std::string& given, const storage::Lake& lake);

// How to query the lake's tables with pyiceberg, Spark and DuckDB (printed by run and tables).
std::string HowToQueryTables(const std::string& catalog, const storage::Lake& lake);

}  // namespace sensorlake::cli
