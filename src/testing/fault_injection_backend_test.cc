#include "testing/fault_injection_backend.h"

#include <gtest/gtest.h>

#include <arrow/io/interfaces.h>

#include "sensorlake/storage/lake.h"
#include "testing/temp_dir.h"

namespace sensorlake::testing {
namespace {

// A lake over a fault-injecting backend over a local folder; `fault` keeps a view of it.
std::unique_ptr<storage::Lake> FaultLake(const TempDir& dir, FaultInjectionBackend** fault) {
  auto backend = std::make_unique<FaultInjectionBackend>(
      std::move(storage::OpenBackend(dir.str())).ValueOrDie());
  *fault = backend.get();
  return storage::Lake::OpenWithBackend(std::move(backend));
}

TEST(FaultInjectionBackendTest, CountsAndLogsEveryOperation) {
  TempDir dir;
  FaultInjectionBackend* fault = nullptr;
  auto lake = FaultLake(dir, &fault);
  ASSERT_TRUE(lake->WriteAtomic("a/x.json", "{}").ok());
  ASSERT_TRUE(lake->ReadText("a/x.json").ok());  // open-read
  ASSERT_TRUE(lake->ListFiles("a", false).ok());
  ASSERT_TRUE(lake->Move("a/x.json", "b/y.json").ok());
  EXPECT_EQ(fault->operations(), 4);
  auto log = fault->log();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0].op, StorageOp::kWriteAtomic);
  EXPECT_EQ(log[0].path, "a/x.json");
  EXPECT_EQ(log[1].op, StorageOp::kOpenRead);
  EXPECT_EQ(log[2].op, StorageOp::kList);
  EXPECT_EQ(log[3].op, StorageOp::kMove);
  EXPECT_FALSE(fault->fault_fired());
}

TEST(FaultInjectionBackendTest, ErrorFailsOnlyTheChosenOperation) {
  TempDir dir;
  FaultInjectionBackend* fault = nullptr;
  auto lake = FaultLake(dir, &fault);
  fault->InjectAt(1, FaultKind::kError);
  EXPECT_TRUE(lake->WriteAtomic("x", "1").ok());
  Status st = lake->WriteAtomic("y", "2");
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_NE(st.message().find("injected error"), std::string::npos) << st.ToString();
  EXPECT_TRUE(fault->fault_fired());
  EXPECT_FALSE(fault->crashed());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "y"));
  EXPECT_TRUE(lake->WriteAtomic("z", "3").ok());  // later operations go through
  EXPECT_EQ(ReadFile(dir.path() / "z"), "3");
}

TEST(FaultInjectionBackendTest, ShortWriteOfAStreamLeavesAPrefix) {
  TempDir dir;
  FaultInjectionBackend* fault = nullptr;
  auto lake = FaultLake(dir, &fault);
  fault->InjectAt(1, FaultKind::kShortWrite);  // 0: open-write, 1: close-write
  auto out = lake->OpenOutputStream("d/part.bin");
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE((*out)->Write("abcdefgh", 8).ok());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "d/part.bin"));  // buffered until close
  EXPECT_FALSE((*out)->Close().ok());
  EXPECT_EQ(ReadFile(dir.path() / "d/part.bin"), "abcd");
}

TEST(FaultInjectionBackendTest, ShortAtomicWriteNeverTouchesTheTarget) {
  TempDir dir;
  FaultInjectionBackend* fault = nullptr;
  auto lake = FaultLake(dir, &fault);
  ASSERT_TRUE(lake->WriteAtomic("p.json", "old-content").ok());
  fault->InjectAt(1, FaultKind::kShortWrite);
  EXPECT_FALSE(lake->WriteAtomic("p.json", "new-content").ok());
  EXPECT_EQ(ReadFile(dir.path() / "p.json"), "old-content");
  EXPECT_EQ(ReadFile(dir.path() / "p.json.tmp-short"), "new-c");
  // Operations without data fail like an error.
  fault->InjectAt(2, FaultKind::kShortWrite);
  EXPECT_EQ(lake->DeleteFile("p.json").code(), StatusCode::kIOError);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "p.json"));
}

TEST(FaultInjectionBackendTest, CrashStopsEveryLaterOperation) {
  TempDir dir;
  FaultInjectionBackend* fault = nullptr;
  auto lake = FaultLake(dir, &fault);
  auto out = lake->OpenOutputStream("s.bin");  // opened before the crash
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE((*out)->Write("data", 4).ok());
  fault->InjectAt(1, FaultKind::kCrash);
  EXPECT_FALSE(lake->WriteAtomic("a", "1").ok());
  EXPECT_TRUE(fault->crashed());
  EXPECT_FALSE(lake->WriteAtomic("b", "2").ok());
  EXPECT_FALSE(lake->Exists("a").ok());
  EXPECT_FALSE((*out)->Close().ok());  // its data never reaches storage
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "a"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "b"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "s.bin"));
  EXPECT_EQ(fault->operations(), 2);  // nothing after the crash is counted
}

TEST(FaultInjectionBackendTest, NamesEveryKindAndOperation) {
  EXPECT_EQ(FaultName(FaultKind::kShortWrite), "short-write");
  EXPECT_EQ(OpName(StorageOp::kReplaceSymlink), "replace-symlink");
  EXPECT_EQ(OpName(StorageOp::kCopyFromFile), "copy-from-file");
  EXPECT_EQ(OpName(StorageOp::kStat), "stat");
}

}  // namespace
}  // namespace sensorlake::testing
