// Turns one file's clean readings into text, block by block, applying its planned faults
// and recording each in faults.jsonl's schema with its exact 1-based line numbers. Holds
// one block of readings and about 1 MiB of text at a time, whatever the file's size.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "generate/faults.h"
#include "sensorlake/generate/plan.h"

namespace sensorlake::generate {

struct RenderedFile {
  int64_t lines = 0;
  int64_t bytes = 0;
  ActivityCounts lines_written{};              // physical lines per activity block, faults included
  std::vector<nlohmann::ordered_json> faults;  // faults.jsonl records, in line order
};

// Receives the text in order, in chunks; an error stops rendering.
using ChunkSink = std::function<Status(std::string_view)>;
using LineProgress = std::function<void(int64_t lines)>;

Result<RenderedFile> RenderFile(const DatasetPlan& plan, const FaultSpec& spec,
                                const FileFaults& faults, int32_t subject_index,
                                int32_t folder_index, const LineProgress& progress,
                                const ChunkSink& sink);

}  // namespace sensorlake::generate
