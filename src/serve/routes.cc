#include "serve/routes.h"

#include <charconv>

#include "sensorlake/monitoring/prometheus.h"
#include "sensorlake/wisdm/schema.h"

namespace sensorlake::serve {

namespace {

Result<int64_t> IntParam(const ApiRequest& r, const std::string& name, int64_t lo, int64_t hi) {
  std::string s = r.Param(name);
  if (s.empty()) return Status::Invalid("parameter '{}' is required", name);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return Status::Invalid("parameter '{}': '{}' is not an integer", name, s);
  }
  if (v < lo || v > hi)
    return Status::Invalid("parameter '{}': {} is not in [{}, {}]", name, v, lo, hi);
  return v;
}

Result<Reply> JsonOrError(Result<nlohmann::json> j) {
  if (!j.ok()) return j.status();
  return Reply::Json(*j);
}

}  // namespace

Result<SignalQuery> ParseSignalQuery(const ApiRequest& r) {
  SignalQuery q;
  auto device = wisdm::ParseDevice(r.Param("device"));
  if (!device.ok())
    return Status::Invalid("parameter 'device': '{}' is not phone or watch", r.Param("device"));
  auto sensor = wisdm::ParseSensor(r.Param("sensor"));
  if (!sensor.ok())
    return Status::Invalid("parameter 'sensor': '{}' is not accel or gyro", r.Param("sensor"));
  q.folder = wisdm::Folder{*device, *sensor}.index();
  SL_ASSIGN_OR_RETURN(int64_t subject, IntParam(r, "subject", wisdm::kFirstSubject,
                                                wisdm::kFirstSubject + wisdm::kNumSubjects - 1));
  q.subject = static_cast<int32_t>(subject);
  std::string act = r.Param("activity");
  q.activity = act.size() == 1 ? wisdm::ActivityIndex(act[0]) : -1;
  if (q.activity < 0)
    return Status::Invalid("parameter 'activity': '{}' is not one of {}", act,
                           wisdm::kActivityCodes);
  if (!r.Param("width").empty()) {
    SL_ASSIGN_OR_RETURN(int64_t width, IntParam(r, "width", 16, 8192));
    q.width = static_cast<int32_t>(width);
  }
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (!r.Param("from_ns").empty()) {
    SL_ASSIGN_OR_RETURN(q.from_ns, IntParam(r, "from_ns", -kMax, kMax));
  }
  if (!r.Param("to_ns").empty()) {
    SL_ASSIGN_OR_RETURN(q.to_ns, IntParam(r, "to_ns", -kMax, kMax));
  }
  if (q.from_ns && q.to_ns && *q.to_ns < *q.from_ns)
    return Status::Invalid("from_ns must not be after to_ns");
  return q;
}

void AddApiRoutes(WebServer& server) {
  LakeApi* api = &server.api();
  server.Get("/api/runs", [api](const ApiRequest&) { return JsonOrError(api->Runs()); });
  server.Get("/api/runs/([^/]+)",
             [api](const ApiRequest& r) { return JsonOrError(api->Run(r.matches[0])); });
  server.Get("/api/quality/([^/]+)",
             [api](const ApiRequest& r) { return JsonOrError(api->QualityResult(r.matches[0])); });
  server.Get("/api/quality/([^/]+)/report", [api](const ApiRequest& r) -> Result<Reply> {
    SL_RETURN_NOT_OK(api->QualityResult(r.matches[0]).status());
    Reply reply;
    SL_ASSIGN_OR_RETURN(reply.lake_file, api->QualityReportPath(r.matches[0]));
    reply.content_type = "text/html; charset=utf-8";
    return reply;
  });
  server.Get("/api/dataset", [api](const ApiRequest&) { return JsonOrError(api->Dataset()); });
  server.Get("/api/files", [api](const ApiRequest&) { return JsonOrError(api->Files()); });
  server.Get("/api/signal", [api](const ApiRequest& r) -> Result<Reply> {
    SL_ASSIGN_OR_RETURN(SignalQuery q, ParseSignalQuery(r));
    SL_ASSIGN_OR_RETURN(SignalResult s, api->Signal(q));
    return Reply::Json(s.ToJson());
  });
  // The published curated Parquet, for DuckDB-Wasm's range requests.
  server.Get("/data/(.*)", [api](const ApiRequest& r) -> Result<Reply> {
    Reply reply;
    SL_ASSIGN_OR_RETURN(reply.lake_file, api->DataFile(r.matches[0]));
    reply.content_type = MimeTypeOf(reply.lake_file);
    return reply;
  });
  // Prometheus scrapes the same exposition the textfile collector gets (docs/monitoring.md).
  server.Get("/metrics", [api](const ApiRequest&) -> Result<Reply> {
    Reply reply;
    SL_ASSIGN_OR_RETURN(reply.body, monitoring::RenderPrometheus(api->lake()));
    reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return reply;
  });
  server.Get("/api/(.*)", [](const ApiRequest& r) -> Result<Reply> {
    return Status::NotFound("no API route {}", r.path);
  });
}

}  // namespace sensorlake::serve
