// libFuzzer target: the TOML config parsers (transform cleaning rules, quality rules). Any
// text must load or be refused with a Status naming the origin: never a crash.
#include <cstdint>
#include <string_view>

#include "sensorlake/quality/rules.h"
#include "sensorlake/transform/cleaning_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto transform = sensorlake::transform::ParseTransformConfig(text, "fuzz.toml");
  if (transform.ok()) (void)transform->Canonical();
  (void)sensorlake::quality::ParseQualityRules(text, "fuzz.toml");
  return 0;
}
