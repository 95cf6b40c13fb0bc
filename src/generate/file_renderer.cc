#include "generate/file_renderer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "generate/random.h"
#include "generate/stream.h"
#include "sensorlake/wisdm/float_text.h"

namespace sensorlake::generate {
namespace {

constexpr size_t kFlushBytes = 1 << 20;

struct Expectation {
  const char* expect;  // what a correct transform does with the line(s)
  const char* reason;  // the quarantine reason code, when quarantined
  const char* check;   // the quality check that should flag it, when the lines are valid
};

Expectation ExpectationOf(FaultKind kind) {
  switch (kind) {
    case FaultKind::kDuplicateStream:
      return {"flag", nullptr, "duplicate_stream"};
    case FaultKind::kMicrosecondClock:
      return {"flag", nullptr, "timestamp_resolution"};
    case FaultKind::kCrlf:
      return {"accept", nullptr, nullptr};
    case FaultKind::kTruncatedLastLine:
      return {"quarantine", "truncated_last_line", nullptr};
    case FaultKind::kEmptyFile:
      return {"flag", nullptr, "empty_file"};
    case FaultKind::kStuck:
      return {"flag", nullptr, "stuck_values"};
    case FaultKind::kClipped:
      return {"flag", nullptr, "clipped_values"};
    case FaultKind::kScaled:
      return {"flag", nullptr, "scaled_values"};
    case FaultKind::kMalformed:
      return {"quarantine", "malformed_line", nullptr};
    case FaultKind::kWrongFieldCount:
      return {"quarantine", "wrong_field_count", nullptr};
    case FaultKind::kNonNumeric:
      return {"quarantine", "non_numeric_value", nullptr};
    case FaultKind::kNan:
      return {"quarantine", "non_finite_value", nullptr};
    case FaultKind::kUnknownActivity:
      return {"quarantine", "unknown_activity", nullptr};
    case FaultKind::kSubjectMismatch:
      return {"quarantine", "subject_mismatch", nullptr};
    case FaultKind::kBadSubject:
      return {"quarantine", "bad_subject", nullptr};
    case FaultKind::kBadTimestamp:
      return {"quarantine", "bad_timestamp", nullptr};
    case FaultKind::kOutOfBounds:
      return {"quarantine", "value_out_of_bounds", nullptr};
    case FaultKind::kDuplicateRow:
      return {"drop_duplicate", nullptr, nullptr};
    case FaultKind::kConflictingDuplicate:
      return {"quarantine", "conflicting_duplicate", nullptr};
    case FaultKind::kOutOfOrder:
      return {"reorder", nullptr, nullptr};
  }
  return {"flag", nullptr, nullptr};
}

using Json = nlohmann::ordered_json;  // keeps faults.jsonl's fields in a readable order

Json NullOr(const char* s) { return s ? Json(s) : Json(nullptr); }

// The text fields of one reading, for faults that edit single fields.
struct Fields {
  std::string subject, activity, ts, x, y, z;
  std::string Join() const {
    return fmt::format("{},{},{},{},{},{};", subject, activity, ts, x, y, z);
  }
  std::string* Value(uint64_t axis) { return axis == 0 ? &x : axis == 1 ? &y : &z; }
};

class Renderer {
 public:
  Renderer(const DatasetPlan& plan, const FaultSpec& spec, const FileFaults& faults,
           int32_t subject_index, int32_t folder_index, const LineProgress& progress,
           const ChunkSink& sink)
      : plan_(plan),
        spec_(spec),
        faults_(faults),
        subject_index_(subject_index),
        folder_index_(folder_index),
        folder_(wisdm::kFolders[folder_index]),
        data_index_(faults.source_subject_index >= 0 ? faults.source_subject_index : subject_index),
        subject_field_(std::to_string(plan.SubjectId(subject_index))),
        eol_(faults.crlf ? "\r\n" : "\n"),
        rel_path_(wisdm::RawFileName{plan.SubjectId(subject_index), folder_}.RelativePath()),
        progress_(progress),
        sink_(sink),
        rng_(Key(plan.seed(), {kTagLineFaults, static_cast<uint64_t>(plan.SubjectId(subject_index)),
                               static_cast<uint64_t>(folder_index), 1})) {}

  Result<RenderedFile> Run();

 private:
  // A run's record waits for its first line to be written to learn its line numbers
  // (a duplicated row earlier in the block shifts them).
  struct PendingRun {
    size_t record = 0;
    int64_t first = 0;
    int64_t length = 0;
  };
  Status RenderBlock(int32_t a, std::vector<Reading>* block, int64_t base);
  std::optional<PendingRun> ApplyRuns(int32_t a, std::vector<Reading>* block);
  // Renders the line fault at block[j]; returns how many readings it used (1 or 2).
  int64_t RenderLineFault(FaultKind kind, int32_t a, const std::vector<Reading>& block, size_t j);
  std::string FaultyLine(FaultKind kind, char activity, const Reading& r, std::string* detail);
  std::string Malformed(std::string line, std::string* detail);
  std::string WrongFieldCount(Fields* f, std::string* detail);
  std::string BadField(FaultKind kind, char activity, const Reading& r, Fields* f,
                       std::string* detail);
  void AppendReading(char activity, const Reading& r, std::string_view subject);
  void AppendText(std::string_view text, bool newline = true);
  Status MaybeFlush(bool force);
  Fields FieldsOf(char activity, const Reading& r) const;
  // Appends a faults.jsonl record; `lines` are 1-based line numbers (empty: whole file).
  Json& Record(FaultKind kind, std::optional<int32_t> activity, std::string detail,
               std::vector<int64_t> lines = {});

  const DatasetPlan& plan_;
  const FaultSpec& spec_;
  const FileFaults& faults_;
  const int32_t subject_index_;
  const int32_t folder_index_;
  const wisdm::Folder folder_;
  const int32_t data_index_;  // whose readings: differs for a duplicated stream
  const std::string subject_field_;
  const std::string eol_;
  const std::string rel_path_;
  const LineProgress& progress_;
  const ChunkSink& sink_;
  Rng rng_;  // fault variants (which token, which field)

  std::string buf_;
  int64_t line_ = 0;  // lines written so far (= 1-based number of the last one)
  int64_t total_lines_ = 0;
  std::vector<LineFault> line_faults_;
  size_t next_fault_ = 0;
  RenderedFile result_;
};

Result<RenderedFile> Renderer::Run() {
  total_lines_ = plan_.FileLines(data_index_, folder_index_);
  if (faults_.empty) {
    if (progress_) progress_(total_lines_);
    Record(FaultKind::kEmptyFile, std::nullopt,
           fmt::format("0 bytes instead of {} lines", total_lines_))["lines_removed"] =
        total_lines_;
    return std::move(result_);
  }
  if (faults_.source_subject_index >= 0) {
    auto source = wisdm::RawFileName{plan_.SubjectId(data_index_), folder_};
    Json& j = Record(FaultKind::kDuplicateStream, std::nullopt,
                     fmt::format("the stream of subject {} under subject {}",
                                 plan_.SubjectId(data_index_), subject_field_));
    j["source_subject"] = plan_.SubjectId(data_index_);
    j["source_file"] = source.RelativePath();
  }
  if (faults_.crlf) Record(FaultKind::kCrlf, std::nullopt, "every line ends in CRLF");
  if (faults_.microsecond) {
    Record(FaultKind::kMicrosecondClock, std::nullopt,
           "timestamps have microsecond resolution (all end in 000)");
  }
  line_faults_ = PlanLineFaults(plan_, spec_, subject_index_, folder_index_, faults_);
  buf_.reserve(kFlushBytes + 4096);
  std::vector<Reading> block;
  int64_t base = 0;
  for (int32_t a = 0; a < wisdm::kNumActivities; ++a) {
    GenerateBlock(plan_, data_index_, folder_index_, a, &block);
    if (block.empty()) continue;
    SL_RETURN_NOT_OK(RenderBlock(a, &block, base));
    base += static_cast<int64_t>(block.size());
    if (progress_) progress_(static_cast<int64_t>(block.size()));
  }
  SL_RETURN_NOT_OK(MaybeFlush(true));
  result_.lines = line_;
  return std::move(result_);
}

Status Renderer::RenderBlock(int32_t a, std::vector<Reading>* block, int64_t base) {
  const char act = wisdm::kActivityCodes[a];
  if (faults_.microsecond) {
    for (Reading& r : *block) r.ts -= r.ts % 1000;
  }
  std::optional<PendingRun> run = ApplyRuns(a, block);
  const int64_t before = line_;
  const size_t n = block->size();
  for (size_t j = 0; j < n;) {
    int64_t index = base + static_cast<int64_t>(j);
    if (run && static_cast<int64_t>(j) == run->first) {
      result_.faults[run->record]["line"] = line_ + 1;
      result_.faults[run->record]["last_line"] = line_ + run->length;
    }
    if (faults_.truncated && index == total_lines_ - 1) {
      std::string text = FieldsOf(act, (*block)[j]).Join();
      size_t z_len = text.size() - text.rfind(',') - 2;  // chars of z, without ';'
      size_t cut = 1 + static_cast<size_t>(rng_.Below(std::max<size_t>(1, z_len - 1)));
      text.resize(text.size() - 1 - cut);
      AppendText(text, /*newline=*/false);
      Record(FaultKind::kTruncatedLastLine, a,
             fmt::format("last line cut {} chars before its end, without ';' or newline", cut + 1),
             {line_})["text"] = text;
      ++j;
    } else if (next_fault_ < line_faults_.size() && line_faults_[next_fault_].index == index) {
      j += static_cast<size_t>(RenderLineFault(line_faults_[next_fault_++].kind, a, *block, j));
    } else {
      AppendReading(act, (*block)[j], subject_field_);
      ++j;
    }
    SL_RETURN_NOT_OK(MaybeFlush(false));
  }
  result_.lines_written[a] += line_ - before;
  return Status::OK();
}

// Run faults edit readings before they become text. Their lines never hold line faults,
// so a run's lines are contiguous. At most one run per block (PlaceRunFaults).
std::optional<Renderer::PendingRun> Renderer::ApplyRuns(int32_t a, std::vector<Reading>* block) {
  for (const RunFault& run : faults_.runs) {
    if (run.activity != a) continue;
    PendingRun pending{result_.faults.size(), run.first, run.length};
    auto begin = block->begin() + run.first;
    auto end = begin + run.length;
    if (run.kind == FaultKind::kStuck) {
      const Reading held = *begin;
      for (auto it = begin; it != end; ++it) it->x = held.x, it->y = held.y, it->z = held.z;
      Json& j = Record(run.kind, a,
                       fmt::format("{} readings repeat one value: the sensor hung", run.length));
      // As written in the file, so a reader can compare text.
      j["values"] = {wisdm::FormatJavaFloat(held.x), wisdm::FormatJavaFloat(held.y),
                     wisdm::FormatJavaFloat(held.z)};
    } else if (run.kind == FaultKind::kClipped) {
      float peak = 0;
      for (auto it = begin; it != end; ++it) {
        peak = std::max({peak, std::fabs(it->x), std::fabs(it->y), std::fabs(it->z)});
      }
      // A 2 g accelerometer or a 250 deg/s gyroscope; lower when the motion stays below
      // that, so the run always holds clipped values.
      bool accel = folder_.sensor == wisdm::Sensor::kAccel;
      float level = std::min(accel ? 19.6133f : 4.3633f, 0.7f * peak);
      int64_t clipped = 0;
      for (auto it = begin; it != end; ++it) {
        for (float* v : {&it->x, &it->y, &it->z}) {
          if (std::fabs(*v) <= level) continue;
          *v = std::copysign(level, *v);
          ++clipped;
        }
      }
      Json& j = Record(run.kind, a, fmt::format("values saturate at +-{}", level));
      j["clip_level"] = level;
      j["clipped_values"] = clipped;
    } else {
      bool accel = folder_.sensor == wisdm::Sensor::kAccel;
      double factor = accel ? 1.0 / 9.80665 : M_PI / 180.0;
      for (auto it = begin; it != end; ++it) {
        it->x = static_cast<float>(it->x * factor);
        it->y = static_cast<float>(it->y * factor);
        it->z = static_cast<float>(it->z * factor);
      }
      Json& j =
          Record(run.kind, a,
                 accel ? "values in g instead of m/s^2 (divided by 9.80665)"
                       : "values converted from degrees a second time (multiplied by pi/180)");
      j["factor"] = factor;
    }
    return pending;
  }
  return std::nullopt;
}

int64_t Renderer::RenderLineFault(FaultKind kind, int32_t a, const std::vector<Reading>& block,
                                  size_t j) {
  const char act = wisdm::kActivityCodes[a];
  const Reading& r = block[j];
  if (kind == FaultKind::kDuplicateRow) {
    AppendReading(act, r, subject_field_);
    AppendReading(act, r, subject_field_);
    Record(kind, a, fmt::format("line {} repeated exactly", line_ - 1), {line_})["original_line"] =
        line_ - 1;
    return 1;
  }
  if (kind == FaultKind::kConflictingDuplicate) {
    Reading second = block[j + 1];
    second.ts = r.ts;
    if (second.x == r.x && second.y == r.y && second.z == r.z) {
      second.x = std::nextafter(second.x, 1e9f);
    }
    AppendReading(act, r, subject_field_);
    AppendReading(act, second, subject_field_);
    Record(kind, a, fmt::format("two readings share timestamp {} with different values", r.ts),
           {line_ - 1, line_})["timestamp"] = r.ts;
    return 2;
  }
  if (kind == FaultKind::kOutOfOrder) {
    AppendReading(act, block[j + 1], subject_field_);
    AppendReading(act, r, subject_field_);
    Record(kind, a, fmt::format("timestamp {} comes before {}", block[j + 1].ts, r.ts),
           {line_ - 1, line_});
    return 2;
  }
  std::string detail;
  std::string text = FaultyLine(kind, act, r, &detail);
  AppendText(text);
  Record(kind, a, std::move(detail), {line_})["text"] = text;
  return 1;
}

// The text of a single-line fault, and what is wrong with it.
std::string Renderer::FaultyLine(FaultKind kind, char act, const Reading& r, std::string* detail) {
  Fields f = FieldsOf(act, r);
  if (kind == FaultKind::kMalformed) return Malformed(f.Join(), detail);
  if (kind == FaultKind::kWrongFieldCount) return WrongFieldCount(&f, detail);
  return BadField(kind, act, r, &f, detail);
}

// A line without its final ';' (cut, garbled or empty): the parser's malformed_line.
std::string Renderer::Malformed(std::string line, std::string* detail) {
  uint64_t variant = rng_.Below(4);
  if (variant == 0) {
    line.pop_back();
    *detail = "missing ';'";
  } else if (variant == 1) {
    line.resize(1 + rng_.Below(line.size() - 2));
    *detail = "line cut short";
  } else if (variant == 2) {
    line.pop_back();
    line.replace(static_cast<size_t>(rng_.Below(line.size() - 3)), 3, "#@!");
    *detail = "garbled bytes, no ';'";
  } else {
    line.clear();
    *detail = "empty line";
  }
  return line;
}

// Ends in ';' but holds 5 or 7 fields.
std::string Renderer::WrongFieldCount(Fields* f, std::string* detail) {
  uint64_t variant = rng_.Below(3);
  if (variant == 0) {
    *detail = "5 fields: z is missing";
    return fmt::format("{},{},{},{},{};", f->subject, f->activity, f->ts, f->x, f->y);
  }
  if (variant == 1) {
    *detail = "7 fields: an extra value";
    return fmt::format("{},{},{},{},{},{},0.0;", f->subject, f->activity, f->ts, f->x, f->y, f->z);
  }
  f->x[f->x.find('.')] = ',';  // Float.toString always writes a '.'
  *detail = "7 fields: a decimal comma in x";
  return f->Join();
}

// Six fields and a ';', but one field is wrong.
std::string Renderer::BadField(FaultKind kind, char act, const Reading& r, Fields* f,
                               std::string* detail) {
  static constexpr std::array<const char*, 7> kText = {"null", "NA",    "abc", "1.2.3",
                                                       "",     "--0.5", "0x1F"};
  static constexpr std::array<const char*, 3> kNonFinite = {"NaN", "Infinity", "-Infinity"};
  static constexpr std::array<const char*, 4> kSubject = {"{}.0", "s{}", "{}O", ""};
  static constexpr std::array<float, 4> kAccelBeyond = {200.0f, 512.0f, 2000.0f, 1.0e7f};
  static constexpr std::array<float, 4> kGyroBeyond = {50.0f, 100.0f, 573.0f, 1.0e7f};
  uint64_t axis = rng_.Below(3);
  uint64_t pick = rng_.Below(4);
  switch (kind) {
    case FaultKind::kNonNumeric:
      *f->Value(axis) = kText[rng_.Below(kText.size())];
      *detail = fmt::format("{} is '{}'", "xyz"[axis], *f -> Value(axis));
      break;
    case FaultKind::kNan:
      *f->Value(axis) = kNonFinite[pick % 3];
      *detail = fmt::format("{} is '{}'", "xyz"[axis], *f -> Value(axis));
      break;
    case FaultKind::kUnknownActivity:
      f->activity = std::string(1, "NZTa"[pick]);
      *detail = fmt::format("activity '{}' in a block of '{}'", f->activity, act);
      break;
    case FaultKind::kSubjectMismatch: {
      int64_t step = 1 + static_cast<int64_t>(rng_.Below(9));
      int64_t other = plan_.SubjectId(subject_index_) + (pick % 2 ? step : -step);
      f->subject = std::to_string(other);
      *detail = fmt::format("subject {} in the file of subject {}", other, subject_field_);
      break;
    }
    case FaultKind::kBadSubject:
      f->subject = fmt::format(fmt::runtime(kSubject[pick]), subject_field_);
      *detail = fmt::format("subject field '{}'", f->subject);
      break;
    case FaultKind::kBadTimestamp:
      f->ts = pick == 0   ? fmt::format("{}.5", r.ts)
              : pick == 1 ? fmt::format("{:.9E}", static_cast<double>(r.ts))
              : pick == 2 ? fmt::format("{}ms", r.ts)
                          : std::string();
      *detail = fmt::format("timestamp field '{}'", f->ts);
      break;
    case FaultKind::kOutOfBounds: {
      bool accel = folder_.sensor == wisdm::Sensor::kAccel;
      float v = (accel ? kAccelBeyond : kGyroBeyond)[pick] * (rng_.Below(2) ? 1.0f : -1.0f);
      *f->Value(axis) = wisdm::FormatJavaFloat(v);
      *detail = fmt::format("{} = {}: beyond any {} range", "xyz"[axis], *f -> Value(axis),
                            wisdm::SensorName(folder_.sensor));
      break;
    }
    default:
      break;
  }
  return f->Join();
}

Fields Renderer::FieldsOf(char act, const Reading& r) const {
  return {subject_field_,
          std::string(1, act),
          std::to_string(r.ts),
          wisdm::FormatJavaFloat(r.x),
          wisdm::FormatJavaFloat(r.y),
          wisdm::FormatJavaFloat(r.z)};
}

// The hot path: one clean line straight into the buffer.
void Renderer::AppendReading(char act, const Reading& r, std::string_view subject) {
  char tmp[160];
  char* p = tmp;
  std::memcpy(p, subject.data(), subject.size());
  p += subject.size();
  *p++ = ',';
  *p++ = act;
  *p++ = ',';
  p = std::to_chars(p, p + 24, r.ts).ptr;
  *p++ = ',';
  p += wisdm::FormatJavaFloat(r.x, p);
  *p++ = ',';
  p += wisdm::FormatJavaFloat(r.y, p);
  *p++ = ',';
  p += wisdm::FormatJavaFloat(r.z, p);
  *p++ = ';';
  std::memcpy(p, eol_.data(), eol_.size());
  p += eol_.size();
  buf_.append(tmp, static_cast<size_t>(p - tmp));
  ++line_;
}

void Renderer::AppendText(std::string_view text, bool newline) {
  buf_.append(text);
  if (newline) buf_.append(eol_);
  ++line_;
}

Status Renderer::MaybeFlush(bool force) {
  if (buf_.empty() || (!force && buf_.size() < kFlushBytes)) return Status::OK();
  result_.bytes += static_cast<int64_t>(buf_.size());
  Status st = sink_(buf_);
  buf_.clear();
  return st;
}

Json& Renderer::Record(FaultKind kind, std::optional<int32_t> activity, std::string detail,
                       std::vector<int64_t> lines) {
  Expectation e = ExpectationOf(kind);
  Json j = {
      {"kind", std::string(FaultKindName(kind))},
      {"file", rel_path_},
      {"subject", plan_.SubjectId(subject_index_)},
      {"folder", folder_.Name()},
      {"activity",
       activity ? Json(std::string(1, wisdm::kActivityCodes[*activity])) : Json(nullptr)},
      {"line", lines.empty() ? Json(nullptr) : Json(lines.front())},
      {"last_line", lines.empty() ? Json(nullptr) : Json(lines.back())},
      {"lines", lines},
      {"expect", e.expect},
      {"reason", NullOr(e.reason)},
      {"check", NullOr(e.check)},
      {"detail", std::move(detail)},
  };
  result_.faults.push_back(std::move(j));
  return result_.faults.back();
}

}  // namespace

Result<RenderedFile> RenderFile(const DatasetPlan& plan, const FaultSpec& spec,
                                const FileFaults& faults, int32_t subject_index,
                                int32_t folder_index, const LineProgress& progress,
                                const ChunkSink& sink) {
  return Renderer(plan, spec, faults, subject_index, folder_index, progress, sink).Run();
}

}  // namespace sensorlake::generate
