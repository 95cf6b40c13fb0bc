// Named places where a crash-safety test may kill the process, the way SQLite's and
// RocksDB's test hooks do: the test picks a point, the process dies there with SIGKILL
// (no destructors, no flushing), and the test checks what a reader of the lake sees.
//
//   SENSORLAKE_CRASH_AT=<name>[#<n>]   die the n-th time (default 1) `name` is reached
//   SENSORLAKE_CRASH_TRACE=<file>      append every point reached, one name per line, so a
//                                      test can enumerate the points of a clean run
//
// With neither variable set a point costs one relaxed atomic load.
#pragma once

#include <string_view>

namespace sensorlake {

void CrashPoint(std::string_view name);

}  // namespace sensorlake
