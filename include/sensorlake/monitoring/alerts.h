// Alerts at the end of `sensorlake run`: pipeline failure, quality gate failure,
// quarantine rate above a threshold, and anomalies against history (duration or row
// count outside an EWMA band learned from past successful runs: the predictive alert).
// Delivered as JSON to a webhook and/or published to an SNS topic (HTTPS Query API signed
// with SigV4). Delivery failures never fail the run; they are kept in the run record.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sensorlake/common/result.h"
#include "sensorlake/zones/run_record.h"

namespace sensorlake::monitoring {

struct AlertConfig {
  double quarantine_percent_max = 5.0;  // alert above this share of quarantined lines
  double zscore_k = 3.0;                // anomaly: |x - mean| > k * sd
  double ewma_alpha = 0.3;              // weight of the newest run in the EWMA mean/variance
  int32_t min_history = 5;              // past successful runs needed before anomaly alerts
  // The band's sd is at least this share of the mean: identical past runs would otherwise
  // make any jitter (a few ms) an anomaly.
  double min_relative_sd = 0.05;
  std::string webhook_url;
  std::string sns_topic_arn;
  std::string sns_endpoint;  // empty: AWS_ENDPOINT_URL_SNS, AWS_ENDPOINT_URL, or AWS's
  double timeout_seconds = 5;
  int32_t attempts = 3;
  std::string origin = "built-in defaults";
};

// config/alerts.toml ([alerts] table); unknown keys and wrong types name file and line.
Result<AlertConfig> LoadAlertConfig(const std::string& path);

struct Alert {
  std::string rule;      // pipeline_failed, quality_gate_failed, quarantine_rate,
                         // anomaly_duration, anomaly_rows
  std::string severity;  // critical, warning
  std::string message;
  double value = 0, threshold = 0;
  nlohmann::json ToJson() const;
};

// EWMA mean and standard deviation of a series (oldest first).
struct Band {
  double mean = 0, sd = 0;
  int32_t n = 0;
};
Band EwmaBand(const std::vector<double>& series, double alpha);

// The alerts for `run`, given the lake's earlier runs (any order; the run itself and runs
// for other inputs are ignored).
std::vector<Alert> EvaluateAlerts(const zones::RunRecord& run,
                                  const std::vector<zones::RunRecord>& history,
                                  const AlertConfig& config);

// What is posted to the webhook (and the SNS message).
nlohmann::json AlertPayload(const zones::RunRecord& run, const std::vector<Alert>& alerts,
                            const std::string& lake_uri);

// Sends the payload to every configured target; one entry per target:
// {"target", "ok", "attempts", "error"}.
nlohmann::json DeliverAlerts(const nlohmann::json& payload, const AlertConfig& config);

// SNS Publish through the HTTPS Query API; returns the MessageId.
Result<std::string> PublishSns(const std::string& topic_arn, const std::string& subject,
                               const std::string& message, const AlertConfig& config);

}  // namespace sensorlake::monitoring
