#include "sensorlake/common/python_module.h"

#include <gtest/gtest.h>

#include "testing/scoped_env.h"

namespace sensorlake {
namespace {

TEST(PythonModuleTest, StatusCodeNamesMapBackAndUnknownOnesAreInternal) {
  EXPECT_EQ(StatusCodeFromName("Refused"), StatusCode::kRefused);
  EXPECT_EQ(StatusCodeFromName("NotFound"), StatusCode::kNotFound);
  EXPECT_EQ(StatusCodeFromName("NoSuchCode"), StatusCode::kInternal);
}

TEST(PythonModuleTest, TheSummarysErrorIsTheStatus) {
  PythonModuleRun run;
  run.exit_code = 4;
  run.python = "/usr/bin/python3";
  run.summary = nlohmann::json::parse(R"({"error": {"code": "Busy", "message": "lost race"}})");
  Status st = PythonModuleError(run, "the commit");
  EXPECT_EQ(st.code(), StatusCode::kBusy);
  EXPECT_EQ(st.message(), "lost race");
}

TEST(PythonModuleTest, ExitOneWithoutASummaryNamesTheInterpreterAndTheFix) {
  PythonModuleRun run;
  run.exit_code = 1;
  run.python = "/opt/py/bin/python";
  Status st = PythonModuleError(run, "the commit");
  EXPECT_EQ(st.code(), StatusCode::kNotImplemented);
  EXPECT_NE(st.message().find("/opt/py/bin/python"), std::string::npos);
  EXPECT_NE(st.message().find("SENSORLAKE_PYTHON"), std::string::npos);
  EXPECT_NE(st.message().find("sensorlake[tables]"), std::string::npos);  // a wheel's fix
  run.exit_code = 3;
  EXPECT_EQ(PythonModuleError(run, "the commit").code(), StatusCode::kInternal);
}

TEST(PythonModuleTest, AnInterpreterThatDoesNotExistIsNotImplemented) {
  testing::ScopedEnv python("SENSORLAKE_PYTHON", "/nonexistent/bin/python");
  auto run = RunPythonModule("sensorlake.tables", {"--help"});
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), StatusCode::kNotImplemented);
  EXPECT_NE(run.status().message().find("/nonexistent/bin/python"), std::string::npos);
}

}  // namespace
}  // namespace sensorlake
