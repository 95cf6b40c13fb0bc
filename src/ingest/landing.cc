#include "ingest/landing.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include <arrow/io/interfaces.h>
#include <arrow/result.h>
#include <arrow/status.h>

#include "sensorlake/common/crash_point.h"
#include "sensorlake/common/parallel_for.h"
#include "sensorlake/common/progress.h"
#include "sensorlake/common/sha256_lanes.h"
#include "sensorlake/common/xxh3.h"

namespace sensorlake::ingest {
namespace {

constexpr int64_t kHashChunk = int64_t{256}
                               << 10;  // fits L2 cache, so the three digests read it from there

int64_t TotalSize(const std::vector<SourceEntry>& entries) {
  int64_t n = 0;
  for (const auto& e : entries) n += e.size;
  return n;
}

int32_t ThreadsFor(const Source& source, int32_t threads) {
  return source.concurrent_reads() ? threads : 1;
}

// The digests of one entry as its chunks arrive, and the size it must come to. SHA-256 is
// left to the caller, so that two entries can share a core (Sha256Lane::UpdateBoth).
class EntryDigest {
 public:
  explicit EntryDigest(const SourceEntry& entry) : entry_(entry) {}

  // Checked per chunk, so an entry lying about its size cannot expand without bound.
  Status Add(std::string_view chunk) {
    bytes_ += static_cast<int64_t>(chunk.size());
    if (bytes_ > entry_.size) {
      return Status::Corrupt("'{}' yields more than the {} bytes it declares", entry_.name,
                             entry_.size);
    }
    xxh3_.Update(chunk);
    lines_.Update(chunk);
    return Status::OK();
  }
  Sha256Lane& sha() { return sha_; }
  Result<zones::RawFileEntry> Finish() {
    if (bytes_ != entry_.size) {
      return Status::Corrupt("'{}' declared {} bytes but yielded {}", entry_.name, entry_.size,
                             bytes_);
    }
    return zones::RawFileEntry{entry_.path, bytes_, sha_.HexDigest(), lines_.lines(),
                               xxh3_.HexDigest()};
  }

 private:
  const SourceEntry& entry_;
  int64_t bytes_ = 0;
  Sha256Lane sha_;
  Xxh3 xxh3_;
  zones::LineCounter lines_;
};

// Streams one open entry through the digests into `out` (null: hash only).
Result<zones::RawFileEntry> DigestStream(EntryStream* in, const SourceEntry& entry,
                                         arrow::io::OutputStream* out, Progress* progress) {
  std::vector<char> buf(kHashChunk);
  EntryDigest digest(entry);
  while (true) {
    SL_ASSIGN_OR_RETURN(int64_t got, in->Read(buf.data(), kHashChunk));
    if (got == 0) break;
    std::string_view chunk(buf.data(), static_cast<size_t>(got));
    SL_RETURN_NOT_OK(digest.Add(chunk));
    digest.sha().Update(chunk);
    if (out != nullptr) SL_RETURN_NOT_OK_ARROW(out->Write(chunk.data(), got));
    progress->Add(got);
  }
  return digest.Finish();
}

// One scanning thread: it reads `lanes` entries at a time (two where the source allows
// concurrent reads), taking the next entry from `next` when one ends, and hashes their
// chunks side by side. A failure is kept at its entry's index and stops new entries.
class ScanWorker {
 public:
  struct Shared {
    Shared(const Source& s, const std::vector<SourceEntry>& e, Progress* p)
        : source(s), entries(e), files(e.size()), errors(e.size()), progress(p) {}
    const Source& source;
    const std::vector<SourceEntry>& entries;
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::vector<zones::RawFileEntry> files;
    std::vector<Status> errors;
    Progress* progress;
  };

  ScanWorker(Shared* shared, size_t lanes) : shared_(shared), lanes_(lanes) {}

  void Run() {
    while (true) {
      for (Lane& lane : lanes_) Advance(lane);
      Lane* a = lanes_[0].chunk.empty() ? nullptr : &lanes_[0];
      Lane* b = lanes_.size() > 1 && !lanes_[1].chunk.empty() ? &lanes_[1] : nullptr;
      if (a == nullptr && b == nullptr) return;
      if (a != nullptr && b != nullptr) {
        Sha256Lane::UpdateBoth(a->digest->sha(), a->chunk, b->digest->sha(), b->chunk);
      } else {
        Lane* one = a != nullptr ? a : b;
        one->digest->sha().Update(one->chunk);
      }
      shared_->progress->Add(
          static_cast<int64_t>((a ? a->chunk.size() : 0) + (b ? b->chunk.size() : 0)));
    }
  }

 private:
  struct Lane {
    size_t index = 0;
    std::unique_ptr<EntryStream> in;
    std::unique_ptr<EntryDigest> digest;
    std::vector<char> buf = std::vector<char>(kHashChunk);
    std::string_view chunk;
  };

  // Gives the lane its next chunk, moving on to the next entry when one ends; an empty
  // chunk when nothing is left for it.
  void Advance(Lane& lane) {
    lane.chunk = {};
    while (!shared_->failed) {
      if (!lane.digest) {
        lane.index = shared_->next.fetch_add(1);
        if (lane.index >= shared_->entries.size()) return;
        const SourceEntry& entry = shared_->entries[lane.index];
        auto in = shared_->source.Open(entry);
        if (!Keep(lane, in.status())) return;
        lane.in = std::move(in).ValueOrDie();
        lane.digest = std::make_unique<EntryDigest>(entry);
      }
      auto got = lane.in->Read(lane.buf.data(), kHashChunk);
      if (!Keep(lane, got.status())) return;
      if (*got > 0) {
        lane.chunk = std::string_view(lane.buf.data(), static_cast<size_t>(*got));
        if (!Keep(lane, lane.digest->Add(lane.chunk))) lane.chunk = {};
        return;
      }
      auto file = lane.digest->Finish();
      if (!Keep(lane, file.status())) return;
      shared_->files[lane.index] = std::move(file).ValueOrDie();
      lane.digest.reset();
      lane.in.reset();
    }
  }

  bool Keep(Lane& lane, const Status& st) {
    if (st.ok()) return true;
    shared_->errors[lane.index] = st;
    shared_->failed = true;
    lane.digest.reset();
    lane.in.reset();
    return false;
  }

  Shared* shared_;
  std::vector<Lane> lanes_;
};

Status CheckSame(const zones::RawFileEntry& now, const zones::RawFileEntry& before) {
  if (now.sha256 == before.sha256 && now.bytes == before.bytes) return Status::OK();
  return Status::Corrupt(
      "'{}' changed while it was being ingested; try again when the source "
      "is not being written",
      now.path);
}

// Streams the entry through the digests into the lake (an archive's or a download's bytes).
Result<zones::RawFileEntry> StreamOne(const storage::Lake& lake, const std::string& target,
                                      EntryStream* in, const SourceEntry& entry,
                                      Progress* progress) {
  SL_ASSIGN_OR_RETURN(auto out, lake.OpenOutputStream(target));
  auto digest = DigestStream(in, entry, out.get(), progress);
  CrashPoint("ingest.land_file.before_close");
  Status closed = Status::FromArrow(out->Close());
  if (!digest.ok()) return digest.status();
  SL_RETURN_NOT_OK(closed.WithContext(entry.path));
  return digest;
}

// Lands one entry: copied by the lake from its local file when a scan already hashed it
// (VerifyStaged then checks the copy against the scan), else streamed through the digests.
Result<zones::RawFileEntry> LandOne(const storage::Lake& lake, const std::string& staging,
                                    const Source& source, const SourceEntry& entry,
                                    const zones::RawFileEntry* scanned, Progress* progress) {
  SL_ASSIGN_OR_RETURN(auto in, source.Open(entry));
  std::string target = storage::JoinPath(staging, entry.path);
  if (scanned != nullptr && in->fd() >= 0) {
    Status copied = lake.CopyFromFile(in->fd(), scanned->bytes, target);
    CrashPoint("ingest.land_file.before_close");
    if (copied.code() == StatusCode::kCorrupt) {  // the file grew or shrank since its scan
      return Status::Corrupt(
          "'{}' changed while it was being ingested ({}); try again when the source is not "
          "being written",
          entry.path, copied.message());
    }
    SL_RETURN_NOT_OK(copied.WithContext(entry.path));
    progress->Add(scanned->bytes);
    return *scanned;
  }
  SL_ASSIGN_OR_RETURN(zones::RawFileEntry f, StreamOne(lake, target, in.get(), entry, progress));
  if (scanned != nullptr) SL_RETURN_NOT_OK(CheckSame(f, *scanned));
  return f;
}

bool IsLinkable(const LinkableVersion* linkable, const zones::RawFileEntry& now) {
  if (linkable == nullptr) return false;
  auto it = linkable->files.find(now.path);
  return it != linkable->files.end() && it->second.bytes == now.bytes &&
         it->second.sha256 == now.sha256 && !now.xxh3.empty() && it->second.xxh3 == now.xxh3;
}

}  // namespace

Result<std::vector<zones::RawFileEntry>> ScanEntries(const Source& source,
                                                     const std::vector<SourceEntry>& entries,
                                                     int32_t threads) {
  Progress progress("scan", TotalSize(entries), "bytes");
  ScanWorker::Shared shared(source, entries, &progress);
  const size_t lanes = source.concurrent_reads() ? 2 : 1;
  const int32_t workers = std::min<int32_t>(ThreadsOrCores(ThreadsFor(source, threads)),
                                            static_cast<int32_t>(entries.size()));
  std::vector<std::thread> pool;
  for (int32_t t = 1; t < workers; ++t) {
    pool.emplace_back([&] { ScanWorker(&shared, lanes).Run(); });
  }
  ScanWorker(&shared, lanes).Run();
  for (auto& t : pool) t.join();
  // The first failure by entry: entries are handed out in order, so none after it was
  // skipped that an earlier one would have reported first.
  for (const Status& st : shared.errors) SL_RETURN_NOT_OK(st);
  progress.Finish();
  return std::move(shared.files);
}

Result<Landed> LandEntries(const storage::Lake& lake, const std::string& staging,
                           const Source& source, const std::vector<SourceEntry>& entries,
                           const LandOptions& options) {
  Progress progress("land", TotalSize(entries), "bytes");
  const bool scanned = !options.expected.empty();
  Landed landed;
  landed.files.resize(entries.size());
  landed.linked.assign(entries.size(), false);
  SL_RETURN_NOT_OK(ParallelFor(
      static_cast<int64_t>(entries.size()), ThreadsFor(source, options.threads),
      [&](int64_t n) -> Status {
        size_t i = static_cast<size_t>(n);
        const zones::RawFileEntry* expected = scanned ? &options.expected[i] : nullptr;
        if (expected != nullptr && IsLinkable(options.linkable, *expected)) {
          SL_RETURN_NOT_OK(lake.Link(storage::JoinPath(options.linkable->dir, expected->path),
                                     storage::JoinPath(staging, expected->path)));
          landed.files[i] = *expected;
          landed.linked[i] = true;
          progress.Add(expected->bytes);
          return Status::OK();
        }
        SL_ASSIGN_OR_RETURN(landed.files[i],
                            LandOne(lake, staging, source, entries[i], expected, &progress));
        return Status::OK();
      }));
  progress.Finish();
  return landed;
}

Status VerifyStaged(const storage::Lake& lake, const std::string& staging,
                    const std::vector<zones::RawFileEntry>& files, const std::vector<bool>& skip,
                    int32_t threads) {
  auto skipped = [&](size_t i) { return i < skip.size() && skip[i]; };
  int64_t total = 0;
  for (size_t i = 0; i < files.size(); ++i) total += skipped(i) ? 0 : files[i].bytes;
  Progress progress("verify", total, "bytes");
  Status st = ParallelFor(static_cast<int64_t>(files.size()), threads, [&](int64_t n) -> Status {
    size_t i = static_cast<size_t>(n);
    if (skipped(i)) return Status::OK();
    const zones::RawFileEntry& f = files[i];
    std::string path = storage::JoinPath(staging, f.path);
    SL_ASSIGN_OR_RETURN(auto in, lake.OpenInputStream(path));
    // The bytes were hashed once with SHA-256 on the way in; reading them back only has to
    // prove the copy holds those bytes, which the fast checksum does.
    std::vector<char> buf(kHashChunk);
    Xxh3 check;
    int64_t bytes = 0;
    while (true) {
      SL_ASSIGN_OR_RETURN_ARROW(int64_t got, in->Read(kHashChunk, buf.data()));
      if (got == 0) break;
      check.Update(buf.data(), static_cast<size_t>(got));
      bytes += got;
      progress.Add(got);
    }
    if (bytes != f.bytes || check.HexDigest() != f.xxh3) {
      return Status::Corrupt(
          "{} in the lake does not match what was hashed ({} bytes read, {} hashed): the "
          "source file changed while it was being ingested, or the storage lost or changed "
          "bytes; try again when the source is not being written",
          lake.FsPath(path), bytes, f.bytes);
    }
    return Status::OK();
  });
  progress.Finish();
  return st;
}

}  // namespace sensorlake::ingest
