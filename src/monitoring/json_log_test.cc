#include "sensorlake/monitoring/json_log.h"

#include <regex>

#include <gtest/gtest.h>

namespace sensorlake::monitoring {
namespace {

TEST(JsonLogTest, OneObjectWithTheContext) {
  auto j = nlohmann::json::parse(
      FormatJsonLog("2026-01-01T00:00:00.000Z", "info", "r-1", "ingest", "hi", {{"rows", 3}}));
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["run_id"], "r-1");
  EXPECT_EQ(j["stage"], "ingest");
  EXPECT_EQ(j["msg"], "hi");
  EXPECT_EQ(j["rows"], 3);
  auto empty = nlohmann::json::parse(FormatJsonLog("t", "info", "", "", "x"));
  EXPECT_TRUE(empty["run_id"].is_null());
}

TEST(JsonLogTest, InvalidUtf8DoesNotThrowAndNewlinesStayEscaped) {
  std::string line = FormatJsonLog("t", "warning", "r", "s", "bad \xff byte\nnext");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NO_THROW((void)nlohmann::json::parse(line));
}

TEST(JsonLogTest, TimestampIsUtcWithMilliseconds) {
  EXPECT_TRUE(
      std::regex_match(LogTimestamp(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

}  // namespace
}  // namespace sensorlake::monitoring

namespace sensorlake::monitoring {
namespace {

TEST(JsonLogTest, QuietLoggerKeepsOnlyWarningsAndErrors) {
  char* buf = nullptr;
  size_t size = 0;
  FILE* mem = open_memstream(&buf, &size);
  {
    Logger logger(LogFormat::kJson, mem, /*quiet=*/true);
    logger.SetContext("r-1", "transform");
    logger.Log("info", "progress");
    logger.Log("warning", "delivery failed");
  }
  std::fclose(mem);
  std::string out(buf, size);
  std::free(buf);
  EXPECT_EQ(out.find("progress"), std::string::npos);
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["level"], "warning");
  EXPECT_EQ(j["stage"], "transform");
}

}  // namespace
}  // namespace sensorlake::monitoring
