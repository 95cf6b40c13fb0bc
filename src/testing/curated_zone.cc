#include "testing/curated_zone.h"

#include "sensorlake/transform/transform.h"
#include "testing/raw_zone.h"

namespace sensorlake::testing {

Status LandAndTransform(const storage::Lake& lake, const std::string& version,
                        const std::map<std::string, std::string>& files) {
  SL_RETURN_NOT_OK(LandRawVersion(lake, version, files));
  transform::TransformOptions o;
  o.dataset_version = version;
  return transform::RunTransform(lake, o).status();
}

}  // namespace sensorlake::testing
