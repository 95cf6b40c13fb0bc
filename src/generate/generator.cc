#include "sensorlake/generate/generator.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "generate/faults.h"
#include "generate/file_renderer.h"
#include "sensorlake/common/progress.h"

namespace sensorlake::generate {
namespace {

namespace fs = std::filesystem;

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool ParseInt(std::string_view s, int32_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

nlohmann::json CountsJson(const FolderActivityCounts& counts) {
  nlohmann::json j = nlohmann::json::object();
  for (int32_t f = 0; f < 4; ++f) {
    nlohmann::json per = nlohmann::json::object();
    for (int32_t a = 0; a < wisdm::kNumActivities; ++a) {
      per[std::string(1, wisdm::kActivityCodes[a])] = counts[f][a];
    }
    j[wisdm::kFolders[f].Name()] = per;
  }
  return j;
}

// Writes through a file descriptor into `path`'s temporary sibling, renamed over `path`
// only when everything was written: readers never see half a file.
class AtomicFile {
 public:
  explicit AtomicFile(fs::path path)
      : path_(std::move(path)),
        tmp_(path_.parent_path() / ("." + path_.filename().string() + ".tmp")) {}
  ~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(tmp_.c_str());
  }

  Status Open() {
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) return Status::IOError("cannot create {}: {}", tmp_.string(), strerror(errno));
    return Status::OK();
  }

  Status Write(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::IOError("cannot write {}: {}", tmp_.string(), strerror(errno));
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::OK();
  }

  Status Commit() {
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0)
      return Status::IOError("cannot close {}: {}", tmp_.string(), strerror(errno));
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
      return Status::IOError("cannot rename {} to {}: {}", tmp_.string(), path_.string(),
                             strerror(errno));
    }
    committed_ = true;
    return Status::OK();
  }

 private:
  fs::path path_;
  fs::path tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

Status WriteWholeFile(const fs::path& path, std::string_view content) {
  AtomicFile file(path);
  SL_RETURN_NOT_OK(file.Open());
  SL_RETURN_NOT_OK(file.Write(content));
  return file.Commit();
}

bool IsOurs(const std::string& name) {
  return (name.starts_with("data_") && name.ends_with(".txt")) ||
         (name.starts_with(".data_") && name.ends_with(".txt.tmp"));
}

// Refuses an existing raw/ unless forced; when forced, removes only files this command
// writes (data_*.txt and our temporaries), so nothing else in the folder is lost.
Status PrepareOutput(const fs::path& out, bool force) {
  std::error_code ec;
  if (fs::exists(out, ec) && !fs::is_directory(out, ec)) {
    return Status::Invalid("--out {} exists and is not a folder", out.string());
  }
  fs::path raw = out / "raw";
  if (fs::exists(raw, ec)) {
    if (!force) {
      return Status::AlreadyExists(
          "{} already exists: refusing to write over an earlier dataset (pass --force to "
          "replace its data files)",
          raw.string());
    }
    for (const wisdm::Folder& folder : wisdm::kFolders) {
      fs::path dir = raw / folder.Name();
      if (!fs::is_directory(dir, ec)) continue;
      for (const auto& entry : fs::directory_iterator(dir, ec)) {
        if (entry.is_regular_file(ec) && IsOurs(entry.path().filename().string())) {
          fs::remove(entry.path(), ec);
          if (ec)
            return Status::IOError("cannot remove {}: {}", entry.path().string(), ec.message());
        }
      }
    }
  }
  for (const wisdm::Folder& folder : wisdm::kFolders) {
    fs::create_directories(raw / folder.Name(), ec);
    if (ec)
      return Status::IOError("cannot create {}: {}", (raw / folder.Name()).string(), ec.message());
  }
  return Status::OK();
}

Result<std::vector<int32_t>> ResolveSubjects(const DatasetPlan& plan,
                                             const std::vector<int32_t>& ids) {
  std::vector<int32_t> out;
  if (ids.empty()) {
    for (int32_t s = 0; s < plan.num_subjects(); ++s) out.push_back(s);
    return out;
  }
  for (int32_t id : ids) {
    int32_t index = plan.SubjectIndex(id);
    if (index < 0) {
      return Status::Invalid(
          "--subjects: subject {} is not in a dataset of scale {} (subjects "
          "{}..{})",
          id, plan.scale(), plan.SubjectId(0), plan.SubjectId(plan.num_subjects() - 1));
    }
    out.push_back(index);
  }
  return out;
}

struct Task {
  int32_t subject_index;
  int32_t folder_index;
};

class Runner {
 public:
  Runner(const GenerateOptions& options, const DatasetPlan& plan,
         const std::vector<FileFaults>& faults, std::vector<Task> tasks)
      : options_(options),
        plan_(plan),
        faults_(faults),
        tasks_(std::move(tasks)),
        results_(tasks_.size()) {}

  // Renders every task on a small pool. Files are independent and every random choice is
  // keyed by the file, so the output does not depend on which thread wrote what.
  Status Run(int32_t threads, Progress* progress) {
    progress_ = progress;
    size_t n = std::min<size_t>(static_cast<size_t>(std::max(1, threads)), tasks_.size());
    std::vector<std::thread> pool;
    for (size_t i = 1; i < n; ++i) pool.emplace_back([this] { Work(); });
    Work();
    for (std::thread& t : pool) t.join();
    return error_;
  }

  std::vector<RenderedFile>& results() { return results_; }

 private:
  void Work() {
    while (!failed_.load()) {
      size_t i = next_.fetch_add(1);
      if (i >= tasks_.size()) return;
      Result<RenderedFile> r = WriteOne(tasks_[i]);
      if (!r.ok()) {
        std::lock_guard lock(mu_);
        if (error_.ok()) error_ = r.status();
        failed_ = true;
        return;
      }
      results_[i] = std::move(r).ValueOrDie();
    }
  }

  Result<RenderedFile> WriteOne(const Task& t) {
    wisdm::RawFileName name{plan_.SubjectId(t.subject_index), wisdm::kFolders[t.folder_index]};
    AtomicFile file(fs::path(options_.out_dir) / name.RelativePath());
    SL_RETURN_NOT_OK(file.Open());
    const FileFaults& ff = faults_[static_cast<size_t>(t.subject_index) * 4 + t.folder_index];
    SL_ASSIGN_OR_RETURN(RenderedFile rendered,
                        RenderFile(
                            plan_, options_.faults, ff, t.subject_index, t.folder_index,
                            [this](int64_t lines) { progress_->Add(lines); },
                            [&file](std::string_view chunk) { return file.Write(chunk); }));
    SL_RETURN_NOT_OK(file.Commit());
    return rendered;
  }

  const GenerateOptions& options_;
  const DatasetPlan& plan_;
  const std::vector<FileFaults>& faults_;
  std::vector<Task> tasks_;
  std::vector<RenderedFile> results_;
  Progress* progress_ = nullptr;
  std::atomic<size_t> next_{0};
  std::atomic<bool> failed_{false};
  std::mutex mu_;
  Status error_;
};

nlohmann::json GenerateRecord(const GenerateOptions& o, const DatasetPlan& plan,
                              const std::vector<int32_t>& subjects, const GenerateSummary& s) {
  std::vector<int32_t> ids;
  for (int32_t index : subjects) ids.push_back(plan.SubjectId(index));
  // No paths, times or thread counts: equal arguments give an equal file.
  return {{"generator", "sensorlake generate"},
          {"version", SENSORLAKE_VERSION},
          {"seed", o.seed},
          {"scale", o.scale},
          {"faults", o.faults.ToString()},
          {"subjects_in_dataset", plan.num_subjects()},
          {"subjects", ids},
          {"files", s.files},
          {"lines", s.lines},
          {"bytes", s.bytes},
          {"fault_records", s.faults},
          {"lines_per_activity", CountsJson(s.lines_written)},
          {"planned_lines_per_activity", CountsJson(s.lines_planned)}};
}

}  // namespace

Result<std::vector<int32_t>> ParseSubjectList(std::string_view list) {
  std::vector<int32_t> out;
  if (TrimSpaces(list).empty()) return Status::Invalid("--subjects is empty");
  auto bad = [](std::string_view item) {
    return Status::Invalid(
        "--subjects: '{}' is not a subject id or range (e.g. 1600,1601 or "
        "1600-1605)",
        item);
  };
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = TrimSpaces(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    size_t dash = item.find('-');
    int32_t lo = 0, hi = 0;
    if (dash == std::string_view::npos) {
      if (!ParseInt(item, &lo)) return bad(item);
      hi = lo;
    } else if (!ParseInt(TrimSpaces(item.substr(0, dash)), &lo) ||
               !ParseInt(TrimSpaces(item.substr(dash + 1)), &hi)) {
      return bad(item);
    }
    if (lo > hi) return Status::Invalid("--subjects: range '{}' runs backwards", item);
    if (hi - lo > 100000) return Status::Invalid("--subjects: range '{}' is too long", item);
    for (int32_t s = lo; s <= hi; ++s) out.push_back(s);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

nlohmann::json GenerateSummary::ToJson() const {
  return {{"out", out_dir},
          {"subjects", subjects},
          {"files", files},
          {"lines", lines},
          {"bytes", bytes},
          {"faults", faults},
          {"seconds", seconds},
          {"mb_per_s", MegabytesPerSecond()},
          {"lines_per_activity", CountsJson(lines_written)}};
}

Result<GenerateSummary> Generate(const GenerateOptions& o) {
  auto start = std::chrono::steady_clock::now();
  if (o.out_dir.empty()) return Status::Invalid("--out is required");
  if (o.threads < 0 || o.threads > 1024) {
    return Status::Invalid("--threads must be 0 (one per core) to 1024, got {}", o.threads);
  }
  SL_ASSIGN_OR_RETURN(DatasetPlan plan, DatasetPlan::Make(o.scale, o.seed));
  SL_ASSIGN_OR_RETURN(std::vector<int32_t> subjects, ResolveSubjects(plan, o.subjects));
  SL_ASSIGN_OR_RETURN(std::vector<FileFaults> faults, PlanDatasetFaults(plan, o.faults));
  SL_RETURN_NOT_OK(PrepareOutput(o.out_dir, o.force));

  std::vector<Task> tasks;
  GenerateSummary summary;
  int64_t planned_total = 0;
  for (int32_t s : subjects) {
    for (int32_t f = 0; f < 4; ++f) {
      tasks.push_back({s, f});
      for (int32_t a = 0; a < wisdm::kNumActivities; ++a) {
        summary.lines_planned[f][a] += plan.Lines(s, f, a);
      }
      planned_total += plan.FileLines(s, f);
    }
  }
  int32_t threads = o.threads > 0
                        ? o.threads
                        : static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
  Runner runner(o, plan, faults, tasks);
  {
    Progress progress("generate", planned_total, "lines");
    SL_RETURN_NOT_OK(runner.Run(threads, &progress));
    progress.Finish();
  }

  std::string jsonl;
  summary.out_dir = o.out_dir;
  summary.subjects = static_cast<int32_t>(subjects.size());
  for (const RenderedFile& r : runner.results()) {
    summary.files++;
    summary.lines += r.lines;
    summary.bytes += r.bytes;
    for (const nlohmann::ordered_json& j : r.faults) jsonl += j.dump() + "\n";
    summary.faults += static_cast<int64_t>(r.faults.size());
  }
  for (size_t i = 0; i < tasks.size(); ++i) {
    for (int32_t a = 0; a < wisdm::kNumActivities; ++a) {
      summary.lines_written[tasks[i].folder_index][a] += runner.results()[i].lines_written[a];
    }
  }
  fs::path out(o.out_dir);
  SL_RETURN_NOT_OK(WriteWholeFile(out / "faults.jsonl", jsonl));
  SL_RETURN_NOT_OK(WriteWholeFile(out / "generate.json",
                                  GenerateRecord(o, plan, subjects, summary).dump(2) + "\n"));
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace sensorlake::generate
