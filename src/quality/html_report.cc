// The quality report for people: one HTML file with inline CSS and SVG charts, so it
// opens anywhere without a network or a server. Failures come first; then the pictures
// that show where they are (counts per subject and activity, sampling rates, quarantine).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "sensorlake/quality/quality.h"

namespace sensorlake::quality {

namespace {

std::string Escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string_view OutcomeColor(std::string_view outcome) {
  if (outcome == "pass") return "#1a7f37";
  if (outcome == "warn") return "#b76e00";
  if (outcome == "error") return "#cf222e";
  return "#6e7781";
}

std::string Badge(std::string_view outcome) {
  return fmt::format(R"(<span class="badge" style="background:{}">{}</span>)",
                     OutcomeColor(outcome), outcome);
}

constexpr const char* kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1f2328;max-width:1400px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.meta{color:#57606a}.badge{color:#fff;border-radius:10px;padding:1px 8px;font-size:12px;font-weight:600}
.gate{font-size:18px;font-weight:700;padding:6px 14px;border-radius:6px;color:#fff;display:inline-block;margin:10px 0}
.card{border:1px solid #d0d7de;border-left-width:5px;border-radius:6px;padding:8px 12px;margin:8px 0}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #d0d7de;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f6f8fa}.small{font-size:12px;color:#57606a}.charts{display:flex;flex-wrap:wrap;gap:18px}
svg text{font:11px system-ui,sans-serif}
)";

// The block key fields of a failure, as one short string.
std::string FailureWhere(const nlohmann::json& f) {
  std::vector<std::string> parts;
  for (const char* k : {"folder", "subject", "activity", "block", "reason", "file", "problem"}) {
    if (f.contains(k)) parts.push_back(f[k].is_string() ? f[k].get<std::string>() : f[k].dump());
  }
  return fmt::format("{}", fmt::join(parts, " "));
}

std::string FailureRows(const CheckResult& r, size_t from, size_t to) {
  std::string rows;
  for (size_t i = from; i < std::min(to, r.failures.size()); ++i) {
    rows += fmt::format("<tr><td>{}</td><td>{}</td></tr>", Escape(FailureWhere(r.failures[i])),
                        Escape(r.failures[i].value("what", "")));
  }
  return rows;
}

// One failing check: what was measured, what was expected, and where (five keys shown,
// up to 50 more behind a click, all of them in result.json).
std::string FailureCard(const CheckResult& r) {
  constexpr size_t kShown = 5, kFolded = 50;
  std::string table =
      "<table><tr><th>where</th><th>what</th></tr>" + FailureRows(r, 0, kShown) + "</table>";
  if (r.failures.size() > kShown) {
    table += fmt::format("<details><summary>{} more</summary><table>{}</table></details>",
                         r.failing - static_cast<int64_t>(kShown),
                         FailureRows(r, kShown, kShown + kFolded));
  }
  if (r.failing > static_cast<int64_t>(kShown + kFolded)) {
    table += fmt::format("<div class=small>{} failing in all; result.json lists the first {}</div>",
                         r.failing, r.failures.size());
  }
  return fmt::format(
      R"(<div class="card" style="border-left-color:{}"><b>{}</b> {} <span class=small>check {} · scope {}</span>
<div>observed: {}</div><div class=small>expected: {}</div>{}{}</div>)",
      OutcomeColor(r.Outcome()), Escape(r.rule), Badge(r.Outcome()), CheckKindName(r.check),
      Escape(r.scope), Escape(r.observed), Escape(r.expected),
      r.note.empty() ? "" : fmt::format("<div class=small>{}</div>", Escape(r.note)), table);
}

using CellKey = std::tuple<std::string, int32_t, std::string>;  // folder, subject, activity

// Cells that some failing check names, with the worst outcome ("error" over "warn").
std::map<CellKey, std::string> FlaggedCells(const CheckSummary& s) {
  std::map<CellKey, std::string> out;
  for (const auto& r : s.results) {
    for (const auto& f : r.failures) {
      if (!f.contains("folder") || !f.contains("subject") || !f.contains("activity")) continue;
      auto& worst = out[{f["folder"].get<std::string>(), f["subject"].get<int32_t>(),
                         f["activity"].get<std::string>()}];
      if (worst != "error") worst = std::string(r.Outcome());
    }
  }
  return out;
}

// Subject x activity heatmap of rows for one folder. Colour: rows against the folder's
// median cell (white = none, dark blue = 2x the median); red outline: a check flags it.
std::string Heatmap(const DatasetProfile& p, int32_t folder,
                    const std::map<CellKey, std::string>& flagged) {
  std::map<std::pair<int32_t, int32_t>, std::pair<int64_t, double>> cells;  // rows, rate
  std::set<int32_t> subjects;
  for (const auto& f : p.files) {
    if (f.folder == folder) subjects.insert(f.subject);
  }
  for (const auto& b : p.blocks) {
    if (b.key.folder != folder) continue;
    auto& c = cells[{b.key.subject, b.key.activity}];
    c.first += b.rows;
    c.second = b.RateHz();
  }
  std::vector<int64_t> counts;
  for (const auto& [k, c] : cells) counts.push_back(c.first);
  std::sort(counts.begin(), counts.end());
  double median = counts.empty() ? 1 : std::max<int64_t>(1, counts[counts.size() / 2]);
  const int32_t cw = 13, ch = 9, left = 38, top = 16;
  const std::string folder_name = wisdm::kFolders[static_cast<size_t>(folder)].Name();
  const int32_t width = left + cw * wisdm::kNumActivities + 4;
  const int32_t height = top + ch * static_cast<int32_t>(subjects.size()) + 4;
  std::string svg = fmt::format(
      R"(<svg width="{}" height="{}" role="img" aria-label="rows per subject and activity, {}">)",
      width, height + 18, folder_name);
  for (int32_t a = 0; a < wisdm::kNumActivities; ++a) {
    svg += fmt::format(R"(<text x="{}" y="12" text-anchor="middle">{}</text>)",
                       left + a * cw + cw / 2, wisdm::kActivityCodes[static_cast<size_t>(a)]);
  }
  int32_t row = 0;
  for (int32_t s : subjects) {
    int32_t y = top + row++ * ch;
    if ((row - 1) % 5 == 0) {
      svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="end" font-size="9">{}</text>)",
                         left - 3, y + ch - 1, s);
    }
    for (int32_t a = 0; a < wisdm::kNumActivities; ++a) {
      auto it = cells.find({s, a});
      int64_t rows = it == cells.end() ? 0 : it->second.first;
      double t = std::min(1.0, rows / (2 * median));
      std::string fill =
          rows == 0 ? "#eaeef2"
                    : fmt::format("rgb({},{},{})", static_cast<int>(235 - 200 * t),
                                  static_cast<int>(243 - 150 * t), static_cast<int>(255 - 80 * t));
      auto hit = flagged.find(
          {folder_name, s, std::string(1, wisdm::kActivityCodes[static_cast<size_t>(a)])});
      bool flag = hit != flagged.end();
      svg += fmt::format(
          R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}" stroke-width="{}"><title>{} subject {} activity {} ({}): {} rows{}</title></rect>)",
          left + a * cw, y, cw - 1, ch - 1, fill, flag ? OutcomeColor(hit->second) : "none",
          flag ? 1.5 : 0, folder_name, s, wisdm::kActivityCodes[static_cast<size_t>(a)],
          wisdm::ActivityName(a), rows,
          it == cells.end() ? "" : fmt::format(", {:.1f} Hz", it->second.second));
    }
  }
  svg += fmt::format(R"(<text x="{}" y="{}">{} · median cell {} rows</text></svg>)", left,
                     height + 14, folder_name, static_cast<int64_t>(median));
  return svg;
}

// Histogram of effective block rates (1 Hz bins, 0-60 Hz) with the rule's band shaded.
std::string RateHistogram(const DatasetProfile& p, int32_t folder, double lo, double hi) {
  constexpr int32_t kBins = 60;
  std::array<int32_t, kBins> bins{};
  for (const auto& b : p.blocks) {
    if (b.key.folder != folder || b.rows < 2) continue;
    bins[static_cast<size_t>(std::clamp(static_cast<int32_t>(b.RateHz()), 0, kBins - 1))]++;
  }
  int32_t peak = std::max(1, *std::max_element(bins.begin(), bins.end()));
  const int32_t w = 300, h = 110, left = 28, bw = 4, base = 90;
  std::string svg = fmt::format(
      R"(<svg width="{}" height="{}" role="img" aria-label="sampling rates">)", w, h + 14);
  svg += fmt::format(
      R"(<rect x="{}" y="8" width="{}" height="{}" fill="#dafbe1"><title>band {:g}-{:g} Hz</title></rect>)",
      left + lo * bw, (hi - lo) * bw, base - 8, lo, hi);
  for (int32_t i = 0; i < kBins; ++i) {
    if (bins[static_cast<size_t>(i)] == 0) continue;
    int32_t bh = std::max(1, (base - 10) * bins[static_cast<size_t>(i)] / peak);
    bool inside = i >= lo && i < hi;
    svg += fmt::format(
        R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}-{} Hz: {} blocks</title></rect>)",
        left + i * bw, base - bh, bw - 1, bh, inside ? "#2da44e" : "#bf8700", i, i + 1,
        bins[static_cast<size_t>(i)]);
  }
  for (int32_t hz = 0; hz <= kBins; hz += 10) {
    svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">{}</text>)", left + hz * bw,
                       base + 13, hz);
  }
  svg += fmt::format(R"(<text x="{}" y="{}">{} · Hz per block (peak {} blocks)</text></svg>)", left,
                     h + 10, wisdm::kFolders[static_cast<size_t>(folder)].Name(), peak);
  return svg;
}

std::string QuarantineBars(const DatasetProfile& p) {
  if (p.quarantined_by_reason.empty()) {
    return fmt::format(
        "<p>No line was quarantined: all {} raw lines are curated rows or dropped "
        "exact duplicates.</p>",
        p.lines);
  }
  int64_t peak = 1;
  for (const auto& [r, n] : p.quarantined_by_reason) peak = std::max(peak, n);
  const int32_t row_h = 18, left = 170, bar_w = 360;
  std::string svg = fmt::format(
      R"(<svg width="{}" height="{}" role="img" aria-label="quarantine reasons">)",
      left + bar_w + 90, row_h * static_cast<int32_t>(p.quarantined_by_reason.size()) + 4);
  int32_t i = 0;
  for (const auto& [reason, n] : p.quarantined_by_reason) {
    int32_t y = i++ * row_h;
    auto w = static_cast<int32_t>(std::max<int64_t>(1, bar_w * n / peak));
    svg += fmt::format(
        R"(<text x="{}" y="{}" text-anchor="end">{}</text><rect x="{}" y="{}" width="{}" height="{}" fill="#cf222e"/><text x="{}" y="{}">{}</text>)",
        left - 6, y + 13, Escape(reason), left, y + 2, w, row_h - 5, left + w + 5, y + 13, n);
  }
  return svg + "</svg>";
}

std::string ChecksTable(const CheckSummary& s) {
  std::string rows;
  for (const auto& r : s.results) {
    rows += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        Escape(r.rule), Badge(r.Outcome()), SeverityName(r.severity), Escape(r.scope),
        Escape(r.observed), Escape(r.expected), Escape(r.note));
  }
  return "<table><tr><th>rule</th><th>outcome</th><th>severity</th><th>scope</th><th>observed</th>"
         "<th>expected</th><th>note</th></tr>" +
         rows + "</table>";
}

}  // namespace

std::string RenderHtmlReport(const CheckSummary& s, const DatasetProfile& p) {
  std::string html = fmt::format(
      R"(<!doctype html><html lang="en"><head><meta charset="utf-8"><title>sensorlake quality · {}</title><style>{}</style></head><body>
<h1>Quality report</h1><div class="meta">curated version <b>{}</b> · raw version {} · run {} · {} raw lines, {} rows, {} quarantined{}</div>
<div class="gate" style="background:{}">{}</div> <span class="meta">{} passed · {} warnings · {} errors · {} skipped</span>)",
      Escape(s.curated_version), kStyle, Escape(s.curated_version), Escape(s.raw_version),
      Escape(s.run_id), p.lines, p.rows, p.quarantined,
      s.baseline_run.empty() ? "" : fmt::format(" · baseline run {}", Escape(s.baseline_run)),
      s.gate_passed ? "#1a7f37" : "#cf222e",
      s.gate_passed ? "GATE PASSED" : "GATE FAILED: errors below stop the pipeline",
      s.Count("pass"), s.Count("warn"), s.Count("error"), s.Count("skipped"));

  html += "<h2>Failures first</h2>";
  int32_t failed = 0;
  for (std::string_view outcome : {"error", "warn"}) {
    for (const auto& r : s.results) {
      if (r.Outcome() == outcome) html += FailureCard(r), ++failed;
    }
  }
  if (failed == 0) html += "<p>Every check passed.</p>";

  auto flagged = FlaggedCells(s);
  html +=
      "<h2>Rows per subject and activity</h2><p class=small>Each cell is one subject (row) "
      "and activity (column); darker is more rows, grey is none; an outline marks a cell a "
      "check flags (red: error, amber: warning). Hover for numbers.</p><div class=charts>";
  for (int32_t f = 0; f < 4; ++f) html += Heatmap(p, f, flagged);
  html += "</div>";

  double lo = 15, hi = 25;
  for (const auto& r : s.results) {
    if (r.check == CheckKind::kSamplingRate && r.scope == "all") {
      lo = r.params.at("min_hz"), hi = r.params.at("max_hz");
    }
  }
  html += "<h2>Sampling rate per block</h2><div class=charts>";
  for (int32_t f = 0; f < 4; ++f) html += RateHistogram(p, f, lo, hi);
  html += "</div><h2>Quarantine reasons</h2>" + QuarantineBars(p);
  html += "<h2>All checks</h2>" + ChecksTable(s);
  html += fmt::format(
      "<p class=small>sensorlake {} · result.json beside this file holds every "
      "check in full.</p></body></html>\n",
      SENSORLAKE_VERSION);
  return html;
}

}  // namespace sensorlake::quality
