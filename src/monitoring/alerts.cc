#include "sensorlake/monitoring/alerts.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>

#include <fmt/format.h>

#include "common/toml_file.h"
#include "monitoring/http_post.h"
#include "monitoring/metrics.h"
#include "sensorlake/net/aws_credentials.h"

namespace sensorlake::monitoring {

namespace {

using zones::RunRecord;

template <typename T>
Status ReadKey(const toml::table& t, std::string_view key, const std::string& origin, T* out) {
  const toml::node* node = t.get(key);
  if (!node) return Status::OK();
  if constexpr (std::is_same_v<T, std::string>) {
    if (auto v = node->value<std::string>()) {
      *out = *v;
      return Status::OK();
    }
  } else if constexpr (std::is_same_v<T, double>) {
    if (auto v = node->value<double>()) {
      *out = *v;
      return Status::OK();
    }
  } else {
    auto v = TomlInteger(*node);
    if (v && *v >= std::numeric_limits<T>::min() && *v <= std::numeric_limits<T>::max()) {
      *out = static_cast<T>(*v);
      return Status::OK();
    }
  }
  return Status::Invalid("{}:{}: [alerts] {} has the wrong type", origin, node->source().begin.line,
                         key);
}

double TransformRows(const RunRecord& r) {
  for (const auto& s : r.stages) {
    if (s.stage != zones::Stage::kTransform) continue;
    return s.summary.value("totals", nlohmann::json::object()).value("rows", 0.0);
  }
  return 0;
}

// Comparable runs: same input, succeeded, every stage run in that run (a resumed run's
// duration covers only part of the pipeline).
bool Comparable(const RunRecord& r, const RunRecord& current) {
  return r.run_id != current.run_id && r.input_key == current.input_key &&
         r.outcome == "succeeded" && r.resumed_from.empty() && r.run_id < current.run_id;
}

void Anomaly(const char* rule, const char* what, double value, const std::vector<double>& series,
             const AlertConfig& c, std::vector<Alert>* out) {
  if (static_cast<int32_t>(series.size()) < c.min_history) return;
  Band b = EwmaBand(series, c.ewma_alpha);
  double sd = std::max({b.sd, c.min_relative_sd * std::fabs(b.mean), 1e-9});
  double z = (value - b.mean) / sd;
  if (std::fabs(z) <= c.zscore_k) return;
  out->push_back({rule, "warning",
                  fmt::format("{} {:.6g} is outside the band learned from {} past runs: mean "
                              "{:.6g}, sd {:.3g}, z = {:.1f} (k = {:g})",
                              what, value, b.n, b.mean, sd, z, c.zscore_k),
                  value, c.zscore_k});
}

std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

}  // namespace

Result<AlertConfig> LoadAlertConfig(const std::string& path) {
  SL_ASSIGN_OR_RETURN(std::string text, ReadConfigFile(path));
  SL_ASSIGN_OR_RETURN(toml::table root, ParseTomlText(text, path));
  AlertConfig c;
  c.origin = path;
  for (const auto& [k, v] : root) {
    if (k.str() != "alerts") {
      return Status::Invalid("{}:{}: unknown table '{}' (expected [alerts])", path,
                             v.source().begin.line, k.str());
    }
  }
  const toml::table* t = root["alerts"].as_table();
  if (!t) return c;
  static const std::vector<std::string_view> kKeys = {
      "quarantine_percent_max", "zscore_k",    "ewma_alpha",    "min_history",
      "min_relative_sd",        "webhook_url", "sns_topic_arn", "sns_endpoint",
      "timeout_seconds",        "attempts"};
  for (const auto& [k, v] : *t) {
    if (std::find(kKeys.begin(), kKeys.end(), k.str()) == kKeys.end()) {
      return Status::Invalid("{}:{}: unknown key '{}' in [alerts] (keys: {})", path,
                             v.source().begin.line, k.str(), fmt::join(kKeys, ", "));
    }
  }
  SL_RETURN_NOT_OK(ReadKey(*t, "quarantine_percent_max", path, &c.quarantine_percent_max));
  SL_RETURN_NOT_OK(ReadKey(*t, "zscore_k", path, &c.zscore_k));
  SL_RETURN_NOT_OK(ReadKey(*t, "ewma_alpha", path, &c.ewma_alpha));
  SL_RETURN_NOT_OK(ReadKey(*t, "min_history", path, &c.min_history));
  SL_RETURN_NOT_OK(ReadKey(*t, "min_relative_sd", path, &c.min_relative_sd));
  SL_RETURN_NOT_OK(ReadKey(*t, "webhook_url", path, &c.webhook_url));
  SL_RETURN_NOT_OK(ReadKey(*t, "sns_topic_arn", path, &c.sns_topic_arn));
  SL_RETURN_NOT_OK(ReadKey(*t, "sns_endpoint", path, &c.sns_endpoint));
  SL_RETURN_NOT_OK(ReadKey(*t, "timeout_seconds", path, &c.timeout_seconds));
  SL_RETURN_NOT_OK(ReadKey(*t, "attempts", path, &c.attempts));
  if (!(c.ewma_alpha > 0 && c.ewma_alpha <= 1)) {
    return Status::Invalid("{}: [alerts] ewma_alpha must be in (0, 1], got {}", path, c.ewma_alpha);
  }
  if (c.min_history < 2 || c.attempts < 1 || c.zscore_k <= 0) {
    return Status::Invalid("{}: [alerts] needs min_history >= 2, attempts >= 1, zscore_k > 0",
                           path);
  }
  return c;
}

nlohmann::json Alert::ToJson() const {
  return {{"rule", rule},
          {"severity", severity},
          {"message", message},
          {"value", value},
          {"threshold", threshold}};
}

Band EwmaBand(const std::vector<double>& series, double alpha) {
  Band b;
  for (double x : series) {
    if (b.n++ == 0) {
      b.mean = x;
      continue;
    }
    // West's incremental EWMA variance: the same weights as the mean.
    double diff = x - b.mean;
    double incr = alpha * diff;
    b.mean += incr;
    b.sd = (1 - alpha) * (b.sd + diff * incr);  // holds the variance until the end
  }
  b.sd = std::sqrt(std::max(0.0, b.sd));
  return b;
}

std::vector<Alert> EvaluateAlerts(const RunRecord& run, const std::vector<RunRecord>& history,
                                  const AlertConfig& c) {
  std::vector<Alert> out;
  if (run.outcome == "failed" && run.gate_failed) {
    out.push_back({"quality_gate_failed", "critical", run.error, 1, 0});
  } else if (run.outcome == "failed") {
    out.push_back({"pipeline_failed", "critical", run.error, 1, 0});
  }
  double q = QuarantinePercent(run);
  if (q > c.quarantine_percent_max) {
    out.push_back({"quarantine_rate", "warning",
                   fmt::format("{:.3f}% of the lines were quarantined (threshold {:g}%)", q,
                               c.quarantine_percent_max),
                   q, c.quarantine_percent_max});
  }
  if (run.outcome != "succeeded" || !run.resumed_from.empty()) return out;
  std::vector<const RunRecord*> past;
  for (const auto& r : history) {
    if (Comparable(r, run)) past.push_back(&r);
  }
  std::sort(past.begin(), past.end(),
            [](const RunRecord* a, const RunRecord* b) { return a->run_id < b->run_id; });
  std::vector<double> durations, rows;
  for (const RunRecord* r : past) {
    durations.push_back(r->seconds);
    rows.push_back(TransformRows(*r));
  }
  Anomaly("anomaly_duration", "run duration (s)", run.seconds, durations, c, &out);
  Anomaly("anomaly_rows", "curated rows", TransformRows(run), rows, c, &out);
  return out;
}

nlohmann::json AlertPayload(const RunRecord& run, const std::vector<Alert>& alerts,
                            const std::string& lake_uri) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& a : alerts) list.push_back(a.ToJson());
  return {{"source", "sensorlake"}, {"run_id", run.run_id},         {"lake", lake_uri},
          {"outcome", run.outcome}, {"started_at", run.started_at}, {"seconds", run.seconds},
          {"alerts", list}};
}

Result<std::string> PublishSns(const std::string& topic_arn, const std::string& subject,
                               const std::string& message, const AlertConfig& config) {
  static const std::regex kArn(R"(^arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_.-]+$)");
  std::smatch m;
  if (!std::regex_match(topic_arn, m, kArn)) {
    return Status::Invalid("'{}' is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)",
                           topic_arn);
  }
  std::string region = m[1];
  SL_ASSIGN_OR_RETURN(net::AwsCredentials cred, net::LoadAwsCredentials());
  std::string endpoint = config.sns_endpoint;
  if (endpoint.empty()) endpoint = net::AwsServiceEndpoint("SNS", "sns", region);
  std::string body =
      fmt::format("Action=Publish&Version=2010-03-31&TopicArn={}&Subject={}&Message={}",
                  UrlEncode(topic_arn), UrlEncode(subject.substr(0, 100)), UrlEncode(message));
  PostOptions o;
  o.headers = {"Content-Type: application/x-www-form-urlencoded; charset=utf-8"};
  o.timeout_seconds = config.timeout_seconds;
  o.attempts = config.attempts;
  SignForAws(cred, region, "sns", &o);
  SL_ASSIGN_OR_RETURN(PostResult r, HttpPost(endpoint, body, o));
  static const std::regex kId(R"(<MessageId>([^<]+)</MessageId>)");
  if (!std::regex_search(r.body, m, kId)) {
    return Status::IOError("SNS {}: no MessageId in the answer: {}", endpoint,
                           r.body.substr(0, 200));
  }
  return std::string(m[1]);
}

nlohmann::json DeliverAlerts(const nlohmann::json& payload, const AlertConfig& c) {
  nlohmann::json out = nlohmann::json::array();
  const std::string body = payload.dump();
  if (!c.webhook_url.empty()) {
    PostOptions o;
    o.headers = {"Content-Type: application/json"};
    o.timeout_seconds = c.timeout_seconds;
    o.attempts = c.attempts;
    auto r = HttpPost(c.webhook_url, body, o);
    out.push_back({{"target", "webhook"},
                   {"ok", r.ok()},
                   {"attempts", r.ok() ? r->attempts : c.attempts},
                   {"error", r.ok() ? "" : r.status().message()}});
  }
  if (!c.sns_topic_arn.empty()) {
    std::string subject = fmt::format("sensorlake run {}: {} alert(s)", payload.value("run_id", ""),
                                      payload["alerts"].size());
    auto r = PublishSns(c.sns_topic_arn, subject, payload.dump(2), c);
    out.push_back({{"target", "sns"},
                   {"ok", r.ok()},
                   {"message_id", r.ok() ? *r : ""},
                   {"error", r.ok() ? "" : r.status().message()}});
  }
  return out;
}

}  // namespace sensorlake::monitoring
