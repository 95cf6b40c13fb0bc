#include "ingest/landing.h"

#include <arrow/io/interfaces.h>
#include <arrow/result.h>
#include <arrow/status.h>

#include "sensorlake/common/crash_point.h"
#include "sensorlake/common/parallel_for.h"
#include "sensorlake/common/progress.h"
#include "sensorlake/common/sha256.h"
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

// Streams one open entry through the digests into `out` (null: hash only).
Result<zones::RawFileEntry> DigestStream(EntryStream* in, const SourceEntry& entry,
                                         arrow::io::OutputStream* out, Progress* progress) {
  std::vector<char> buf(kHashChunk);
  Sha256 sha;
  Xxh3 xxh3;
  zones::LineCounter lines;
  int64_t bytes = 0;
  while (true) {
    SL_ASSIGN_OR_RETURN(int64_t got, in->Read(buf.data(), kHashChunk));
    if (got == 0) break;
    bytes += got;
    // Checked per chunk, so an entry lying about its size cannot expand without bound.
    if (bytes > entry.size) break;
    std::string_view chunk(buf.data(), static_cast<size_t>(got));
    sha.Update(chunk);
    xxh3.Update(chunk);
    lines.Update(chunk);
    if (out != nullptr) SL_RETURN_NOT_OK_ARROW(out->Write(chunk.data(), got));
    progress->Add(got);
  }
  if (bytes > entry.size) {
    return Status::Corrupt("'{}' yields more than the {} bytes it declares", entry.name,
                           entry.size);
  }
  if (bytes != entry.size) {
    return Status::Corrupt("'{}' declared {} bytes but yielded {}", entry.name, entry.size, bytes);
  }
  return zones::RawFileEntry{entry.path, bytes, sha.HexDigest(), lines.lines(), xxh3.HexDigest()};
}

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
  std::vector<zones::RawFileEntry> files(entries.size());
  SL_RETURN_NOT_OK(ParallelFor(static_cast<int64_t>(entries.size()), ThreadsFor(source, threads),
                               [&](int64_t i) -> Status {
                                 const SourceEntry& e = entries[static_cast<size_t>(i)];
                                 SL_ASSIGN_OR_RETURN(auto in, source.Open(e));
                                 SL_ASSIGN_OR_RETURN(files[static_cast<size_t>(i)],
                                                     DigestStream(in.get(), e, nullptr, &progress));
                                 return Status::OK();
                               }));
  progress.Finish();
  return files;
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
