#include "sensorlake/quality/rules.h"

#include <set>

#include <gtest/gtest.h>

namespace sensorlake::quality {
namespace {

TEST(QualityRulesTest, DefaultsAreTheShippedFileAndCoverEveryCheck) {
  auto file = LoadQualityRules(std::string(SENSORLAKE_SOURCE_DIR) + "/config/quality.toml");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const auto& built_in = DefaultQualityRules();
  ASSERT_EQ(file->rules.size(), built_in.rules.size());
  std::set<CheckKind> kinds;
  for (size_t i = 0; i < built_in.rules.size(); ++i) {
    EXPECT_EQ(file->rules[i].name, built_in.rules[i].name);
    EXPECT_EQ(file->rules[i].params, built_in.rules[i].params);
    EXPECT_EQ(file->rules[i].severity, built_in.rules[i].severity);
    kinds.insert(built_in.rules[i].check);
  }
  EXPECT_EQ(kinds.size(), static_cast<size_t>(kNumCheckKinds));
}

TEST(QualityRulesTest, ParametersDefaultAndScopeParses) {
  auto r = ParseQualityRules(R"(
[[rule]]
name = "fast phones"
check = "sampling_rate"
severity = "error"
max_hz = 55
scope = { device = "phone", sensor = "accel", subjects = [1602, 1600], activities = "AB" }
)",
                             "r.toml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Rule& rule = r->rules.at(0);
  EXPECT_EQ(rule.severity, Severity::kError);
  EXPECT_EQ(rule.Param("max_hz"), 55);
  EXPECT_EQ(rule.Param("min_hz"), 15);  // default
  EXPECT_EQ(rule.scope.subjects, (std::vector<int32_t>{1600, 1602}));
  EXPECT_TRUE(rule.scope.Matches(wisdm::kFolders[0], 1600, 1));
  EXPECT_FALSE(rule.scope.Matches(wisdm::kFolders[1], 1600, 1));  // gyro
  EXPECT_FALSE(rule.scope.Matches(wisdm::kFolders[0], 1601, 1));
  EXPECT_FALSE(rule.scope.Matches(wisdm::kFolders[0], 1600, 2));  // C
  EXPECT_EQ(rule.scope.ToString(), "device=phone sensor=accel subjects=1600,1602 activities=AB");
}

struct BadRules {
  const char* text;
  const char* message;  // expected in the error, after "r.toml:<line>"
};

class QualityRulesErrorTest : public ::testing::TestWithParam<BadRules> {};

TEST_P(QualityRulesErrorTest, NamesFileLineAndReason) {
  auto r = ParseQualityRules(GetParam().text, "r.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalid);
  EXPECT_NE(r.status().message().find("r.toml:"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find(GetParam().message), std::string::npos)
      << r.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Unhappy, QualityRulesErrorTest,
    ::testing::Values(
        BadRules{"[[rule]]\nname = \"a\"\ncheck = \"sampling_rate\"\nmax_hertz = 3\n",
                 "unknown key 'max_hertz' for check sampling_rate"},
        BadRules{"[[rule]]\nname = \"a\"\ncheck = \"speling\"\n", "unknown check 'speling'"},
        BadRules{"[[rule]]\nname = \"a\"\ncheck = \"drift\"\nseverity = \"fatal\"\n",
                 "severity must be"},
        BadRules{"[[rule]]\nname = \"a\"\ncheck = \"drift\"\n[[rule]]\nname = \"a\"\n"
                 "check = \"drift\"\n",
                 "a second rule named 'a'"},
        BadRules{"[[rule]]\ncheck = \"drift\"\n", "rule needs 'name'"},
        BadRules{"[[rule]]\nname = \"a\"\ncheck = \"sampling_rate\"\nmin_hz = 30\n",
                 "min_hz must be below max_hz"},
        BadRules{"[[rule]]\nname = \"a\"\ncheck = \"drift\"\nscope = { activities = \"AN\" }\n",
                 "scope activity 'N'"},
        BadRules{"[[rule]]\nname = \"a\"\ncheck = \"drift\"\nmax_psi = -1\n",
                 "must be a number >= 0"},
        BadRules{"[rules]\nx = 1\n", "unknown top-level key 'rules'"},
        BadRules{"[[rule]]\nname = \"a\"\ncheck = \"drift\"\nmax_psi = \n", "r.toml:4"}),
    [](const ::testing::TestParamInfo<BadRules>& info) {
      return "Case" + std::to_string(info.index);
    });

TEST(QualityRulesTest, AFileWithoutRulesIsInvalidAndAMissingFileIsNotFound) {
  EXPECT_EQ(ParseQualityRules("# nothing\n", "r.toml").status().code(), StatusCode::kInvalid);
  EXPECT_EQ(LoadQualityRules("/nonexistent/q.toml").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace sensorlake::quality
