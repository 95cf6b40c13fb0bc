#include "sensorlake/generate/generator.h"

#include <cstdio>
#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "sensorlake/wisdm/float_text.h"
#include "sensorlake/wisdm/line_parser.h"
#include "testing/temp_dir.h"

namespace sensorlake::generate {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::TempDir;

GenerateOptions Small(const std::string& out, std::vector<int32_t> subjects = {1600, 1601}) {
  GenerateOptions o;
  o.out_dir = out;
  o.scale = 0.05;
  o.seed = 11;
  o.subjects = std::move(subjects);
  o.threads = 2;
  return o;
}

std::string RawPath(const std::string& out, int32_t subject, int32_t folder) {
  return (fs::path(out) / wisdm::RawFileName{subject, wisdm::kFolders[folder]}.RelativePath())
      .string();
}

TEST(GenerateFiles, WritesTheLayoutAndEachFileHoldsItsAllocation) {
  TempDir dir;
  auto summary = Generate(Small(dir.str()));
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->files, 8);
  auto plan = DatasetPlan::Make(0.05, 11);
  ASSERT_TRUE(plan.ok());
  int64_t lines = 0;
  for (int32_t s = 0; s < 2; ++s) {
    for (int32_t f = 0; f < 4; ++f) {
      std::string text = ReadFile(RawPath(dir.str(), 1600 + s, f));
      std::array<int64_t, wisdm::kNumActivities> per{};
      wisdm::LineSplitter split(text);
      std::string_view line;
      int64_t no = 0;
      while (split.Next(&line, &no)) per[wisdm::ActivityIndex(line[5])]++;
      EXPECT_EQ(per, plan->FileCounts(s, f)) << s << " " << f;
      lines += no;
    }
  }
  EXPECT_EQ(summary->lines, lines);
  EXPECT_TRUE(fs::exists(fs::path(dir.path()) / "generate.json"));
  EXPECT_EQ(ReadFile(dir.path() / "faults.jsonl"), "");  // always written, empty without faults
  auto record = nlohmann::json::parse(ReadFile(dir.path() / "generate.json"));
  EXPECT_EQ(record["lines"], lines);
  EXPECT_EQ(record["seed"], 11);
  EXPECT_EQ(record["lines_per_activity"]["phone/accel"]["A"],
            plan->Lines(0, 0, 0) + plan->Lines(1, 0, 0));
}

// Every line parses, names the file's subject, holds a known activity in code order, has
// increasing timestamps inside its block, and its floats read back to the same text.
TEST(GenerateFiles, EveryLineParsesAndReadsBackBitExact) {
  TempDir dir;
  ASSERT_TRUE(Generate(Small(dir.str(), {1603})).ok());
  for (int32_t f = 0; f < 4; ++f) {
    std::string text = ReadFile(RawPath(dir.str(), 1603, f));
    ASSERT_FALSE(text.empty());
    ASSERT_EQ(text.back(), '\n');
    wisdm::LineSplitter split(text);
    std::string_view line;
    int64_t no = 0;
    wisdm::RawReading prev;
    while (split.Next(&line, &no)) {
      wisdm::RawReading r;
      ASSERT_EQ(wisdm::ParseLine(line, &r).error, wisdm::LineError::kNone) << line;
      ASSERT_FALSE(split.last_line_had_crlf());
      EXPECT_EQ(r.subject, 1603);
      ASSERT_GE(wisdm::ActivityIndex(r.activity), 0);
      if (no > 1) {
        ASSERT_GE(wisdm::ActivityIndex(r.activity), wisdm::ActivityIndex(prev.activity));
        if (r.activity == prev.activity) ASSERT_GT(r.timestamp_ns, prev.timestamp_ns) << no;
      }
      std::string again = fmt::format("1603,{},{},{},{},{};", r.activity, r.timestamp_ns,
                                      wisdm::FormatJavaFloat(r.x), wisdm::FormatJavaFloat(r.y),
                                      wisdm::FormatJavaFloat(r.z));
      ASSERT_EQ(again, line);
      prev = r;
    }
  }
}

TEST(GenerateFiles, SameSeedSameBytesOtherSeedOtherBytes) {
  TempDir a, b, c;
  GenerateOptions o = Small(a.str());
  ASSERT_TRUE(Generate(o).ok());
  o.out_dir = b.str();
  o.threads = 1;  // thread count must not matter
  ASSERT_TRUE(Generate(o).ok());
  o.out_dir = c.str();
  o.seed = 12;
  ASSERT_TRUE(Generate(o).ok());
  for (int32_t f = 0; f < 4; ++f) {
    EXPECT_EQ(ReadFile(RawPath(a.str(), 1601, f)), ReadFile(RawPath(b.str(), 1601, f)));
    EXPECT_NE(ReadFile(RawPath(a.str(), 1601, f)), ReadFile(RawPath(c.str(), 1601, f)));
  }
  EXPECT_EQ(ReadFile(a.path() / "generate.json"), ReadFile(b.path() / "generate.json"));
}

TEST(GenerateFiles, ASubsetIsASliceOfTheFullDataset) {
  TempDir full, part;
  GenerateOptions o = Small(full.str(), {});
  o.scale = 0.01;
  auto all = Generate(o);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->files, 204);
  int64_t expected = 0;  // every (folder, activity) rounds separately
  for (int32_t f = 0; f < 4; ++f) {
    for (int32_t a = 0; a < wisdm::kNumActivities; ++a) {
      expected += std::llround(wisdm::kPublishedLinesPerActivity[f][a] * 0.01);
    }
  }
  EXPECT_EQ(all->lines, expected);
  o.out_dir = part.str();
  o.subjects = {1622, 1650};
  ASSERT_TRUE(Generate(o).ok());
  for (int32_t s : {1622, 1650}) {
    for (int32_t f = 0; f < 4; ++f) {
      EXPECT_EQ(ReadFile(RawPath(full.str(), s, f)), ReadFile(RawPath(part.str(), s, f)));
    }
  }
  EXPECT_FALSE(fs::exists(RawPath(part.str(), 1600, 0)));
}

TEST(GenerateFiles, PhoneAccelAndGyroShareTheDeviceClock) {
  TempDir dir;
  ASSERT_TRUE(Generate(Small(dir.str(), {1605})).ok());
  std::map<char, std::pair<int64_t, int64_t>> spans[2];  // activity -> first, last
  for (int32_t f = 0; f < 2; ++f) {
    std::string text = ReadFile(RawPath(dir.str(), 1605, f));
    wisdm::LineSplitter split(text);
    std::string_view line;
    int64_t no = 0;
    while (split.Next(&line, &no)) {
      wisdm::RawReading r;
      ASSERT_EQ(wisdm::ParseLine(line, &r).error, wisdm::LineError::kNone);
      auto [it, fresh] = spans[f].try_emplace(r.activity, r.timestamp_ns, r.timestamp_ns);
      it->second.second = r.timestamp_ns;
    }
  }
  ASSERT_EQ(spans[0].size(), 18u);
  for (auto& [act, accel] : spans[0]) {
    auto gyro = spans[1].at(act);
    EXPECT_NEAR(static_cast<double>(accel.first), static_cast<double>(gyro.first), 1e9) << act;
    EXPECT_NEAR(static_cast<double>(accel.second), static_cast<double>(gyro.second), 1e9) << act;
  }
}

TEST(GenerateFiles, RefusesAnExistingRawFolderUnlessForced) {
  TempDir dir;
  ASSERT_TRUE(Generate(Small(dir.str())).ok());
  testing::WriteFile(dir.path() / "raw/phone/accel/notes.md", "keep me");
  testing::WriteFile(dir.path() / "raw/phone/accel/data_1649_accel_phone.txt", "stale");
  auto again = Generate(Small(dir.str()));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("--force"), std::string::npos);
  GenerateOptions forced = Small(dir.str());
  forced.force = true;
  ASSERT_TRUE(Generate(forced).ok());
  EXPECT_TRUE(fs::exists(dir.path() / "raw/phone/accel/notes.md"));
  EXPECT_FALSE(fs::exists(dir.path() / "raw/phone/accel/data_1649_accel_phone.txt"));
  for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
    EXPECT_FALSE(e.path().filename().string().ends_with(".tmp")) << e.path();
  }
}

TEST(GenerateArgs, RejectsBadArgumentsWithClearMessages) {
  TempDir dir;
  auto fails = [&](const GenerateOptions& o, std::string_view needle) {
    auto r = Generate(o);
    ASSERT_FALSE(r.ok()) << needle;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalid) << r.status().ToString();
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().ToString();
  };
  GenerateOptions o = Small(dir.str());
  o.scale = 0;
  fails(o, "scale must be in (0, 100]");
  o.scale = 250;
  fails(o, "scale must be in (0, 100]");
  o = Small(dir.str(), {1651});
  fails(o, "subject 1651 is not in a dataset of scale 0.05 (subjects 1600..1650)");
  o = Small(dir.str());
  o.threads = -2;
  fails(o, "--threads");
  o = Small("");
  fails(o, "--out is required");
  o = Small(dir.str());
  o.faults.amount[static_cast<size_t>(FaultKind::kEmptyFile)] = 500;  // more than 8 files
  o.subjects = {};
  o.scale = 0.01;
  fails(o, "cannot place");
  EXPECT_FALSE(fs::exists(dir.path() / "raw"));  // nothing written before arguments pass
}

TEST(GenerateArgs, ParsesSubjectLists) {
  auto r = ParseSubjectList("1603, 1600-1602,1601");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (std::vector<int32_t>{1600, 1601, 1602, 1603}));
  for (std::string_view bad : {"", "16x0", "1600-", "1605-1600", "1600,,1601", "a-b"}) {
    auto b = ParseSubjectList(bad);
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_NE(b.status().message().find("--subjects"), std::string::npos);
  }
}

TEST(GenerateArgs, ParsesFaultSpecs) {
  auto all = ParseFaultSpec("all");
  ASSERT_TRUE(all.ok());
  for (int32_t k = 0; k < kNumFaultKinds; ++k) EXPECT_GT(all->amount[k], 0) << k;
  auto some = ParseFaultSpec("all,nan=0, malformed=0.001,duplicate_stream=3,crlf");
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(some->Amount(FaultKind::kNan), 0);
  EXPECT_EQ(some->Amount(FaultKind::kMalformed), 0.001);
  EXPECT_EQ(some->Amount(FaultKind::kDuplicateStream), 3);
  EXPECT_EQ(some->Amount(FaultKind::kCrlf), 1);
  auto round = ParseFaultSpec(some->ToString());
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(round->amount, some->amount);
  EXPECT_FALSE(ParseFaultSpec("none")->Any());

  std::vector<std::pair<std::string_view, std::string_view>> bad = {
      {"", "empty"},
      {"bogus", "unknown fault kind 'bogus'"},
      {"nan=abc", "'abc' is not a number"},
      {"nan=0.5", "rate per line"},
      {"crlf=1.5", "count over the dataset"},
      {"empty_file=-1", "count over the dataset"},
      {"nan=0.05,malformed=0.05,non_numeric=0.05", "add up to"},
      {"crlf,,nan", "empty item"},
  };
  for (auto [spec, needle] : bad) {
    auto r = ParseFaultSpec(spec);
    ASSERT_FALSE(r.ok()) << spec;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalid);
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
  }
}

// The command line maps errors to documented exit codes (3: invalid input, 5: exists).
TEST(GenerateArgs, CommandLineReportsErrors) {
  TempDir dir;
  auto run = [&](const std::string& args, std::string* output) {
    std::string cmd = testing::SensorlakeBinary() + " generate " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    char buf[512];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) output->append(buf, n);
    int status = pclose(p);
    return WEXITSTATUS(status);
  };
  std::string out;
  EXPECT_EQ(run("--out " + dir.str() + " --faults nope", &out), 3);
  EXPECT_NE(out.find("unknown fault kind 'nope'"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(run("--out " + dir.str() + " --scale 0.002 --subjects 1600", &out), 0) << out;
  out.clear();
  EXPECT_EQ(run("--out " + dir.str() + " --scale 0.002 --subjects 1600", &out), 5);
  EXPECT_NE(out.find("--force"), std::string::npos) << out;
}

}  // namespace
}  // namespace sensorlake::generate
