output "alerts_topic_arn" {
  description = "SNS topic of the alarms."
  value       = aws_sns_topic.alerts.arn
}

output "metric_namespace" {
  description = "CloudWatch namespace of the engine's metrics."
  value       = local.metric_namespace
}

output "engine_metric_names" {
  description = "The engine's metric names (not emitted yet)."
  value       = keys(local.engine_metrics)
}
