// `sensorlake ingest`: parses flags into IngestOptions and reports the summary. All
// validation and work happen in sensorlake::ingest (docs/ingest.md).
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli/command.h"
#include "sensorlake/ingest/ingest.h"
#include "sensorlake/storage/lake.h"

namespace sensorlake::cli {
namespace {

struct IngestFlags {
  std::string source;
  std::string lake;
  std::string version;
  std::string sha256;
  int64_t max_expanded_bytes = ingest::kDefaultMaxExpandedBytes;
  std::string cache_dir;
  int32_t retries = 8;
  int32_t threads = 0;
};

std::string SummaryText(const ingest::IngestSummary& s, const std::string& lake_uri) {
  std::string text;
  if (s.unchanged) {
    text = fmt::format("unchanged: {} already holds this dataset as version {}{}\n", lake_uri,
                       s.version, s.latest_updated ? " (now the latest again)" : "");
  } else {
    text = fmt::format("landed version {} in {} from {} {}\n", s.version, lake_uri, s.source_kind,
                       s.source_location);
  }
  text += fmt::format("{} files, {:.1f} MB, {} lines in {:.1f} s; manifest {}\n", s.files,
                      s.bytes / 1e6, s.lines, s.seconds, s.manifest_path);
  for (const auto& [folder, lines] : s.folder_lines) {
    text += fmt::format("  raw/{:<12} {:>12} lines\n", folder, lines);
  }
  return text;
}

Status RunIngest(const IngestFlags& f, bool quiet, CommandOutput* out) {
  SL_ASSIGN_OR_RETURN(auto lake, storage::Lake::Open(f.lake));
  ingest::IngestOptions o;
  o.source = f.source;
  o.dataset_version = f.version;
  o.expected_sha256 = f.sha256;
  o.max_expanded_bytes = f.max_expanded_bytes;
  o.cache_dir = f.cache_dir;
  o.download.max_attempts = f.retries;
  o.threads = f.threads;
  if (!quiet) {
    o.download.on_retry = [](std::string_view msg) { fmt::print(stderr, "ingest: {}\n", msg); };
  }
  SL_ASSIGN_OR_RETURN(ingest::IngestSummary summary, ingest::Ingest(*lake, o));
  out->summary = summary.ToJson();
  out->summary["lake"] = lake->uri();
  out->text = SummaryText(summary, lake->uri());
  return Status::OK();
}

}  // namespace

void AddIngestCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run) {
  auto flags = std::make_shared<IngestFlags>();
  CLI::App* sub = app.add_subcommand(
      "ingest", "Land the WISDM dataset unchanged, verified and versioned in the lake's raw zone");
  sub->add_option("--source", flags->source,
                  fmt::format("The dataset: an http(s) URL, an s3:// zip object or prefix (the "
                              "lake URI's query and environment apply), a zip file or a folder. "
                              "The real one is the UCI download {}",
                              ingest::kUciDatasetUrl))
      ->required();
  sub->add_option("--lake", flags->lake, "Lake URI: a path, file:///path or s3://bucket/prefix")
      ->required();
  sub->add_option("--dataset-version", flags->version,
                  "Name of the version to land (default: wisdm-<12 hex of the content hash>); "
                  "an existing name with other content is refused");
  sub->add_option("--sha256", flags->sha256,
                  "Expected sha256 of the archive (URL, s3:// object or zip); a mismatch lands "
                  "nothing");
  sub->add_option("--max-expanded-bytes", flags->max_expanded_bytes,
                  "Refuse an archive that expands to more than this many bytes")
      ->capture_default_str();
  sub->add_option("--cache-dir", flags->cache_dir,
                  "Folder for downloads (resumed across runs) and a nested zip "
                  "(default: $SENSORLAKE_CACHE_DIR, $XDG_CACHE_HOME/sensorlake or "
                  "~/.cache/sensorlake)");
  sub->add_option("--retries", flags->retries,
                  "Download attempts in a row without progress before giving up")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  sub->add_option("--threads", flags->threads,
                  "Threads that hash, copy and verify a folder's files (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  sub->footer(
      "Docs: docs/ingest.md. Layout: <lake>/raw/wisdm/<version>/ with _manifest.json "
      "written last, and raw/wisdm/_latest.json.");
  sub->callback([run, flags, &global] {
    *run = [flags, &global](CommandOutput* out) {
      return RunIngest(*flags, global.quiet || global.json, out);
    };
  });
}

}  // namespace sensorlake::cli
