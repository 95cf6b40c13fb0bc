// Breaks the layer rule on purpose (tests/data/layers/README.md).
#include "sensorlake/ingest/ingest.h"
#include "sensorlake/storage/lake.h"
