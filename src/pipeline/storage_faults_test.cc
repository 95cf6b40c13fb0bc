// Storage faults, stage by stage: every storage operation of a clean run of ingest,
// transform, check, features and publish is failed in turn (an error, a short write, a
// crash point; testing/fault_injection_backend.h). After each faulted run a reader of the
// lake must see the state before the stage or the state after it, never a part: every
// pointer names a complete version, every JSON file parses, every Parquet file of a
// complete version opens. Then a rerun without faults must complete with the clean run's
// result.
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <parquet/exception.h>
#include <parquet/file_reader.h>
#include <nlohmann/json.hpp>

#include "sensorlake/features/features.h"
#include "sensorlake/ingest/ingest.h"
#include "sensorlake/pipeline/publish.h"
#include "sensorlake/quality/quality.h"
#include "sensorlake/storage/lake.h"
#include "sensorlake/transform/transform.h"
#include "sensorlake/wisdm/schema.h"
#include "testing/fault_injection_backend.h"
#include "testing/temp_dir.h"

namespace sensorlake::pipeline {
namespace {

namespace fs = std::filesystem;
using testing::FaultInjectionBackend;
using testing::FaultKind;

enum class StageId : uint8_t { kIngest, kTransform, kCheck, kFeatures, kPublish };
constexpr StageId kStages[] = {StageId::kIngest, StageId::kTransform, StageId::kCheck,
                               StageId::kFeatures, StageId::kPublish};

std::string_view StageName(StageId s) {
  static constexpr std::string_view kNames[] = {"ingest", "transform", "check", "features",
                                                "publish"};
  return kNames[static_cast<size_t>(s)];
}

// At most this many operation indices per stage and fault kind: beyond it the indices are
// sampled deterministically (every kind of operation keeps its first and last occurrence).
constexpr size_t kMaxIndicesPerStage = 60;

// A tiny WISDM folder: two subjects, phone accel and gyro, activities A and B.
void WriteFaultSource(const fs::path& dir) {
  for (int32_t s = 1600; s < 1602; ++s) {
    for (int32_t f = 0; f < 2; ++f) {
      wisdm::RawFileName name{s, wisdm::kFolders[static_cast<size_t>(f)]};
      std::string content;
      for (int32_t i = 0; i < 400; ++i) {
        double t = i * 0.31 + s;
        double x = std::sin(t), y = f == 0 ? 9.5 + std::cos(t) : 0.5 * std::cos(t);
        content += fmt::format("{},{},{},{:.6f},{:.6f},{:.6f};\n", s, i < 200 ? 'A' : 'B',
                               7'000'000'123ll + i * 50'000'013ll, x, y, 0.01 * (i % 13));
      }
      testing::WriteFile(dir / name.RelativePath(), content);
    }
  }
}

// What a stage's run says, without timings or run ids: equal for equal lake content.
Result<nlohmann::json> RunStage(StageId stage, const storage::Lake& lake, const fs::path& work) {
  switch (stage) {
    case StageId::kIngest: {
      ingest::IngestOptions o;
      o.source = (work / "source").string();
      o.cache_dir = (work / "cache").string();
      SL_ASSIGN_OR_RETURN(auto r, ingest::Ingest(lake, o));
      return nlohmann::json{{"version", r.version}, {"content", r.content_sha256}};
    }
    case StageId::kTransform: {
      transform::TransformOptions o;
      o.threads = 1;  // one thread: the same operations in the same order every run
      SL_ASSIGN_OR_RETURN(auto r, transform::RunTransform(lake, o));
      return nlohmann::json{{"raw", r.raw_version}, {"curated", r.curated_version}};
    }
    case StageId::kCheck: {
      quality::CheckOptions o;
      o.threads = 1;
      SL_ASSIGN_OR_RETURN(auto r, quality::RunQualityCheck(lake, o));
      return nlohmann::json{{"curated", r.curated_version},
                            {"gate_passed", r.gate_passed},
                            {"results", r.results.size()},
                            {"passed", r.Count("passed")}};
    }
    case StageId::kFeatures: {
      features::FeaturesOptions o;
      o.threads = 1;
      SL_ASSIGN_OR_RETURN(auto r, features::RunFeatures(lake, o));
      return nlohmann::json{
          {"features", r.features_version}, {"curated", r.curated_version}, {"windows", r.windows}};
    }
    case StageId::kPublish: {
      SL_ASSIGN_OR_RETURN(auto r, Publish(lake, PublishRequest{}));
      return nlohmann::json{{"curated", r.value("curated_version", "")},
                            {"features", r.value("features_version", "")}};
    }
  }
  return Status::Internal("unknown stage");
}

bool InStagingOrTemp(const fs::path& rel) {
  std::string s = rel.string();
  return s.find("/.staging-") != std::string::npos || s.starts_with(".staging-") ||
         s.find(".tmp-") != std::string::npos;
}

bool IsPointer(const fs::path& rel) {
  std::string name = rel.filename().string();
  return name == "_current.json" || name == "_latest.json" || name == "_published.json";
}

using PointerMap = std::map<std::string, nlohmann::json>;

// The version fields of every pointer file: what a reader resolves.
PointerMap PointerState(const fs::path& lake) {
  std::map<std::string, nlohmann::json> out;
  for (auto it = fs::recursive_directory_iterator(lake); it != fs::recursive_directory_iterator();
       ++it) {
    fs::path rel = fs::relative(it->path(), lake);
    if (!it->is_regular_file() || InStagingOrTemp(rel) || !IsPointer(rel)) continue;
    auto j = nlohmann::json::parse(testing::ReadFile(it->path()), nullptr, false);
    nlohmann::json fields = nlohmann::json::object();
    if (j.is_object()) {
      for (const auto& [k, v] : j.items()) {
        if (k == "version" || k.ends_with("_version") || k == "path") fields[k] = v;
      }
    }
    out[rel.string()] = j.is_discarded() ? nlohmann::json("unparseable") : fields;
  }
  return out;
}

// Problems a reader of the lake would meet; empty when it sees a consistent state.
std::vector<std::string> ReaderProblems(const fs::path& lake) {
  std::vector<std::string> problems;
  for (auto it = fs::recursive_directory_iterator(lake); it != fs::recursive_directory_iterator();
       ++it) {
    fs::path rel = fs::relative(it->path(), lake);
    if (InStagingOrTemp(rel)) continue;
    if (it->is_symlink()) {
      if (!fs::exists(it->path())) problems.push_back("dangling link " + rel.string());
      continue;
    }
    if (!it->is_regular_file()) continue;
    std::string ext = rel.extension().string();
    if (ext == ".json") {
      auto j = nlohmann::json::parse(testing::ReadFile(it->path()), nullptr, false);
      if (j.is_discarded()) problems.push_back("unparseable " + rel.string());
      if (IsPointer(rel) && j.is_object() && j.contains("path")) {
        fs::path manifest =
            it->path().parent_path() / j["path"].get<std::string>() / "_manifest.json";
        if (!fs::exists(manifest))
          problems.push_back(rel.string() + " names an incomplete version");
      }
    } else if (ext == ".parquet" && rel.string().find("/_versions/") != std::string::npos) {
      // Only complete versions (a manifest beside the version folder's top) are read.
      fs::path version = it->path();
      while (version.parent_path().filename() != "_versions") version = version.parent_path();
      if (!fs::exists(version / "_manifest.json")) continue;
      try {
        parquet::ParquetFileReader::OpenFile(it->path().string());
      } catch (const parquet::ParquetException& e) {
        problems.push_back(rel.string() + ": " + e.what());
      }
    }
  }
  return problems;
}

// A pid that no process has: locks naming it are stale, as after the process died.
pid_t DeadPid() {
  static pid_t dead = [] {
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, nullptr, 0);
    return child;
  }();
  return dead;
}

// The faulted run's process ends after its error (or its crash): locks it still holds
// become a dead process's locks, which the next run takes over.
void EndFaultedProcess(const fs::path& lake) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(lake / "_locks", ec)) {
    auto j = nlohmann::json::parse(testing::ReadFile(e.path()), nullptr, false);
    if (!j.is_object()) continue;
    j["pid"] = DeadPid();
    testing::WriteFile(e.path(), j.dump());
  }
}

void CopyLake(const fs::path& from, const fs::path& to) {
  fs::remove_all(to);
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
}

// Operation indices to fail: all of them, or a deterministic sample that keeps the first and
// last operation of every kind and spreads the rest evenly.
std::vector<int64_t> IndicesToFail(const std::vector<testing::OpRecord>& log) {
  const int64_t n = static_cast<int64_t>(log.size());
  std::set<int64_t> chosen;
  if (static_cast<size_t>(n) <= kMaxIndicesPerStage) {
    for (int64_t i = 0; i < n; ++i) chosen.insert(i);
  } else {
    std::map<testing::StorageOp, std::pair<int64_t, int64_t>> span;
    for (int64_t i = 0; i < n; ++i) {
      auto [it, fresh] = span.try_emplace(log[static_cast<size_t>(i)].op, i, i);
      if (!fresh) it->second.second = i;
    }
    for (const auto& [op, s] : span) chosen.insert({s.first, s.second});
    int64_t spread =
        static_cast<int64_t>(kMaxIndicesPerStage) - static_cast<int64_t>(chosen.size());
    for (int64_t k = 0; k < spread; ++k) chosen.insert(k * n / std::max<int64_t>(spread, 1));
  }
  return {chosen.begin(), chosen.end()};
}

struct Tally {
  std::map<std::string, int64_t> cases;  // "<stage>/<fault>" -> cases run
  std::map<std::string, int64_t> tolerated;
  std::set<std::string> op_kinds;
};

class StorageFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override { WriteFaultSource(dir_.path() / "source"); }
  fs::path Lake(std::string_view name) const { return dir_.path() / name; }

  // Runs `stage` over `lake` through a fault-injecting backend (fault at `index`, or none).
  std::pair<Result<nlohmann::json>, std::vector<testing::OpRecord>> RunFaulted(StageId stage,
                                                                               const fs::path& lake,
                                                                               int64_t index,
                                                                               FaultKind kind) {
    auto local = storage::OpenBackend(lake.string());
    EXPECT_TRUE(local.ok());
    auto backend = std::make_unique<FaultInjectionBackend>(std::move(local).ValueOrDie());
    FaultInjectionBackend* fault = backend.get();
    if (kind != FaultKind::kNone) fault->InjectAt(index, kind);
    auto faulty = storage::Lake::OpenWithBackend(std::move(backend));  // owns `fault`
    auto result = RunStage(stage, *faulty, dir_.path());
    return {std::move(result), fault->log()};
  }

  // One case: `stage` over a copy of `before`, operation `index` failed with `kind`.
  void RunCase(StageId stage, const fs::path& before, int64_t index, FaultKind kind,
               const nlohmann::json& reference,
               const std::map<std::string, nlohmann::json>& old_state,
               const std::map<std::string, nlohmann::json>& new_state, Tally* tally) {
    std::string what = fmt::format("{} with {} at operation {}", StageName(stage),
                                   testing::FaultName(kind), index);
    fs::path lake = Lake("case");
    CopyLake(before, lake);
    auto [faulted, log] = RunFaulted(stage, lake, index, kind);
    if (index < static_cast<int64_t>(log.size())) {
      tally->op_kinds.insert(std::string(testing::OpName(log[static_cast<size_t>(index)].op)));
    }
    std::string key = fmt::format("{}/{}", StageName(stage), testing::FaultName(kind));
    ++tally->cases[key];
    if (faulted.ok()) {
      ++tally->tolerated[key];  // a failure the stage is allowed to ignore (cleanup, a probe)
      EXPECT_EQ(*faulted, reference) << what;
    }
    EndFaultedProcess(lake);

    for (const auto& p : ReaderProblems(lake)) ADD_FAILURE() << what << ": " << p;
    auto state = PointerState(lake);
    std::set<std::string> paths;
    for (const PointerMap* m :
         std::initializer_list<const PointerMap*>{&state, &old_state, &new_state}) {
      for (const auto& [p, v] : *m) paths.insert(p);
    }
    for (const auto& p : paths) {
      auto get = [&](const auto& m) { return m.contains(p) ? m.at(p) : nlohmann::json(); };
      EXPECT_TRUE(get(state) == get(old_state) || get(state) == get(new_state))
          << what << ": " << p << " is " << get(state) << ", neither " << get(old_state)
          << " (before) nor " << get(new_state) << " (after)";
    }

    auto plain = storage::Lake::Open(lake.string());
    ASSERT_TRUE(plain.ok());
    auto rerun = RunStage(stage, **plain, dir_.path());
    ASSERT_TRUE(rerun.ok()) << what << ": the rerun failed: " << rerun.status().ToString();
    EXPECT_EQ(*rerun, reference) << what;
  }

  testing::TempDir dir_;
};

TEST_F(StorageFaultsTest, EveryStageSurvivesEveryStorageFault) {
  Tally tally;
  fs::path lake = Lake("sequence");  // the stages run one after the other here, cleanly
  fs::create_directories(lake);
  for (StageId stage : kStages) {
    fs::path before = Lake(fmt::format("before-{}", StageName(stage)));
    CopyLake(lake, before);
    auto old_state = PointerState(before);
    auto [clean, log] = RunFaulted(stage, lake, -1, FaultKind::kNone);
    ASSERT_TRUE(clean.ok()) << StageName(stage) << ": " << clean.status().ToString();
    auto new_state = PointerState(lake);
    ASSERT_FALSE(log.empty()) << StageName(stage);
    auto indices = IndicesToFail(log);
    for (FaultKind kind : testing::kAllFaults) {
      for (int64_t index : indices) {
        RunCase(stage, before, index, kind, *clean, old_state, new_state, &tally);
        if (HasFatalFailure()) return;
      }
    }
    std::cout << fmt::format(
        "[ storage faults ] {}: {} operations in a clean run, {} failed in turn\n",
        StageName(stage), log.size(), indices.size());
  }
  int64_t total = 0;
  for (const auto& [key, n] : tally.cases) {
    total += n;
    std::cout << fmt::format("[ storage faults ] {}: {} cases ({} tolerated)\n", key, n,
                             tally.tolerated[key]);
  }
  std::cout << fmt::format("[ storage faults ] {} cases; operation kinds failed: {}\n", total,
                           fmt::join(tally.op_kinds, ", "));
  EXPECT_GT(total, 0);
  // Every kind of operation the stages use was failed at least once.
  for (const char* op : {"stat", "list", "open-read", "open-write", "close-write", "write-atomic",
                         "write-if-absent", "create-dir", "delete-file", "move"}) {
    EXPECT_TRUE(tally.op_kinds.contains(op)) << op;
  }
}

}  // namespace
}  // namespace sensorlake::pipeline
