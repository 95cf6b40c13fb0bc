output "alerts_topic_arn" {
  description = "SNS topic of the alarms."
  value       = aws_sns_topic.alerts.arn
}

output "engine_log_group" {
  description = "The log group the engine sends its EMF lines to (--metrics-log-group)."
  value       = aws_cloudwatch_log_group.this["engine"].name
}

output "metric_namespace" {
  description = "CloudWatch namespace of the engine's metrics."
  value       = local.metric_namespace
}

output "engine_metric_names" {
  description = "The engine's metric names (EMF lines; docs/monitoring.md)."
  value       = keys(local.engine_metrics)
}
