#include "sensorlake/common/xxh3.h"

#include <string>

#include <gtest/gtest.h>

namespace sensorlake {
namespace {

TEST(Xxh3Test, KnownVectorOfTheEmptyInput) {
  // XXH3_128bits("") from the xxHash reference (high 64 bits first).
  EXPECT_EQ(Xxh3::Hex(""), "99aa06d3014798d86001c324468d497f");
}

TEST(Xxh3Test, IncrementalEqualsOneShotAcrossChunkBoundaries) {
  std::string data(100'000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 % 251);
  Xxh3 h;
  for (size_t i = 0; i < data.size(); i += 777) h.Update(std::string_view(data).substr(i, 777));
  EXPECT_EQ(h.HexDigest(), Xxh3::Hex(data));
  data[50'000] ^= 1;  // one flipped bit changes the digest
  EXPECT_NE(h.HexDigest(), Xxh3::Hex(data));
}

}  // namespace
}  // namespace sensorlake
