#include "testing/raw_zone.h"

#include <nlohmann/json.hpp>

#include "sensorlake/common/sha256.h"
#include "sensorlake/common/xxh3.h"
#include "sensorlake/zones/raw_manifest.h"

namespace sensorlake::testing {

Status LandRawVersion(const storage::Lake& lake, const std::string& version,
                      const std::map<std::string, std::string>& files) {
  zones::RawManifest m;
  m.version = version;
  for (const auto& [path, content] : files) {
    SL_RETURN_NOT_OK(
        lake.WriteAtomic(storage::JoinPath(zones::RawVersionDir(version), path), content));
    zones::LineCounter counter;
    counter.Update(content);
    m.files.push_back({path, static_cast<int64_t>(content.size()), Sha256::Hex(content),
                       counter.lines(), Xxh3::Hex(content)});
  }
  m.content_sha256 = zones::ContentSha256(m.files);
  SL_RETURN_NOT_OK(lake.WriteAtomic(zones::RawManifestPath(version), m.ToJson().dump()));
  return lake.WriteAtomic("raw/wisdm/_latest.json", nlohmann::json{{"version", version}}.dump());
}

}  // namespace sensorlake::testing
