// Fault injection against its ground truth: a faulty dataset is compared line by line
// with the clean dataset of the same seed. Every line that faults.jsonl names must show
// its defect; every line it does not name must be the clean line.
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "sensorlake/generate/generator.h"
#include "sensorlake/wisdm/float_text.h"
#include "sensorlake/wisdm/line_parser.h"
#include "testing/temp_dir.h"

namespace sensorlake::generate {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct FileText {
  std::vector<std::string> lines;
  bool all_crlf = true;
  bool any_crlf = false;
  bool ends_with_newline = false;
  size_t bytes = 0;
};

FileText Split(const std::string& text) {
  FileText out;
  out.bytes = text.size();
  out.ends_with_newline = !text.empty() && text.back() == '\n';
  wisdm::LineSplitter split(text);
  std::string_view line;
  int64_t no = 0;
  while (split.Next(&line, &no)) {
    out.lines.emplace_back(line);
    bool crlf = split.last_line_had_crlf();
    out.any_crlf |= crlf;
    if (!split.last_line_unterminated()) out.all_crlf &= crlf;
  }
  return out;
}

wisdm::RawReading Parse(const std::string& line) {
  wisdm::RawReading r;
  EXPECT_EQ(wisdm::ParseLine(line, &r).error, wisdm::LineError::kNone) << line;
  return r;
}

std::string Format(const wisdm::RawReading& r, int32_t subject) {
  return fmt::format("{},{},{},{},{},{};", subject, r.activity, r.timestamp_ns,
                     wisdm::FormatJavaFloat(r.x), wisdm::FormatJavaFloat(r.y),
                     wisdm::FormatJavaFloat(r.z));
}

// Checks that a single faulty line shows the defect its kind promises, as the transform's
// parser and rules will see it.
void ExpectLineDefect(const std::string& kind, const std::string& line, int32_t subject,
                      bool accel) {
  wisdm::RawReading r;
  wisdm::LineParseResult p = wisdm::ParseLine(line, &r);
  if (kind == "malformed") {
    EXPECT_EQ(p.error, wisdm::LineError::kMalformed) << line;
    EXPECT_EQ(p.field_count, 0) << line;  // no ';': malformed_line, not wrong_field_count
  } else if (kind == "wrong_field_count") {
    EXPECT_EQ(p.error, wisdm::LineError::kMalformed) << line;
    EXPECT_TRUE(p.field_count == 5 || p.field_count == 7) << line;
  } else if (kind == "non_numeric") {
    EXPECT_EQ(p.error, wisdm::LineError::kNonNumericValue) << line;
  } else if (kind == "nan") {
    EXPECT_EQ(p.error, wisdm::LineError::kNonFiniteValue) << line;
  } else if (kind == "bad_subject") {
    EXPECT_EQ(p.error, wisdm::LineError::kBadSubject) << line;
  } else if (kind == "bad_timestamp") {
    EXPECT_EQ(p.error, wisdm::LineError::kBadTimestamp) << line;
  } else if (kind == "unknown_activity") {
    EXPECT_EQ(p.error, wisdm::LineError::kNone) << line;
    EXPECT_LT(wisdm::ActivityIndex(r.activity), 0) << line;
  } else if (kind == "subject_mismatch") {
    EXPECT_EQ(p.error, wisdm::LineError::kNone) << line;
    EXPECT_NE(r.subject, subject) << line;
  } else if (kind == "out_of_bounds") {
    EXPECT_EQ(p.error, wisdm::LineError::kNone) << line;
    float m = std::max({std::fabs(r.x), std::fabs(r.y), std::fabs(r.z)});
    EXPECT_GT(m, accel ? 156.9f : 40.0f) << line;
  } else {
    ADD_FAILURE() << "no check for " << kind;
  }
}

const std::map<std::string, std::string> kReason = {
    {"malformed", "malformed_line"},
    {"wrong_field_count", "wrong_field_count"},
    {"non_numeric", "non_numeric_value"},
    {"nan", "non_finite_value"},
    {"bad_subject", "bad_subject"},
    {"bad_timestamp", "bad_timestamp"},
    {"unknown_activity", "unknown_activity"},
    {"subject_mismatch", "subject_mismatch"},
    {"out_of_bounds", "value_out_of_bounds"},
    {"truncated_last_line", "truncated_last_line"},
    {"conflicting_duplicate", "conflicting_duplicate"},
};

class GenerateFaults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    faulty_ = new testing::TempDir();
    clean_ = new testing::TempDir();
    GenerateOptions o;
    o.scale = 0.01;
    o.seed = 3;
    o.threads = 2;
    o.out_dir = clean_->str();
    ASSERT_TRUE(Generate(o).ok());
    std::string spec = "all";
    for (int32_t k = 0; k < kNumFaultKinds; ++k) {
      if (ScopeOf(static_cast<FaultKind>(k)) == FaultScope::kLine) {
        spec += fmt::format(",{}=0.003", FaultKindName(static_cast<FaultKind>(k)));
      }
    }
    auto parsed = ParseFaultSpec(spec + ",stuck=3,clipped=3,scaled=2,duplicate_stream=2");
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    o.faults = *parsed;
    o.out_dir = faulty_->str();
    auto summary = Generate(o);
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
    summary_ = new GenerateSummary(*summary);
    std::string jsonl = testing::ReadFile(faulty_->path() / "faults.jsonl");
    wisdm::LineSplitter split(jsonl);
    std::string_view line;
    int64_t no = 0;
    records_ = new std::vector<json>();
    while (split.Next(&line, &no)) records_->push_back(json::parse(line));
  }
  static void TearDownTestSuite() {
    delete faulty_;
    delete clean_;
    delete records_;
    delete summary_;
  }

  // The file as the clean run wrote it, under the subject field of `subject`.
  static FileText Clean(const std::string& rel, int32_t subject, int32_t as_subject) {
    FileText t = Split(testing::ReadFile(clean_->path() / rel));
    if (subject != as_subject) {
      for (std::string& l : t.lines) l = std::to_string(as_subject) + l.substr(l.find(','));
    }
    return t;
  }

  void CheckFile(const std::string& rel, const std::vector<const json*>& recs);

  static testing::TempDir* faulty_;
  static testing::TempDir* clean_;
  static std::vector<json>* records_;
  static GenerateSummary* summary_;
};

testing::TempDir* GenerateFaults::faulty_ = nullptr;
testing::TempDir* GenerateFaults::clean_ = nullptr;
std::vector<json>* GenerateFaults::records_ = nullptr;
GenerateSummary* GenerateFaults::summary_ = nullptr;

TEST_F(GenerateFaults, EveryKindAppearsWithItsExpectation) {
  std::set<std::string> kinds;
  for (const json& r : *records_) {
    std::string kind = r["kind"];
    kinds.insert(kind);
    for (const char* field : {"kind", "file", "subject", "folder", "activity", "line", "last_line",
                              "lines", "expect", "reason", "check", "detail"}) {
      EXPECT_TRUE(r.contains(field)) << field << " in " << r.dump();
    }
    auto it = kReason.find(kind);
    if (it != kReason.end()) {
      EXPECT_EQ(r["expect"], "quarantine");
      EXPECT_EQ(r["reason"], it->second);
    } else {
      EXPECT_TRUE(r["reason"].is_null()) << r.dump();
    }
  }
  for (int32_t k = 0; k < kNumFaultKinds; ++k) {
    EXPECT_TRUE(kinds.count(std::string(FaultKindName(static_cast<FaultKind>(k)))))
        << FaultKindName(static_cast<FaultKind>(k));
  }
  EXPECT_EQ(summary_->faults, static_cast<int64_t>(records_->size()));
}

TEST_F(GenerateFaults, NamedLinesHaveTheirDefectAndAllOtherLinesAreClean) {
  std::map<std::string, std::vector<const json*>> by_file;
  for (const json& r : *records_) by_file[r["file"]].push_back(&r);
  int32_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(faulty_->path() / "raw")) {
    if (!entry.is_regular_file()) continue;
    std::string rel = fs::relative(entry.path(), faulty_->path()).string();
    CheckFile(rel, by_file[rel]);
    ++files;
  }
  EXPECT_EQ(files, 204);
}

// Lines written = planned lines + duplicated rows - emptied files + what duplicated
// streams changed; generate.json's counts are the lines really in the files.
TEST_F(GenerateFaults, GenerateJsonAccountsForFaultsThatChangeLineCounts) {
  auto record = json::parse(testing::ReadFile(faulty_->path() / "generate.json"));
  int64_t written = 0, planned = 0;
  for (auto& [folder, per] : record["lines_per_activity"].items()) {
    for (auto& [act, n] : per.items()) written += n.get<int64_t>();
  }
  for (auto& [folder, per] : record["planned_lines_per_activity"].items()) {
    for (auto& [act, n] : per.items()) planned += n.get<int64_t>();
  }
  int64_t delta = 0;
  for (const json& r : *records_) {
    if (r["kind"] == "duplicate_row") delta += 1;
    if (r["kind"] == "empty_file") delta -= r["lines_removed"].get<int64_t>();
    if (r["kind"] == "duplicate_stream") {
      int64_t source =
          Split(testing::ReadFile(clean_->path() / r["source_file"].get<std::string>()))
              .lines.size();
      int64_t own =
          Split(testing::ReadFile(clean_->path() / r["file"].get<std::string>())).lines.size();
      delta += source - own;
    }
  }
  EXPECT_EQ(written, record["lines"].get<int64_t>());
  EXPECT_EQ(written, planned + delta);
}

void GenerateFaults::CheckFile(const std::string& rel, const std::vector<const json*>& recs) {
  SCOPED_TRACE(rel);
  auto name = wisdm::ParseRawFileName(fs::path(rel).filename().string());
  ASSERT_TRUE(name.ok());
  const int32_t subject = name->subject;
  const bool accel = name->folder.sensor == wisdm::Sensor::kAccel;
  FileText f = Split(testing::ReadFile(faulty_->path() / rel));
  std::map<std::string, const json*> file_level;
  std::map<int64_t, const json*> at_line;  // first line of each line/run fault
  for (const json* r : recs) {
    if (r->at("line").is_null())
      file_level[r->at("kind")] = r;
    else
      at_line[r->at("line").get<int64_t>()] = r;
  }
  if (file_level.count("empty_file")) {
    EXPECT_EQ(f.bytes, 0u);
    return;
  }
  int32_t source = subject;
  if (file_level.count("duplicate_stream"))
    source = file_level["duplicate_stream"]->at("source_subject");
  std::string clean_rel = wisdm::RawFileName{source, name->folder}.RelativePath();
  FileText c = Clean(clean_rel, source, subject);
  const bool micro = file_level.count("microsecond_clock") > 0;
  EXPECT_EQ(f.any_crlf, file_level.count("crlf") > 0);
  if (file_level.count("crlf")) EXPECT_TRUE(f.all_crlf);
  bool truncated = false;
  for (const json* r : recs) truncated |= r->at("kind") == "truncated_last_line";
  EXPECT_EQ(f.ends_with_newline, !truncated);

  auto clean_line = [&](size_t k) {
    if (!micro) return c.lines.at(k);
    wisdm::RawReading r = Parse(c.lines.at(k));
    r.timestamp_ns -= r.timestamp_ns % 1000;
    return Format(r, subject);
  };
  size_t ci = 0;
  size_t seen = 0;
  for (size_t i = 1; i <= f.lines.size();) {
    const std::string& line = f.lines[i - 1];
    auto it = at_line.find(static_cast<int64_t>(i));
    if (it == at_line.end()) {
      ASSERT_LT(ci, c.lines.size());
      ASSERT_EQ(line, clean_line(ci)) << "line " << i;
      if (micro) EXPECT_EQ(Parse(line).timestamp_ns % 1000, 0);
      ++i, ++ci;
      continue;
    }
    const json& r = *it->second;
    const std::string kind = r["kind"];
    SCOPED_TRACE(r.dump());
    ++seen;
    if (kind == "duplicate_row") {
      EXPECT_EQ(line, f.lines[i - 2]);
      EXPECT_EQ(r["original_line"], i - 1);
      ++i;
    } else if (kind == "conflicting_duplicate") {
      EXPECT_EQ(r["lines"], json::array({i, i + 1}));
      wisdm::RawReading a = Parse(line), b = Parse(f.lines[i]), cb = Parse(clean_line(ci + 1));
      EXPECT_EQ(line, clean_line(ci));
      EXPECT_EQ(a.timestamp_ns, b.timestamp_ns);
      EXPECT_EQ(a.activity, b.activity);
      EXPECT_TRUE(a.x != b.x || a.y != b.y || a.z != b.z);
      EXPECT_EQ(b.y, cb.y);
      i += 2, ci += 2;
    } else if (kind == "out_of_order") {
      EXPECT_EQ(line, clean_line(ci + 1));
      EXPECT_EQ(f.lines[i], clean_line(ci));
      EXPECT_GT(Parse(line).timestamp_ns, Parse(f.lines[i]).timestamp_ns);
      i += 2, ci += 2;
    } else if (kind == "truncated_last_line") {
      EXPECT_EQ(i, f.lines.size());
      EXPECT_EQ(line, r["text"]);
      EXPECT_TRUE(clean_line(ci).starts_with(line));
      EXPECT_LT(line.size(), clean_line(ci).size() - 1);
      ++i, ++ci;
    } else if (kind == "stuck" || kind == "clipped" || kind == "scaled") {
      int64_t last = r["last_line"];
      int64_t clipped = 0;
      for (; static_cast<int64_t>(i) <= last; ++i, ++ci) {
        wisdm::RawReading got = Parse(f.lines[i - 1]), want = Parse(clean_line(ci));
        EXPECT_EQ(got.timestamp_ns, want.timestamp_ns);
        EXPECT_EQ(std::string(1, got.activity), r["activity"]);
        for (auto [g, w] : {std::pair{got.x, want.x}, {got.y, want.y}, {got.z, want.z}}) {
          if (kind == "scaled") {
            EXPECT_EQ(g, static_cast<float>(w * r["factor"].get<double>()));
          } else if (kind == "clipped") {
            float level = r["clip_level"].get<float>();
            EXPECT_EQ(g, std::fabs(w) > level ? std::copysign(level, w) : w);
            clipped += std::fabs(w) > level;
          }
        }
        if (kind == "stuck") {
          EXPECT_EQ(wisdm::FormatJavaFloat(got.x), r["values"][0]);
          EXPECT_EQ(wisdm::FormatJavaFloat(got.z), r["values"][2]);
        }
      }
      if (kind == "clipped") {
        EXPECT_GT(clipped, 0);
        EXPECT_EQ(clipped, r["clipped_values"]);
      }
    } else {
      EXPECT_EQ(line, r["text"]);
      EXPECT_EQ(r["lines"], json::array({i}));
      ExpectLineDefect(kind, line, subject, accel);
      ++i, ++ci;
    }
  }
  EXPECT_EQ(ci, c.lines.size());
  EXPECT_EQ(seen, at_line.size());
}

}  // namespace
}  // namespace sensorlake::generate
