#include "cli/telemetry_options.h"

#include <fmt/format.h>

#include "sensorlake/common/progress.h"

namespace sensorlake::cli {

void AddTelemetryOptions(CLI::App* sub, TelemetryArgs* a) {
  sub->add_option("--metrics-textfile", a->metrics_textfile,
                  "Write Prometheus metrics here at the run's end (atomic rename; for "
                  "node_exporter's textfile collector)")
      ->envname("SENSORLAKE_METRICS_TEXTFILE");
  sub->add_option("--metrics-emf", a->metrics_emf,
                  "Append CloudWatch Embedded Metric Format lines to this file at the run's end "
                  "('-': stdout)")
      ->envname("SENSORLAKE_METRICS_EMF");
  sub->add_option("--metrics-log-group", a->metrics_log_group,
                  "Send the EMF lines to this CloudWatch Logs group at the run's end "
                  "(PutLogEvents; credentials and region from the AWS chain)")
      ->envname("SENSORLAKE_METRICS_LOG_GROUP");
  sub->add_option("--environment", a->environment, "The EMF 'environment' dimension")
      ->envname("SENSORLAKE_ENVIRONMENT")
      ->capture_default_str();
  sub->add_option("--alert-config", a->alert_config, "Alert thresholds (config/alerts.toml)")
      ->envname("SENSORLAKE_ALERT_CONFIG");
  sub->add_option("--alert-webhook", a->alert_webhook, "POST alerts as JSON to this URL")
      ->envname("SENSORLAKE_ALERT_WEBHOOK");
  sub->add_option("--alert-sns-topic", a->alert_sns_topic, "Publish alerts to this SNS topic ARN")
      ->envname("SENSORLAKE_ALERT_SNS_TOPIC");
  sub->add_option("--alert-sns-endpoint", a->alert_sns_endpoint,
                  "SNS endpoint URL (default: AWS_ENDPOINT_URL_SNS, AWS_ENDPOINT_URL or AWS's)");
  sub->add_option("--lineage-url", a->lineage_url,
                  "Send OpenLineage events to <URL>/api/v1/lineage (Marquez)")
      ->envname("SENSORLAKE_LINEAGE_URL");
  sub->add_option("--lineage-file", a->lineage_file, "Append OpenLineage events (JSON lines)")
      ->envname("SENSORLAKE_LINEAGE_FILE");
  sub->add_option("--lineage-parent", a->lineage_parent,
                  "The task run that started this command, <namespace>/<job>/<run uuid> (the "
                  "Airflow OpenLineage provider's lineage_parent_id): its stage events' parent")
      ->envname("SENSORLAKE_LINEAGE_PARENT");
}

Result<monitoring::MonitorOptions> MonitorOptionsFrom(const TelemetryArgs& a) {
  monitoring::MonitorOptions mo;
  mo.metrics_textfile = a.metrics_textfile;
  mo.metrics_emf = a.metrics_emf;
  mo.metrics_log_group = a.metrics_log_group;
  mo.environment = a.environment;
  mo.lineage.url = a.lineage_url;
  mo.lineage.file = a.lineage_file;
  if (!a.lineage_parent.empty()) {
    SL_RETURN_NOT_OK(monitoring::ParseLineageParent(a.lineage_parent).status());
    mo.lineage.parent = a.lineage_parent;
  }
  if (a.alert_config.empty() && a.alert_webhook.empty() && a.alert_sns_topic.empty()) return mo;
  monitoring::AlertConfig c;
  if (!a.alert_config.empty()) {
    SL_ASSIGN_OR_RETURN(c, monitoring::LoadAlertConfig(a.alert_config));
  }
  if (!a.alert_webhook.empty()) c.webhook_url = a.alert_webhook;
  if (!a.alert_sns_topic.empty()) c.sns_topic_arn = a.alert_sns_topic;
  if (!a.alert_sns_endpoint.empty()) c.sns_endpoint = a.alert_sns_endpoint;
  mo.alerts = std::move(c);
  return mo;
}

void JsonProgress(monitoring::Logger* logger) {
  Progress::SetSink([logger](const std::string& label, int64_t done, int64_t total,
                             const std::string& unit, double seconds, bool final) {
    logger->Log("info", fmt::format("{} {}/{} {}", label, done, total, unit),
                {{"progress", label},
                 {"done", done},
                 {"total", total},
                 {"unit", unit},
                 {"seconds", seconds},
                 {"final", final}});
  });
}

}  // namespace sensorlake::cli
