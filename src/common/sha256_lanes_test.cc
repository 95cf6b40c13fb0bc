// The lanes against OpenSSL: every length around the block and padding boundaries, chunks
// split anywhere, two messages of different lengths side by side, and the fallback.
#include "sensorlake/common/sha256_lanes.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

namespace sensorlake {
namespace {

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::string LaneHex(std::string_view data, size_t chunk) {
  Sha256Lane lane;
  for (size_t i = 0; i < data.size(); i += chunk) lane.Update(data.substr(i, chunk));
  return lane.HexDigest();
}

TEST(Sha256LaneTest, EveryLengthAroundTheBlockAndPaddingBoundaries) {
  const std::string data = RandomBytes(300, 1);
  for (size_t n = 0; n <= data.size(); ++n) {
    SCOPED_TRACE(n);
    const std::string_view part(data.data(), n);
    EXPECT_EQ(LaneHex(part, 1 << 20), Sha256::Hex(part));
    EXPECT_EQ(LaneHex(part, 7), Sha256::Hex(part));
  }
  EXPECT_EQ(LaneHex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256LaneTest, TwoMessagesSideBySideInChunksOfAnySize) {
  const std::string a = RandomBytes(1 << 20, 2), b = RandomBytes((1 << 20) - 4321, 3);
  for (size_t chunk : {size_t{64}, size_t{1000}, size_t{65536}, size_t{1} << 20}) {
    SCOPED_TRACE(chunk);
    Sha256Lane la, lb;
    for (size_t i = 0; i < a.size(); i += chunk) {
      const std::string_view next_b = i < b.size() ? std::string_view(b).substr(i, chunk) : "";
      Sha256Lane::UpdateBoth(la, std::string_view(a).substr(i, chunk), lb, next_b);
    }
    EXPECT_EQ(la.HexDigest(), Sha256::Hex(a));
    EXPECT_EQ(lb.HexDigest(), Sha256::Hex(b));
  }
}

TEST(Sha256LaneTest, WithoutTheShaInstructionsTheLanesUseOpenSsl) {
  internal::SetSha256LanesAccelerated(false);
  EXPECT_FALSE(Sha256Lane::Accelerated());
  const std::string a = RandomBytes(5000, 4), b = RandomBytes(300, 5);
  Sha256Lane la, lb;
  Sha256Lane::UpdateBoth(la, a, lb, b);
  internal::SetSha256LanesAccelerated(true);
  EXPECT_EQ(la.HexDigest(), Sha256::Hex(a));
  EXPECT_EQ(lb.HexDigest(), Sha256::Hex(b));
}

}  // namespace
}  // namespace sensorlake
