// The one way a C++ test may be skipped: an explicit, loud opt-out. A test whose
// component (the real sample in ../shared, a tmpfs mount, ...) is missing fails, naming the
// component and how to get it; only SENSORLAKE_TEST_OPT_OUT (comma-separated component
// names, printed by `make test`'s summary, never set by CI) turns that into a skip.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

namespace sensorlake::testing {

inline constexpr const char* kOptOutEnv = "SENSORLAKE_TEST_OPT_OUT";

// True when `component` is listed in SENSORLAKE_TEST_OPT_OUT.
bool OptedOut(std::string_view component);

}  // namespace sensorlake::testing

// In a TEST body: when `available` is false, fails the test naming the component and how to
// install it, or skips it when the component is opted out.
#define SENSORLAKE_REQUIRE_COMPONENT(component, available, how_to_install)                    \
  do {                                                                                        \
    if (!(available)) {                                                                       \
      if (::sensorlake::testing::OptedOut(component)) {                                       \
        GTEST_SKIP() << (component) << " opted out by " << ::sensorlake::testing::kOptOutEnv; \
      }                                                                                       \
      FAIL() << (component) << " is missing: " << (how_to_install) << " (or opt out with "    \
             << ::sensorlake::testing::kOptOutEnv << "=" << (component) << ")";               \
    }                                                                                         \
  } while (false)
