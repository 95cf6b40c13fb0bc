#include "sensorlake/monitoring/json_log.h"

#include <chrono>
#include <ctime>

#include <fmt/format.h>

namespace sensorlake::monitoring {

std::string LogTimestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03}Z", buf, ms % 1000);
}

std::string FormatJsonLog(std::string_view ts, std::string_view level, std::string_view run_id,
                          std::string_view stage, std::string_view msg,
                          const nlohmann::json& fields) {
  nlohmann::json j = fields.is_object() ? fields : nlohmann::json::object();
  j["ts"] = ts;
  j["level"] = level;
  j["run_id"] = run_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(run_id);
  j["stage"] = stage.empty() ? nlohmann::json(nullptr) : nlohmann::json(stage);
  j["msg"] = msg;
  // Messages can carry any bytes (file names): replace invalid UTF-8 rather than throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void Logger::SetContext(std::string run_id, std::string stage) {
  std::lock_guard<std::mutex> lock(mu_);
  run_id_ = std::move(run_id);
  stage_ = std::move(stage);
}

void Logger::Log(std::string_view level, std::string_view msg, const nlohmann::json& fields) {
  if (quiet_ && level != "warning" && level != "error") return;
  std::lock_guard<std::mutex> lock(mu_);
  if (format_ == LogFormat::kJson) {
    fmt::print(out_, "{}\n", FormatJsonLog(LogTimestamp(), level, run_id_, stage_, msg, fields));
  } else if (level == "warning" || level == "error") {
    fmt::print(out_, "{}: {}\n", level, msg);
  } else {
    fmt::print(out_, "{}\n", msg);
  }
  std::fflush(out_);
}

}  // namespace sensorlake::monitoring
