// Breaks the layer rule on purpose (tests/data/layers/README.md).
#pragma once

#include "sensorlake/common/status.h"

#include "sensorlake/pipeline/pipeline.h"
