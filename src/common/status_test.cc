#include "sensorlake/common/status.h"

#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <arrow/status.h>
#include <gtest/gtest.h>

#include "sensorlake/common/result.h"

namespace sensorlake {
namespace {

Result<int32_t> ParsePositive(int32_t v) {
  if (v <= 0) return Status::Invalid("value {} is not positive", v);
  return v;
}

Result<int32_t> Doubled(int32_t v) {
  SL_ASSIGN_OR_RETURN(int32_t p, ParsePositive(v));
  return p * 2;
}

Status CheckAll(int32_t a, int32_t b) {
  SL_RETURN_NOT_OK(ParsePositive(a).status());
  SL_RETURN_NOT_OK(ParsePositive(b).status());
  return Status::OK();
}

TEST(StatusTest, OkIsDefaultAndCheap) {
  Status st;
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kOk);
  EXPECT_EQ(st.ToString(), "OK");
}

TEST(StatusTest, ErrorCarriesCodeAndFormattedMessage) {
  Status st = Status::IOError("cannot open {} (line {})", "a.txt", 7);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_EQ(st.ToString(), "IOError: cannot open a.txt (line 7)");
  EXPECT_EQ(st.WithContext("ingest").message(), "ingest: cannot open a.txt (line 7)");
}

TEST(StatusTest, ResultPropagatesErrorsThroughMacros) {
  EXPECT_EQ(*Doubled(4), 8);
  Result<int32_t> r = Doubled(-1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalid);
  EXPECT_NE(r.status().message().find("-1"), std::string::npos);
  EXPECT_TRUE(CheckAll(1, 2).ok());
  EXPECT_EQ(CheckAll(1, 0).message(), "value 0 is not positive");
}

TEST(StatusTest, ArrowStatusesMapToOurCodes) {
  EXPECT_TRUE(Status::FromArrow(arrow::Status::OK()).ok());
  EXPECT_EQ(Status::FromArrow(arrow::Status::IOError("x")).code(), StatusCode::kIOError);
  EXPECT_EQ(Status::FromArrow(arrow::Status::Invalid("x")).code(), StatusCode::kInvalid);
  EXPECT_EQ(Status::FromArrow(arrow::Status::Invalid("boom")).message(), "boom");
}

// docs/cli.md's table of exit codes: "| 4 | not found (...) | NotFound |" -> {"NotFound", 4}.
std::map<std::string, int> DocumentedExitCodes() {
  std::ifstream in(std::string(SENSORLAKE_SOURCE_DIR) + "/docs/cli.md");
  std::map<std::string, int> codes;
  std::string line;
  bool table = false;
  while (std::getline(in, line)) {
    if (line.starts_with("## ")) table = line == "## Exit codes";
    if (!table || !line.starts_with("| ") || !std::isdigit(static_cast<unsigned char>(line[2]))) {
      continue;
    }
    size_t last = line.rfind('|', line.size() - 2);
    std::string status = line.substr(last + 1, line.size() - last - 2);
    status.erase(0, status.find_first_not_of(' '));
    status.erase(status.find_last_not_of(' ') + 1);
    if (!status.empty()) codes[status] = std::stoi(line.substr(2));
  }
  return codes;
}

TEST(StatusTest, EveryStatusCodeHasTheDocumentedExitCode) {
  const std::vector<StatusCode> all = {StatusCode::kOk,
                                       StatusCode::kInvalid,
                                       StatusCode::kNotFound,
                                       StatusCode::kAlreadyExists,
                                       StatusCode::kIOError,
                                       StatusCode::kCorrupt,
                                       StatusCode::kBusy,
                                       StatusCode::kRefused,
                                       StatusCode::kNotImplemented,
                                       StatusCode::kCancelled,
                                       StatusCode::kInternal};
  auto documented = DocumentedExitCodes();
  // Every Status code has its row in the table, and no row names another.
  ASSERT_EQ(documented.size(), all.size()) << "docs/cli.md";
  std::set<int> seen;
  for (auto c : all) {
    std::string name(StatusCodeName(c));
    ASSERT_TRUE(documented.contains(name)) << name << " is not in docs/cli.md";
    EXPECT_EQ(ExitCodeFor(c), documented[name]) << name;
    EXPECT_TRUE(seen.insert(ExitCodeFor(c)).second) << name;
  }
  // 1 (quality gate) and 2 (usage error) belong to no Status code.
  EXPECT_FALSE(seen.contains(1));
  EXPECT_FALSE(seen.contains(2));
}

}  // namespace
}  // namespace sensorlake
