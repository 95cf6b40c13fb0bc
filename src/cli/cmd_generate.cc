// `sensorlake generate`: parses flags into GenerateOptions and reports the summary. All
// validation and work happen in sensorlake::generate (docs/generator.md).
#include <memory>

#include <fmt/format.h>

#include "cli/command.h"
#include "sensorlake/generate/generator.h"

namespace sensorlake::cli {
namespace {

struct GenerateFlags {
  std::string out;
  double scale = 1.0;
  uint64_t seed = 2019;
  std::string subjects;
  std::string faults;
  int32_t threads = 0;
  bool force = false;
};

Result<generate::GenerateOptions> ToOptions(const GenerateFlags& f) {
  generate::GenerateOptions o;
  o.out_dir = f.out;
  o.scale = f.scale;
  o.seed = f.seed;
  o.threads = f.threads;
  o.force = f.force;
  if (!f.subjects.empty()) {
    SL_ASSIGN_OR_RETURN(o.subjects, generate::ParseSubjectList(f.subjects));
  }
  if (!f.faults.empty()) {
    SL_ASSIGN_OR_RETURN(o.faults, generate::ParseFaultSpec(f.faults));
  }
  return o;
}

std::string SummaryText(const generate::GenerateSummary& s) {
  std::string text = fmt::format(
      "generated {} files for {} subjects: {} lines, {:.1f} MB in {:.1f} s ({:.1f} MB/s) in {}\n",
      s.files, s.subjects, s.lines, s.bytes / 1e6, s.seconds, s.MegabytesPerSecond(), s.out_dir);
  if (s.faults > 0) {
    text += fmt::format("injected {} faults, listed in {}/faults.jsonl\n", s.faults, s.out_dir);
  }
  return text;
}

}  // namespace

void AddGenerateCommand(CLI::App& app, const GlobalOptions& global, CommandRun* run) {
  auto flags = std::make_shared<GenerateFlags>();
  CLI::App* sub = app.add_subcommand(
      "generate", "Write a synthetic WISDM 2019 raw dataset (real layout, counts and quirks)");
  sub->add_option("--out", flags->out, "Folder to write raw/, faults.jsonl and generate.json into")
      ->required();
  sub->add_option("--scale", flags->scale,
                  "Size relative to the real dataset (1: its 15,630,426 lines); 0 < S <= 100")
      ->capture_default_str();
  sub->add_option("--seed", flags->seed, "Random seed: equal seeds and arguments, equal bytes")
      ->capture_default_str();
  sub->add_option("--subjects", flags->subjects,
                  "Only these subjects' files, e.g. 1600,1601 or 1600-1605 (a slice of the full "
                  "dataset)");
  sub->add_option("--faults", flags->faults,
                  "Defects to inject: 'all' or kind=amount,... (docs/generator.md)");
  sub->add_option("--threads", flags->threads, "Worker threads (0: one per core)")
      ->capture_default_str();
  sub->add_flag("--force", flags->force, "Replace the data files of an earlier run in --out");
  sub->callback([run, flags] {
    *run = [flags](CommandOutput* out) -> Status {
      SL_ASSIGN_OR_RETURN(generate::GenerateOptions options, ToOptions(*flags));
      SL_ASSIGN_OR_RETURN(generate::GenerateSummary summary, generate::Generate(options));
      out->summary = summary.ToJson();
      out->text = SummaryText(summary);
      return Status::OK();
    };
  });
}

}  // namespace sensorlake::cli
