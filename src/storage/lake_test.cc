#include "sensorlake/storage/lake.h"

#include <gtest/gtest.h>

#include "sensorlake/storage/lake_lock.h"
#include "testing/temp_dir.h"

namespace sensorlake::storage {
namespace {

TEST(LakeTest, OpensPlainPathsAndFileUris) {
  testing::TempDir dir;
  auto a = Lake::Open(dir.str() + "/lake");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ((*a)->uri(), "file://" + dir.str() + "/lake");
  auto b = Lake::Open("file://" + dir.str() + "/lake");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)->uri(), (*a)->uri());
}

TEST(LakeTest, RefusesUnknownSchemesAndSaysS3IsNotBuilt) {
  EXPECT_EQ(Lake::Open("").status().code(), StatusCode::kInvalid);
  EXPECT_EQ(Lake::Open("gs://bucket/x").status().code(), StatusCode::kInvalid);
  EXPECT_EQ(Lake::Open("s3://bucket/x").status().code(), StatusCode::kNotImplemented);
}

TEST(LakeTest, WriteAtomicReadListMove) {
  testing::TempDir dir;
  auto lake = std::move(Lake::Open(dir.str())).ValueOrDie();
  ASSERT_TRUE(lake->WriteAtomic("a/b/c.json", "{}").ok());
  ASSERT_TRUE(lake->WriteAtomic("a/b/c.json", "{\"v\":2}").ok());  // replaces
  EXPECT_EQ(*lake->ReadText("a/b/c.json"), "{\"v\":2}");
  ASSERT_TRUE(lake->WriteAtomic("a/d.txt", "x").ok());
  auto files = *lake->ListFiles("a", true);
  ASSERT_EQ(files.size(), 2u);  // no temporary leftovers
  EXPECT_EQ(files[0].path, "b/c.json");
  EXPECT_EQ(files[1].path, "d.txt");
  EXPECT_EQ(files[1].size, 1);
  EXPECT_TRUE(lake->ListFiles("missing", true)->empty());
  ASSERT_TRUE(lake->Move("a/b", "z/b").ok());
  EXPECT_FALSE(*lake->Exists("a/b/c.json"));
  EXPECT_TRUE(*lake->Exists("z/b/c.json"));
  EXPECT_EQ(*lake->ListDirectories("z"), std::vector<std::string>{"b"});
  EXPECT_EQ(lake->ReadText("nope.json").status().code(), StatusCode::kIOError);
}

TEST(LakeLockTest, SecondHolderIsRefusedUntilRelease) {
  testing::TempDir dir;
  auto lake = std::move(Lake::Open(dir.str())).ValueOrDie();
  auto first = LakeLock::Acquire(*lake, "curated", "transform");
  ASSERT_TRUE(first.ok());
  auto second = LakeLock::Acquire(*lake, "curated", "transform");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kBusy);
  EXPECT_NE(second.status().message().find("transform"), std::string::npos);
  first->reset();
  EXPECT_TRUE(LakeLock::Acquire(*lake, "curated", "transform").ok());
}

TEST(LakeLockTest, StaleLockOfADeadProcessIsTakenOver) {
  testing::TempDir dir;
  auto lake = std::move(Lake::Open(dir.str())).ValueOrDie();
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  // pid 2^22+1 is above Linux's pid_max default range of live processes here.
  testing::WriteFile(dir.path() / "_locks" / "curated.lock",
                     std::string("{\"host\":\"") + host + "\",\"pid\":4194305}");
  EXPECT_TRUE(LakeLock::Acquire(*lake, "curated", "transform").ok());
}

}  // namespace
}  // namespace sensorlake::storage
