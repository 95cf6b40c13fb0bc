#include "ingest/landing.h"

#include <arrow/io/interfaces.h>
#include <arrow/result.h>
#include <arrow/status.h>

#include "sensorlake/common/crash_point.h"
#include "sensorlake/common/progress.h"
#include "sensorlake/common/sha256.h"
#include "sensorlake/common/xxh3.h"

namespace sensorlake::ingest {
namespace {

constexpr int64_t kChunk = int64_t{1} << 20;

int64_t TotalSize(const std::vector<SourceEntry>& entries) {
  int64_t n = 0;
  for (const auto& e : entries) n += e.size;
  return n;
}

// Streams one entry through the digests into `out` (null: hash only).
Result<zones::RawFileEntry> DigestEntry(const Source& source, const SourceEntry& entry,
                                        arrow::io::OutputStream* out, std::vector<char>* buf,
                                        Progress* progress) {
  SL_ASSIGN_OR_RETURN(auto in, source.Open(entry));
  Sha256 sha;
  Xxh3 xxh3;
  zones::LineCounter lines;
  int64_t bytes = 0;
  while (true) {
    SL_ASSIGN_OR_RETURN(int64_t got, in->Read(buf->data(), kChunk));
    if (got == 0) break;
    bytes += got;
    // Checked per chunk, so an entry lying about its size cannot expand without bound.
    if (bytes > entry.size) break;
    std::string_view chunk(buf->data(), static_cast<size_t>(got));
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

Result<zones::RawFileEntry> LandOne(const storage::Lake& lake, const std::string& staging,
                                    const Source& source, const SourceEntry& entry,
                                    std::vector<char>* buf, Progress* progress) {
  SL_ASSIGN_OR_RETURN(auto out, lake.OpenOutputStream(storage::JoinPath(staging, entry.path)));
  auto digest = DigestEntry(source, entry, out.get(), buf, progress);
  CrashPoint("ingest.land_file.before_close");
  Status closed = Status::FromArrow(out->Close());
  if (!digest.ok()) return digest.status();
  SL_RETURN_NOT_OK(closed.WithContext(entry.path));
  return digest;
}

}  // namespace

Result<std::vector<zones::RawFileEntry>> ScanEntries(const Source& source,
                                                     const std::vector<SourceEntry>& entries) {
  std::vector<char> buf(kChunk);
  Progress progress("scan", TotalSize(entries), "bytes");
  std::vector<zones::RawFileEntry> files;
  for (const auto& e : entries) {
    SL_ASSIGN_OR_RETURN(zones::RawFileEntry f, DigestEntry(source, e, nullptr, &buf, &progress));
    files.push_back(std::move(f));
  }
  return files;
}

Result<std::vector<zones::RawFileEntry>> LandEntries(
    const storage::Lake& lake, const std::string& staging, const Source& source,
    const std::vector<SourceEntry>& entries, const std::vector<zones::RawFileEntry>& expected,
    const LinkableVersion* linkable, std::vector<bool>* linked) {
  std::vector<char> buf(kChunk);
  Progress progress("land", TotalSize(entries), "bytes");
  std::vector<zones::RawFileEntry> files;
  if (linked != nullptr) linked->assign(entries.size(), false);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (linkable != nullptr && !expected.empty()) {
      auto it = linkable->files.find(entries[i].path);
      const zones::RawFileEntry& now = expected[i];
      if (it != linkable->files.end() && it->second.bytes == now.bytes &&
          it->second.sha256 == now.sha256 && !now.xxh3.empty() && it->second.xxh3 == now.xxh3) {
        SL_RETURN_NOT_OK(lake.Link(storage::JoinPath(linkable->dir, now.path),
                                   storage::JoinPath(staging, now.path)));
        files.push_back(now);
        if (linked != nullptr) (*linked)[i] = true;
        progress.Add(now.bytes);
        continue;
      }
    }
    SL_ASSIGN_OR_RETURN(zones::RawFileEntry f,
                        LandOne(lake, staging, source, entries[i], &buf, &progress));
    if (!expected.empty()) SL_RETURN_NOT_OK(CheckSame(f, expected[i]));
    files.push_back(std::move(f));
  }
  return files;
}

Status VerifyStaged(const storage::Lake& lake, const std::string& staging,
                    const std::vector<zones::RawFileEntry>& files, const std::vector<bool>& skip) {
  auto skipped = [&](size_t i) { return i < skip.size() && skip[i]; };
  int64_t total = 0;
  for (size_t i = 0; i < files.size(); ++i) total += skipped(i) ? 0 : files[i].bytes;
  Progress progress("verify", total, "bytes");
  std::vector<char> buf(kChunk);
  for (size_t i = 0; i < files.size(); ++i) {
    if (skipped(i)) continue;
    const zones::RawFileEntry& f = files[i];
    std::string path = storage::JoinPath(staging, f.path);
    SL_ASSIGN_OR_RETURN(auto in, lake.OpenInputStream(path));
    // The bytes were hashed once with SHA-256 on the way in; reading them back only has to
    // prove the storage kept them, which the fast checksum does.
    Xxh3 check;
    int64_t bytes = 0;
    while (true) {
      SL_ASSIGN_OR_RETURN_ARROW(int64_t got, in->Read(kChunk, buf.data()));
      if (got == 0) break;
      check.Update(buf.data(), static_cast<size_t>(got));
      bytes += got;
      progress.Add(got);
    }
    if (bytes != f.bytes || check.HexDigest() != f.xxh3) {
      return Status::Corrupt(
          "{} in the lake does not match what was written ({} bytes read, {} "
          "written): the storage lost or changed bytes",
          lake.FsPath(path), bytes, f.bytes);
    }
  }
  return Status::OK();
}

}  // namespace sensorlake::ingest
