// `sensorlake ingest` end to end: flags, --json summary, exit codes.
#include <sys/wait.h>

#include <cstdio>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/temp_dir.h"
#include "testing/zip_fixtures.h"

namespace sensorlake::ingest {
namespace {

struct CommandResult {
  int exit_code = -1;
  std::string out;
};

// stdout only, or stdout and stderr together (where CLI11 prints a usage error).
CommandResult RunCli(const std::string& args, bool with_stderr = false) {
  std::string cmd =
      testing::SensorlakeBinary() + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
  CommandResult r;
  std::FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(IngestCli, JsonSummaryThenUnchangedThenRefusal) {
  testing::TempDir dir;
  testing::WriteTree(dir.path() / "src", testing::TinyDataset());
  std::string lake = "file://" + dir.str() + "/lake";
  std::string args = "--json ingest --source " + dir.str() + "/src --lake " + lake +
                     " --cache-dir " + dir.str() + "/cache";

  CommandResult first = RunCli(args);
  ASSERT_EQ(first.exit_code, 0) << first.out;
  auto j = nlohmann::json::parse(first.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["command"], "ingest");
  EXPECT_EQ(j["unchanged"], false);
  EXPECT_EQ(j["lines"], 8 * 20 + 3 + 2 + 2);
  EXPECT_EQ(j["folder_lines"]["watch/gyro"], 40);
  std::string version = j["version"];
  EXPECT_EQ(j["manifest"], "raw/wisdm/" + version + "/_manifest.json");

  CommandResult second = RunCli(args);
  ASSERT_EQ(second.exit_code, 0) << second.out;
  EXPECT_EQ(nlohmann::json::parse(second.out)["unchanged"], true);

  CommandResult text = RunCli("ingest --source " + dir.str() + "/src --lake " + lake);
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("unchanged"), std::string::npos) << text.out;

  auto entries = testing::ZipEntries(testing::TinyDataset(1), "wisdm-dataset/");
  entries.push_back({"../evil.txt", "x"});
  ASSERT_TRUE(testing::WriteZip(dir.path() / "evil.zip", entries));
  CommandResult refused =
      RunCli("--json ingest --source " + dir.str() + "/evil.zip --lake " + lake);
  EXPECT_EQ(refused.exit_code, 9) << refused.out;
  EXPECT_EQ(nlohmann::json::parse(refused.out)["error"]["code"], "Refused");

  CommandResult conflict = RunCli("-q ingest --source " + dir.str() + "/src --lake " + lake +
                                  " --dataset-version " + version + " --sha256 00");
  EXPECT_EQ(conflict.exit_code, 3);  // --sha256 is not 64 hex digits
  // --source is required: a usage error, 2 in docs/cli.md's table of exit codes (CLI11's
  // own code for a missing option, 106, must not leak out).
  CommandResult usage = RunCli("ingest --lake " + lake, /*with_stderr=*/true);
  EXPECT_EQ(usage.exit_code, 2) << usage.out;
  EXPECT_NE(usage.out.find("--source is required"), std::string::npos) << usage.out;
}

}  // namespace
}  // namespace sensorlake::ingest
