// Test helpers shared by the *_test.cc files: a temporary folder removed at scope exit,
// and small file utilities.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace sensorlake::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

void WriteFile(const std::filesystem::path& path, std::string_view content);
std::string ReadFile(const std::filesystem::path& path);

// The read-only shared material (the WISDM real sample lives in <shared>/wisdm/real-sample):
// $SENSORLAKE_SHARED when set and not empty, else ../shared beside the repository as it was at
// configure time (CI's layout). The same rule as tests/python/conftest.py.
inline constexpr const char* kSharedEnv = "SENSORLAKE_SHARED";
std::string SharedDir();
// The built `sensorlake` program, for end-to-end tests of the CLI.
std::string SensorlakeBinary();

}  // namespace sensorlake::testing
