#include "sensorlake/common/status.h"

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

TEST(StatusTest, EveryErrorCodeHasADistinctNonZeroExitCode) {
  std::set<int> seen;
  for (auto c :
       {StatusCode::kInvalid, StatusCode::kNotFound, StatusCode::kAlreadyExists,
        StatusCode::kIOError, StatusCode::kCorrupt, StatusCode::kBusy, StatusCode::kRefused,
        StatusCode::kNotImplemented, StatusCode::kCancelled, StatusCode::kInternal}) {
    int code = ExitCodeFor(c);
    EXPECT_NE(code, 0);
    EXPECT_NE(code, 2) << "2 is reserved for usage errors";
    EXPECT_TRUE(seen.insert(code).second) << StatusCodeName(c);
  }
}

}  // namespace
}  // namespace sensorlake
