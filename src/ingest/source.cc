#include "ingest/source.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sensorlake::ingest {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool IsRawDataFile(std::string_view rel) {
  if (!rel.starts_with("raw/")) return false;
  std::string_view base = rel.substr(rel.rfind('/') + 1);
  return base.starts_with("data_") && base.ends_with(".txt");
}

}  // namespace

Result<std::string> SafeRelativePath(std::string_view name) {
  auto refuse = [&](std::string_view why) {
    return Status::Refused("entry '{}' is refused: {}", name, why);
  };
  if (name.empty()) return refuse("empty name");
  if (name.front() == '/') return refuse("absolute path");
  if (name.find('\\') != std::string_view::npos) {
    return refuse("backslash in the name (a Windows path that could escape the target)");
  }
  if (name.find('\0') != std::string_view::npos) return refuse("NUL byte in the name");
  std::string out;
  for (std::string_view part : SplitPath(name)) {
    if (part.empty() || part == ".") continue;
    if (part == "..") return refuse("'..' would escape the target folder");
    if (!out.empty()) out.push_back('/');
    out.append(part);
  }
  if (out.empty()) return refuse("names no file");
  // Checked on the normalized path: "./C:/x" normalizes to "C:/x" (found by fuzz_zip_source),
  // so the result is safe and normalizing it again refuses nothing.
  if (out.size() >= 2 && out[1] == ':') return refuse("drive-letter path");
  return out;
}

bool HasRawFolder(const std::vector<SourceEntry>& entries) {
  for (const auto& e : entries) {
    auto parts = SplitPath(e.path);
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      if (parts[i] == "raw") return true;
    }
  }
  return false;
}

Result<std::string> FindDatasetRoot(const std::vector<SourceEntry>& entries,
                                    std::string_view source_name) {
  size_t best_depth = SIZE_MAX;
  std::set<std::string> best;
  for (const auto& e : entries) {
    auto parts = SplitPath(e.path);
    // Only the first "raw" of a path counts: raw/x/raw/y has its root at the top.
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      if (parts[i] != "raw") continue;
      if (i < best_depth) {
        best.clear();
        best_depth = i;
      }
      if (i == best_depth) {
        std::string root;
        for (size_t k = 0; k < i; ++k) root += (k ? "/" : "") + std::string(parts[k]);
        best.insert(root);
      }
      break;
    }
  }
  if (best.empty()) {
    return Status::Invalid(
        "{} holds no raw/ folder: it is not the WISDM dataset (expected "
        "wisdm-dataset/raw/{{phone,watch}}/{{accel,gyro}}/data_*.txt)",
        source_name);
  }
  if (best.size() > 1) {
    return Status::Invalid("{} holds several dataset roots with a raw/ folder ({}): keep one",
                           source_name, fmt::join(best, ", "));
  }
  return *best.begin();
}

Result<std::vector<SourceEntry>> EntriesUnderRoot(const std::vector<SourceEntry>& entries,
                                                  std::string_view root,
                                                  std::string_view source_name) {
  std::string prefix = root.empty() ? "" : std::string(root) + "/";
  std::vector<SourceEntry> out;
  bool has_data = false;
  for (const auto& e : entries) {
    if (!e.path.starts_with(prefix)) continue;
    SourceEntry rel = e;
    rel.path = e.path.substr(prefix.size());
    has_data = has_data || IsRawDataFile(rel.path);
    out.push_back(std::move(rel));
  }
  if (!has_data) {
    return Status::Invalid("{}: the raw/ folder{} holds no data_*.txt files", source_name,
                           root.empty() ? "" : fmt::format(" of {}", root));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return out;
}

Status CheckExpandedSize(const std::vector<SourceEntry>& entries, int64_t max_bytes,
                         std::string_view source_name) {
  int64_t total = 0;
  for (const auto& e : entries) {
    if (e.size < 0 || e.size > max_bytes - total) {
      return Status::Refused(
          "{} expands to more than {} bytes (--max-expanded-bytes); refused "
          "before extracting anything (entry '{}' declares {} bytes)",
          source_name, max_bytes, e.path, e.size);
    }
    total += e.size;
  }
  return Status::OK();
}

}  // namespace sensorlake::ingest
