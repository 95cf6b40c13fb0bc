// Landing a folder: hashed on several threads, copied by the kernel, proved by reading the
// copies back. A file that changes between its scan and its copy must stop the landing.
#include "ingest/landing.h"

#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ingest/folder_source.h"
#include "sensorlake/common/progress.h"
#include "sensorlake/common/sha256.h"
#include "testing/temp_dir.h"

namespace sensorlake::ingest {
namespace {

namespace fs = std::filesystem;

class LandingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Progress::SetEnabled(false);
    for (int32_t s = 1600; s < 1610; ++s) {
      std::string content;
      for (int32_t i = 0; i < 1000 + 37 * (s - 1600); ++i) {
        content += fmt::format("{},A,{},0.1,0.2,{};\n", s, 1000 + i, i);
      }
      testing::WriteFile(Source() / fmt::format("raw/phone/accel/data_{}_accel_phone.txt", s),
                         content);
    }
    auto lake = storage::Lake::Open(dir_.str() + "/lake");
    ASSERT_TRUE(lake.ok()) << lake.status().ToString();
    lake_ = std::move(lake).ValueOrDie();
  }
  fs::path Source() const { return dir_.path() / "src"; }
  fs::path Staged(const std::string& rel) const { return dir_.path() / "lake/staging" / rel; }

  testing::TempDir dir_;
  std::unique_ptr<storage::Lake> lake_;
};

TEST_F(LandingTest, ThreadsChangeNeitherTheScanNorTheCopies) {
  auto source = OpenFolderSource(Source().string());
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const auto& entries = (*source)->entries();
  auto one = ScanEntries(**source, entries, 1);
  auto four = ScanEntries(**source, entries, 4);
  ASSERT_TRUE(one.ok() && four.ok());
  ASSERT_EQ(one->size(), 10u);
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& f = (*four)[i];
    EXPECT_EQ(f.path, entries[i].path);  // in the entries' order, whichever thread hashed it
    EXPECT_EQ(f.sha256, (*one)[i].sha256);
    EXPECT_EQ(f.sha256, Sha256::Hex(testing::ReadFile(Source() / f.path)));
    EXPECT_EQ(f.lines, 1000 + 37 * static_cast<int64_t>(i));
  }
  LandOptions options;
  options.expected = *four;
  options.threads = 3;
  auto landed = LandEntries(*lake_, "staging", **source, entries, options);
  ASSERT_TRUE(landed.ok()) << landed.status().ToString();
  EXPECT_EQ(landed->linked, std::vector<bool>(10, false));
  for (const auto& f : landed->files) {
    EXPECT_EQ(testing::ReadFile(Staged(f.path)), testing::ReadFile(Source() / f.path));
  }
  EXPECT_TRUE(VerifyStaged(*lake_, "staging", landed->files, {}, 2).ok());
}

TEST_F(LandingTest, AFileChangedAfterItsScanIsCaughtByTheVerification) {
  auto source = OpenFolderSource(Source().string());
  ASSERT_TRUE(source.ok());
  const auto& entries = (*source)->entries();
  auto scanned = ScanEntries(**source, entries);
  ASSERT_TRUE(scanned.ok());
  // The same size, one byte different: the kernel copies the new bytes without looking.
  fs::path changed = Source() / (*scanned)[4].path;
  std::string content = testing::ReadFile(changed);
  content[10] = content[10] == '1' ? '2' : '1';
  testing::WriteFile(changed, content);
  LandOptions options;
  options.expected = *scanned;
  auto landed = LandEntries(*lake_, "staging", **source, entries, options);
  ASSERT_TRUE(landed.ok()) << landed.status().ToString();
  Status verified = VerifyStaged(*lake_, "staging", landed->files);
  EXPECT_EQ(verified.code(), StatusCode::kCorrupt) << verified.ToString();
  EXPECT_NE(verified.message().find((*scanned)[4].path), std::string::npos) << verified.ToString();
  EXPECT_NE(verified.message().find("changed while it was being ingested"), std::string::npos);
}

TEST_F(LandingTest, AFileThatGrewAfterItsScanStopsTheCopy) {
  auto source = OpenFolderSource(Source().string());
  ASSERT_TRUE(source.ok());
  const auto& entries = (*source)->entries();
  auto scanned = ScanEntries(**source, entries);
  ASSERT_TRUE(scanned.ok());
  fs::path grown = Source() / (*scanned)[7].path;
  testing::WriteFile(grown, testing::ReadFile(grown) + "1607,A,99999,0.1,0.2,0.3;\n");
  LandOptions options;
  options.expected = *scanned;
  auto landed = LandEntries(*lake_, "staging", **source, entries, options);
  ASSERT_FALSE(landed.ok());
  EXPECT_EQ(landed.status().code(), StatusCode::kCorrupt) << landed.status().ToString();
  EXPECT_NE(landed.status().message().find((*scanned)[7].path + "' changed while it was being"),
            std::string::npos)
      << landed.status().ToString();
}

}  // namespace
}  // namespace sensorlake::ingest
