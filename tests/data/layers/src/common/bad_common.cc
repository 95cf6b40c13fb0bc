// Breaks the layer rule on purpose (tests/data/layers/README.md).
#include <string>

#include <sensorlake/serve/server.h>
