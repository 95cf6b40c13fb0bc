// `sensorlake constants`: the engine's exit codes, activity codes and stage names, for the
// programs around it (scripts/gen_constants.py writes them into the Python package and the
// DAG's vendored module; tests check those copies against this output).
#include <memory>

#include <fmt/format.h>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "sensorlake/wisdm/schema.h"
#include "sensorlake/zones/run_record.h"

namespace sensorlake::cli {

namespace {

nlohmann::json ExitCodesJson() {
  nlohmann::json rows = nlohmann::json::array();
  for (const ExitCode& e : kExitCodes) {
    rows.push_back(
        {{"code", e.code},
         {"name", e.name},
         {"status", e.status ? nlohmann::json(StatusCodeName(*e.status)) : nlohmann::json(nullptr)},
         {"transient", e.transient}});
  }
  return rows;
}

nlohmann::json ActivitiesJson() {
  nlohmann::json rows = nlohmann::json::array();
  for (int32_t i = 0; i < wisdm::kNumActivities; ++i) {
    rows.push_back(
        {{"code", std::string(1, wisdm::kActivityCodes[i])}, {"name", wisdm::ActivityName(i)}});
  }
  return rows;
}

nlohmann::json StagesJson() {
  nlohmann::json names = nlohmann::json::array();
  for (int32_t i = 0; i < zones::kNumStages; ++i) {
    names.push_back(zones::StageName(static_cast<zones::Stage>(i)));
  }
  return names;
}

Status ShowConstants(CommandOutput* out) {
  out->summary["exit_codes"] = ExitCodesJson();
  out->summary["activities"] = ActivitiesJson();
  out->summary["stages"] = StagesJson();
  std::string text = "exit codes:\n";
  for (const auto& e : out->summary["exit_codes"]) {
    text += fmt::format("  {:>3}  {}{}\n", e["code"].get<int32_t>(), e["name"].get<std::string>(),
                        e["transient"].get<bool>() ? " (transient)" : "");
  }
  text += "activities:\n";
  for (const auto& a : out->summary["activities"]) {
    text += fmt::format("  {}  {}\n", a["code"].get<std::string>(), a["name"].get<std::string>());
  }
  text += "stages:\n";
  for (const auto& s : out->summary["stages"]) text += fmt::format("  {}\n", s.get<std::string>());
  out->text = text;
  return Status::OK();
}

}  // namespace

void AddConstantsCommand(CLI::App& app, const GlobalOptions& /*global*/, CommandRun* run) {
  CLI::App* sub = app.add_subcommand(
      "constants", "The engine's exit codes, activity codes and stage names (--json for tools)");
  sub->footer("Docs: docs/cli.md");
  sub->callback([run] { *run = ShowConstants; });
}

}  // namespace sensorlake::cli
