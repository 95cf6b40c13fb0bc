// Keeps the layer rule (tests/data/layers/README.md).
#include "zones/fine.h"
#include "sensorlake/common/status.h"
#include "sensorlake/storage/lake.h"
