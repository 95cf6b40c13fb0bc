#include "sensorlake/transform/file_cleaner.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "sensorlake/wisdm/line_parser.h"

namespace sensorlake::transform {

void FileCounts::Add(const FileCounts& o) {
  lines += o.lines;
  rows += o.rows;
  quarantined += o.quarantined;
  duplicates_dropped += o.duplicates_dropped;
  reordered += o.reordered;
  blocks += o.blocks;
  for (int32_t i = 0; i < kNumReasons; ++i) by_reason[i] += o.by_reason[i];
}

namespace {

// Valid readings in file order, before sorting and de-duplication.
struct Staged {
  std::vector<int8_t> activity;
  std::vector<int64_t> ts;
  std::vector<float> x, y, z;
  std::vector<int32_t> block;
  std::vector<int64_t> line;
  std::vector<std::string_view> text;
  size_t size() const { return ts.size(); }
  void reserve(size_t n) {
    activity.reserve(n);
    ts.reserve(n);
    x.reserve(n);
    y.reserve(n);
    z.reserve(n);
    block.reserve(n);
    line.reserve(n);
    text.reserve(n);
  }
};

// A raw line is about 56 bytes ("1600,A,252207666810782,-0.36476135,8.793503,1.0550842;");
// reserving for lines of 48 saves the vectors' regrowth copies in nearly every file.
constexpr size_t kTypicalLineBytes = 48;

class Cleaner {
 public:
  Cleaner(const wisdm::RawFileName& name, const TransformConfig& config, CleanedFile* out)
      : name_(name), config_(config), out_(out) {}

  void Run(std::string_view content);

 private:
  void Quarantine(int64_t line, Reason reason, std::string detail, std::string_view text);
  void AcceptLine(std::string_view text, int64_t line_no, bool last_unterminated);
  bool PassesRules(const wisdm::RawReading& r, std::string_view text, int64_t line_no);
  void Stage(const wisdm::RawReading& r, int8_t activity, std::string_view text, int64_t line);
  std::vector<uint32_t> SortedOrder() const;
  void EmitDeduplicated(const std::vector<uint32_t>& order);
  void EmitRow(uint32_t i, std::vector<int32_t>* block_counters);

  const wisdm::RawFileName& name_;
  const TransformConfig& config_;
  CleanedFile* out_;
  Staged staged_;
  int32_t current_block_ = -1;
  int8_t last_activity_ = -1;
};

void Cleaner::Quarantine(int64_t line, Reason reason, std::string detail, std::string_view text) {
  out_->quarantine.push_back({line, reason, std::move(detail), std::string(text)});
  out_->counts.quarantined++;
  out_->counts.by_reason[static_cast<size_t>(reason)]++;
}

void Cleaner::Run(std::string_view content) {
  staged_.reserve(content.size() / kTypicalLineBytes);
  wisdm::LineSplitter splitter(content);
  std::string_view text;
  int64_t line_no = 0;
  while (splitter.Next(&text, &line_no)) {
    out_->counts.lines++;
    AcceptLine(text, line_no, splitter.last_line_unterminated());
  }
  EmitDeduplicated(SortedOrder());
}

void Cleaner::AcceptLine(std::string_view text, int64_t line_no, bool last_unterminated) {
  wisdm::RawReading r;
  wisdm::LineParseResult parsed = wisdm::ParseLine(text, &r);
  if (parsed.error != wisdm::LineError::kNone) {
    std::string detail = parsed.field_count > 0 && parsed.field_count != 6
                             ? fmt::format("expected 6 fields, found {}", parsed.field_count)
                         : parsed.field >= 0 ? fmt::format("field {} is {}", parsed.field + 1,
                                                           wisdm::LineErrorName(parsed.error))
                                             : std::string(wisdm::LineErrorName(parsed.error));
    if (last_unterminated) detail += " (last line, no newline: the file was cut short)";
    Quarantine(line_no, ReasonForParseError(parsed, last_unterminated), std::move(detail), text);
    return;
  }
  if (PassesRules(r, text, line_no)) {
    Stage(r, static_cast<int8_t>(wisdm::ActivityIndex(r.activity)), text, line_no);
  }
}

bool Cleaner::PassesRules(const wisdm::RawReading& r, std::string_view text, int64_t line_no) {
  if (wisdm::ActivityIndex(r.activity) < 0) {
    Quarantine(line_no, Reason::kUnknownActivity,
               fmt::format("activity '{}' is not one of the 18 codes A..S without N", r.activity),
               text);
    return false;
  }
  if (config_.check_subject_matches_file && r.subject != name_.subject) {
    Quarantine(line_no, Reason::kSubjectMismatch,
               fmt::format("subject {} in the file of subject {}", r.subject, name_.subject), text);
    return false;
  }
  if (config_.check_value_bounds) {
    float bound = config_.AbsMax(name_.folder.sensor);
    float m = std::max({std::fabs(r.x), std::fabs(r.y), std::fabs(r.z)});
    if (m > bound) {
      Quarantine(line_no, Reason::kValueOutOfBounds,
                 fmt::format("|value| {} exceeds the {} bound {}", m,
                             wisdm::SensorName(name_.folder.sensor), bound),
                 text);
      return false;
    }
  }
  return true;
}

void Cleaner::Stage(const wisdm::RawReading& r, int8_t activity, std::string_view text,
                    int64_t line) {
  if (activity != last_activity_) {
    ++current_block_;
    last_activity_ = activity;
    out_->counts.blocks++;
  } else if (r.timestamp_ns < staged_.ts.back()) {
    out_->counts.reordered++;  // inside one block, earlier than the reading before it
  }
  staged_.activity.push_back(activity);
  staged_.ts.push_back(r.timestamp_ns);
  staged_.x.push_back(r.x);
  staged_.y.push_back(r.y);
  staged_.z.push_back(r.z);
  staged_.block.push_back(current_block_);
  staged_.line.push_back(line);
  staged_.text.push_back(text);
}

std::vector<uint32_t> Cleaner::SortedOrder() const {
  std::vector<uint32_t> order(staged_.size());
  std::iota(order.begin(), order.end(), 0u);
  auto less = [&](uint32_t a, uint32_t b) {
    if (staged_.activity[a] != staged_.activity[b])
      return staged_.activity[a] < staged_.activity[b];
    return staged_.ts[a] < staged_.ts[b];
  };
  // Raw files are nearly always in order already: check before paying for a sort.
  if (!std::is_sorted(order.begin(), order.end(), less)) {
    std::stable_sort(order.begin(), order.end(), less);  // stable: ties keep file order
  }
  return order;
}

bool SameValues(const Staged& s, uint32_t a, uint32_t b) {
  // Bitwise, so -0.0 and 0.0 differ as their raw texts do.
  auto bits = [](float v) {
    uint32_t b;
    std::memcpy(&b, &v, sizeof(b));
    return b;
  };
  return bits(s.x[a]) == bits(s.x[b]) && bits(s.y[a]) == bits(s.y[b]) &&
         bits(s.z[a]) == bits(s.z[b]);
}

std::array<uint32_t, 3> ValueKey(const Staged& s, uint32_t i) {
  std::array<uint32_t, 3> k;
  std::memcpy(&k[0], &s.x[i], 4);
  std::memcpy(&k[1], &s.y[i], 4);
  std::memcpy(&k[2], &s.z[i], 4);
  return k;
}

void Cleaner::EmitDeduplicated(const std::vector<uint32_t>& order) {
  CleanedRows& rows = out_->rows;
  rows.activity.reserve(order.size());
  rows.timestamp_ns.reserve(order.size());
  rows.x.reserve(order.size());
  rows.y.reserve(order.size());
  rows.z.reserve(order.size());
  rows.block.reserve(order.size());
  rows.sample.reserve(order.size());
  std::vector<int32_t> block_counters(std::max<int64_t>(out_->counts.blocks, 1), 0);

  size_t i = 0;
  while (i < order.size()) {
    // A group: the rows sharing (activity, timestamp).
    size_t j = i + 1;
    while (j < order.size() && staged_.activity[order[j]] == staged_.activity[order[i]] &&
           staged_.ts[order[j]] == staged_.ts[order[i]]) {
      ++j;
    }
    if (j - i == 1) {
      EmitRow(order[i], &block_counters);
      i = j;
      continue;
    }
    // Keep the first (in file order) of each distinct value triple; later exact copies
    // are duplicates. Sorting the group by value keeps this linear for hostile input.
    std::vector<uint32_t> group(order.begin() + i, order.begin() + j);
    std::stable_sort(group.begin(), group.end(), [&](uint32_t a, uint32_t b) {
      return ValueKey(staged_, a) < ValueKey(staged_, b);
    });
    std::vector<uint32_t> distinct;
    for (size_t k = 0; k < group.size(); ++k) {
      if (k > 0 && SameValues(staged_, group[k - 1], group[k]) && config_.drop_exact_duplicates) {
        out_->counts.duplicates_dropped++;
      } else {
        distinct.push_back(group[k]);
      }
    }
    std::sort(distinct.begin(), distinct.end());  // staging index = file order
    bool conflicting = false;
    for (uint32_t d : distinct) conflicting = conflicting || !SameValues(staged_, distinct[0], d);
    if (conflicting && config_.quarantine_conflicting_duplicates) {
      for (uint32_t d : distinct) {
        Quarantine(
            staged_.line[d], Reason::kConflictingDuplicate,
            fmt::format("timestamp {} of activity {} appears {} times with different "
                        "values",
                        staged_.ts[d], wisdm::kActivityCodes[staged_.activity[d]], distinct.size()),
            staged_.text[d]);
      }
    } else {
      for (uint32_t d : distinct) EmitRow(d, &block_counters);
    }
    i = j;
  }
  out_->counts.rows = static_cast<int64_t>(rows.size());
  // Quarantine in line order reads naturally next to the raw file.
  std::stable_sort(out_->quarantine.begin(), out_->quarantine.end(),
                   [](const auto& a, const auto& b) { return a.line < b.line; });
}

void Cleaner::EmitRow(uint32_t i, std::vector<int32_t>* block_counters) {
  CleanedRows& rows = out_->rows;
  rows.activity.push_back(staged_.activity[i]);
  rows.timestamp_ns.push_back(staged_.ts[i]);
  rows.x.push_back(staged_.x[i]);
  rows.y.push_back(staged_.y[i]);
  rows.z.push_back(staged_.z[i]);
  rows.block.push_back(staged_.block[i]);
  rows.sample.push_back((*block_counters)[staged_.block[i]]++);
}

}  // namespace

CleanedFile CleanRawFile(std::string_view content, const wisdm::RawFileName& name, std::string path,
                         const TransformConfig& config) {
  CleanedFile out;
  out.name = name;
  out.path = std::move(path);
  Cleaner(name, config, &out).Run(content);
  return out;
}

}  // namespace sensorlake::transform
