#include "cli/exit_codes.h"

#include <set>

#include <gtest/gtest.h>

namespace sensorlake::cli {
namespace {

// Every Status code, kOk to kInternal (status.h declares them in this order).
constexpr int32_t kNumStatusCodes = static_cast<int32_t>(StatusCode::kInternal) + 1;

TEST(ExitCodes, EveryStatusCodeHasOneRowWithItsExitCode) {
  std::set<int32_t> seen;
  for (const ExitCode& e : kExitCodes) {
    if (!e.status) continue;
    EXPECT_EQ(e.code, ExitCodeFor(*e.status)) << e.name;
    EXPECT_TRUE(seen.insert(static_cast<int32_t>(*e.status)).second) << e.name;
  }
  EXPECT_EQ(static_cast<int32_t>(seen.size()), kNumStatusCodes);
}

TEST(ExitCodes, CodesAreUniqueAscendingAndNamed) {
  for (size_t i = 0; i < kExitCodes.size(); ++i) {
    EXPECT_FALSE(kExitCodes[i].name.empty());
    if (i > 0) EXPECT_LT(kExitCodes[i - 1].code, kExitCodes[i].code);
  }
}

TEST(ExitCodes, VerdictAndUsageStandForNoStatus) {
  for (const ExitCode& e : kExitCodes) {
    if (e.code == kExitGateFailed || e.code == kExitUsage) {
      EXPECT_FALSE(e.status.has_value()) << e.name;
    } else {
      EXPECT_TRUE(e.status.has_value()) << e.name;
      EXPECT_NE(ExitCodeFor(*e.status), kExitGateFailed);
      EXPECT_NE(ExitCodeFor(*e.status), kExitUsage);
    }
  }
}

TEST(ExitCodes, OnlyIOAndBusyAreTransient) {
  std::set<int32_t> transient;
  for (const ExitCode& e : kExitCodes) {
    if (e.transient) transient.insert(e.code);
  }
  EXPECT_EQ(transient,
            (std::set<int32_t>{ExitCodeFor(StatusCode::kIOError), ExitCodeFor(StatusCode::kBusy)}));
}

}  // namespace
}  // namespace sensorlake::cli
