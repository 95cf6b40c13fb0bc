// Structured logs (`sensorlake --log-format json`): one JSON object per line on stderr
// with ts (UTC, milliseconds), level, run_id, stage, msg and any extra fields, so a log
// pipeline (CloudWatch Logs Insights, Loki) can filter by run and stage.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sensorlake::monitoring {

enum class LogFormat : uint8_t { kText, kJson };

// One line (no newline). Empty run_id/stage are written as null.
std::string FormatJsonLog(std::string_view ts, std::string_view level, std::string_view run_id,
                          std::string_view stage, std::string_view msg,
                          const nlohmann::json& fields = nlohmann::json::object());

// "2026-11-25T10:21:11.854Z"
std::string LogTimestamp();

// A logger for one process: text (the message as it is) or JSON lines; the current run
// and stage are set by the pipeline hooks. Thread-safe.
class Logger {
 public:
  // `quiet`: only warnings and errors (--quiet, --json).
  Logger(LogFormat format, FILE* out, bool quiet = false)
      : format_(format), out_(out), quiet_(quiet) {}
  void SetContext(std::string run_id, std::string stage);
  void Log(std::string_view level, std::string_view msg,
           const nlohmann::json& fields = nlohmann::json::object());
  LogFormat format() const { return format_; }

 private:
  LogFormat format_;
  FILE* out_;
  bool quiet_;
  std::mutex mu_;
  std::string run_id_, stage_;
};

}  // namespace sensorlake::monitoring
