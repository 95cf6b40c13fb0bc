#include "storage/local_backend.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace sensorlake::storage {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<LocalBackend> OpenIn(const testing::TempDir& dir) {
  auto b = LocalBackend::Open(dir.str() + "/lake");
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return std::move(b).ValueOrDie();
}

TEST(LocalBackendTest, StatAndListSpeakInPathsBelowTheRoot) {
  testing::TempDir dir;
  auto b = OpenIn(dir);
  EXPECT_EQ(*b->Stat("a"), EntryType::kNotFound);
  ASSERT_TRUE(b->WriteAtomic("a/b/c.json", "{}").ok());
  EXPECT_EQ(*b->Stat("a"), EntryType::kDirectory);
  EXPECT_EQ(*b->Stat("a/b/c.json"), EntryType::kFile);
  auto all = b->List("a", /*recursive=*/true);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);  // a/b and a/b/c.json, relative to a
  bool found = false;
  for (const auto& e : *all) {
    if (e.path == "b/c.json") found = e.type == EntryType::kFile && e.size == 2;
  }
  EXPECT_TRUE(found);
  auto missing = b->List("nowhere", false);
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->empty());
  EXPECT_EQ(b->FsPath("x/y"), dir.str() + "/lake/x/y");
  EXPECT_EQ(b->uri(), "file://" + dir.str() + "/lake");
}

TEST(LocalBackendTest, WriteIfAbsentMoveAndDelete) {
  testing::TempDir dir;
  auto b = OpenIn(dir);
  EXPECT_TRUE(*b->WriteIfAbsent("_locks/x.lock", "one"));
  EXPECT_FALSE(*b->WriteIfAbsent("_locks/x.lock", "two"));
  EXPECT_EQ(testing::ReadFile(dir.path() / "lake/_locks/x.lock"), "one");
  ASSERT_TRUE(b->Move("_locks", "deep/er/locks").ok());  // creates the target's parents
  EXPECT_EQ(*b->Stat("deep/er/locks/x.lock"), EntryType::kFile);
  ASSERT_TRUE(b->DeleteFile("deep/er/locks/x.lock").ok());
  ASSERT_TRUE(b->DeleteDir("deep").ok());
  EXPECT_EQ(*b->Stat("deep"), EntryType::kNotFound);
  EXPECT_FALSE(b->DeleteFile("deep/nothing").ok());
}

// An open file descriptor that closes itself.
struct OpenFile {
  explicit OpenFile(const fs::path& p) : fd(open(p.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~OpenFile() { close(fd); }
  int fd;
};

TEST(LocalBackendTest, CopyFromFileCopiesTheBytesWithoutReadingThemHere) {
  testing::TempDir dir;
  auto b = OpenIn(dir);
  std::string content(3 << 20, 'x');  // several copy_file_range calls may be needed
  for (size_t i = 0; i < content.size(); i += 4093) content[i] = static_cast<char>('a' + i % 26);
  testing::WriteFile(dir.path() / "src.txt", content);
  OpenFile in(dir.path() / "src.txt");
  ASSERT_TRUE(b->CopyFromFile(in.fd, static_cast<int64_t>(content.size()), "raw/a/b.txt").ok());
  EXPECT_EQ(testing::ReadFile(dir.path() / "lake/raw/a/b.txt"), content);  // parents created
  // Never over an existing file.
  Status again = b->CopyFromFile(in.fd, static_cast<int64_t>(content.size()), "raw/a/b.txt");
  EXPECT_FALSE(again.ok());
  EXPECT_EQ(testing::ReadFile(dir.path() / "lake/raw/a/b.txt"), content);
}

TEST(LocalBackendTest, CopyFromFileRefusesAFileOfAnotherSizeAndLeavesNothing) {
  testing::TempDir dir;
  auto b = OpenIn(dir);
  testing::WriteFile(dir.path() / "src.txt", "0123456789");
  OpenFile in(dir.path() / "src.txt");
  // The file grew since it was measured: its first bytes alone are not the file.
  Status longer = b->CopyFromFile(in.fd, 6, "grew.txt");
  EXPECT_EQ(longer.code(), StatusCode::kCorrupt) << longer.ToString();
  EXPECT_NE(longer.message().find("more than its 6 bytes"), std::string::npos);
  // It shrank.
  Status shorter = b->CopyFromFile(in.fd, 20, "shrank.txt");
  EXPECT_EQ(shorter.code(), StatusCode::kCorrupt) << shorter.ToString();
  EXPECT_NE(shorter.message().find("holds 10 bytes, not 20"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir.path() / "lake/grew.txt"));
  EXPECT_FALSE(fs::exists(dir.path() / "lake/shrank.txt"));
}

TEST(LocalBackendTest, LinkGivesTheSameFileASecondNameWithoutCopying) {
  testing::TempDir dir;
  auto b = OpenIn(dir);
  ASSERT_TRUE(b->WriteAtomic("v1/part.parquet", "bytes").ok());
  ASSERT_TRUE(b->Link("v1/part.parquet", "v2/deep/part.parquet").ok());  // creates parents
  fs::path lake = dir.path() / "lake";
  EXPECT_TRUE(fs::equivalent(lake / "v1/part.parquet", lake / "v2/deep/part.parquet"));
  EXPECT_EQ(fs::hard_link_count(lake / "v1/part.parquet"), 2u);
  // Deleting the first name keeps the bytes under the second.
  ASSERT_TRUE(b->DeleteDir("v1").ok());
  EXPECT_EQ(testing::ReadFile(lake / "v2/deep/part.parquet"), "bytes");
  EXPECT_FALSE(b->Link("v1/part.parquet", "v3/part.parquet").ok());            // a missing source
  EXPECT_FALSE(b->Link("v2/deep/part.parquet", "v2/deep/part.parquet").ok());  // exists
}

TEST(LocalBackendTest, ReplaceSymlinkSwapsTheLinkInOneStep) {
  testing::TempDir dir;
  auto b = OpenIn(dir);
  ASSERT_TRUE(b->WriteAtomic("z/_versions/1/f", "one").ok());
  ASSERT_TRUE(b->WriteAtomic("z/_versions/2/f", "two").ok());
  ASSERT_TRUE(b->ReplaceSymlink("z/current", "_versions/1").ok());
  EXPECT_EQ(testing::ReadFile(dir.path() / "lake/z/current/f"), "one");
  ASSERT_TRUE(b->ReplaceSymlink("z/current", "_versions/2").ok());
  EXPECT_EQ(testing::ReadFile(dir.path() / "lake/z/current/f"), "two");
  EXPECT_EQ(fs::read_symlink(dir.path() / "lake/z/current"), "_versions/2");
  for (const auto& e : fs::directory_iterator(dir.path() / "lake/z")) {
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos);  // no leftovers
  }
  EXPECT_FALSE(b->ReplaceSymlink("no/such/folder/link", "x").ok());
}

TEST(LocalBackendTest, RefusesOtherSchemes) {
  EXPECT_EQ(LocalBackend::Open("ftp://x").status().code(), StatusCode::kInvalid);
  EXPECT_EQ(LocalBackend::Open("file://").status().code(), StatusCode::kInvalid);
}

// A reader opens an existing lake: a missing folder is NotFound and is not created.
TEST(LocalBackendTest, ExistingModeNeitherCreatesNorAcceptsAMissingFolder) {
  testing::TempDir dir;
  auto missing = LocalBackend::Open(dir.str() + "/nowhere", LakeOpenMode::kExisting);
  ASSERT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("no lake at"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir.path() / "nowhere"));
  testing::WriteFile(dir.path() / "plain-file", "x");
  EXPECT_EQ(LocalBackend::Open(dir.str() + "/plain-file", LakeOpenMode::kExisting).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(LocalBackend::Open("file://" + dir.str(), LakeOpenMode::kExisting).ok());
}

}  // namespace
}  // namespace sensorlake::storage
