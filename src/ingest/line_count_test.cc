// The line count the manifest records must be LineSplitter's, exactly: the transform's
// row-conservation identity compares against it.
#include <random>

#include <gtest/gtest.h>

#include "ingest/source.h"
#include "sensorlake/wisdm/line_parser.h"
#include "sensorlake/zones/raw_manifest.h"

namespace sensorlake::ingest {
namespace {

int64_t SplitterLines(std::string_view s) {
  wisdm::LineSplitter splitter(s);
  std::string_view line;
  int64_t n = 0, number = 0;
  while (splitter.Next(&line, &number)) ++n;
  return n;
}

TEST(IngestLineCount, EdgeCases) {
  EXPECT_EQ(zones::CountLines(""), 0);
  EXPECT_EQ(zones::CountLines("a"), 1);
  EXPECT_EQ(zones::CountLines("a\nb"), 2);  // no trailing newline
  EXPECT_EQ(zones::CountLines("a\nb\n"), 2);
  EXPECT_EQ(zones::CountLines("a\r\nb\r\n"), 2);  // CRLF
  EXPECT_EQ(zones::CountLines("a\r\nb"), 2);
  EXPECT_EQ(zones::CountLines("a\n\n"), 2);  // a blank last line
  EXPECT_EQ(zones::CountLines("\n"), 1);
  EXPECT_EQ(zones::CountLines("\r"), 1);
  EXPECT_EQ(zones::CountLines(std::string_view("a\n\0", 3)), 2);  // ends in a NUL byte
  for (std::string_view s : {"", "a", "a\nb", "a\nb\n", "a\r\nb", "a\n\n", "\n", "\r"}) {
    EXPECT_EQ(zones::CountLines(s), SplitterLines(s)) << s;
  }
}

TEST(IngestLineCount, IncrementalCountMatchesLineSplitterForAnyChunking) {
  std::mt19937 rng(7);
  const char alphabet[] = {'a', '\n', '\r', ';', '\0'};
  for (int trial = 0; trial < 500; ++trial) {
    std::string s(rng() % 40, 'a');
    for (char& c : s) c = alphabet[rng() % 5];
    zones::LineCounter counter;
    for (size_t at = 0; at < s.size();) {
      size_t n = std::min<size_t>(s.size() - at, rng() % 5);
      counter.Update(std::string_view(s).substr(at, n));
      at += n;
    }
    ASSERT_EQ(counter.lines(), SplitterLines(s)) << "trial " << trial;
  }
}

TEST(IngestLineCount, SixteenByteBlocksAndTheirTailsCountEveryNewline) {
  // The counter takes 16 bytes at a time: newlines at every offset of a block, in the tail
  // after the last block, and a byte equal to '\n' only in its low bits must all count right.
  std::mt19937 rng(11);
  for (int trial = 0; trial < 300; ++trial) {
    std::string s(rng() % 100, 'x');
    for (char& c : s) c = "\n\x8a\x0a\x1ax"[rng() % 5];
    EXPECT_EQ(zones::CountLines(s), SplitterLines(s)) << "trial " << trial;
    zones::LineCounter counter;
    for (size_t at = 0; at < s.size();) {
      size_t n = std::min<size_t>(s.size() - at, 1 + rng() % 40);
      counter.Update(std::string_view(s).substr(at, n));
      at += n;
    }
    ASSERT_EQ(counter.lines(), SplitterLines(s)) << "trial " << trial;
  }
  EXPECT_EQ(zones::CountLines(std::string(64, '\n')), 64);
  EXPECT_EQ(zones::CountLines(std::string(17, '\n') + "y"), 18);
  // A byte counter holds at most 255 blocks' matches: all newlines, over several rounds.
  EXPECT_EQ(zones::CountLines(std::string(255 * 16 * 3 + 7, '\n')), 255 * 16 * 3 + 7);
  EXPECT_EQ(zones::CountLines(std::string(256 * 16, '\n')), 256 * 16);
}

TEST(IngestPaths, SafeRelativePathNormalizesOrRefuses) {
  EXPECT_EQ(*SafeRelativePath("a/b.txt"), "a/b.txt");
  EXPECT_EQ(*SafeRelativePath("./a//b/"), "a/b");
  for (std::string_view bad : {"../evil.txt", "a/../../evil.txt", "/etc/passwd", "C:/x", "./C:/x",
                               ".//D:", "a\\..\\b", "", "./", "a/.."}) {
    auto r = SafeRelativePath(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kRefused) << bad;
  }
  EXPECT_NE(SafeRelativePath("x/../evil").status().message().find("x/../evil"), std::string::npos);
  // What it accepts it accepts again unchanged (the zip fuzz target's invariant).
  for (std::string_view good : {"a/b.txt", "./a//b/", "a/C:/x", "./ab:c/d"}) {
    auto once = SafeRelativePath(good);
    ASSERT_TRUE(once.ok()) << good;
    auto twice = SafeRelativePath(*once);
    ASSERT_TRUE(twice.ok()) << good;
    EXPECT_EQ(*twice, *once) << good;
  }
}

std::vector<SourceEntry> Entries(std::initializer_list<std::string> paths) {
  std::vector<SourceEntry> out;
  for (const auto& p : paths) out.push_back({p, p, 1, 0});
  return out;
}

TEST(IngestPaths, DatasetRootIsTheShallowestFolderHoldingRaw) {
  EXPECT_EQ(*FindDatasetRoot(
                Entries({"wisdm-dataset/raw/phone/accel/data_1600_accel_phone.txt",
                         "wisdm-dataset/README.txt", "__MACOSX/wisdm-dataset/raw/phone/accel/._x"}),
                "src"),
            "wisdm-dataset");
  EXPECT_EQ(*FindDatasetRoot(Entries({"raw/a/b/data_1.txt", "x/raw/y.txt"}), "src"), "");
  EXPECT_EQ(FindDatasetRoot(Entries({"README.txt", "raw"}), "src").status().code(),
            StatusCode::kInvalid);
  EXPECT_EQ(FindDatasetRoot(Entries({"a/raw/x.txt", "b/raw/x.txt"}), "src").status().code(),
            StatusCode::kInvalid);
}

TEST(IngestPaths, RootMustHoldDataFiles) {
  auto entries = Entries({"d/raw/phone/accel/notes.md", "d/README.txt"});
  auto r = EntriesUnderRoot(entries, "d", "src");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalid);
  entries = Entries({"d/raw/phone/accel/data_1600_accel_phone.txt", "d/README.txt", "e/x"});
  r = EntriesUnderRoot(entries, "d", "src");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].path, "README.txt");
  EXPECT_EQ((*r)[0].name, "d/README.txt");  // the source still opens it by its own name
}

TEST(IngestPaths, ExpandedSizeLimitIsCheckedWithoutOverflow) {
  std::vector<SourceEntry> entries = {{"a", "a", int64_t{1} << 62, 0},
                                      {"b", "b", int64_t{1} << 62, 0}};
  EXPECT_EQ(CheckExpandedSize(entries, INT64_MAX, "src").code(), StatusCode::kRefused);
  EXPECT_TRUE(CheckExpandedSize({{"a", "a", 10, 0}}, 10, "src").ok());
  EXPECT_EQ(CheckExpandedSize({{"a", "a", 11, 0}}, 10, "src").code(), StatusCode::kRefused);
}

}  // namespace
}  // namespace sensorlake::ingest
