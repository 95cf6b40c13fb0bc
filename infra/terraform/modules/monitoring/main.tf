# Alarms, dashboard, SNS topic and log groups of the platform.

locals {
  name = "${var.project}-${var.environment}"
  dim  = { environment = var.environment }
}

resource "aws_sns_topic" "alerts" {
  name              = "${local.name}-alerts"
  kms_master_key_id = var.kms_key_arn
}

resource "aws_sns_topic_subscription" "email" {
  for_each  = toset(var.alert_emails)
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_cloudwatch_log_group" "this" {
  for_each          = toset(["engine", "emr-steps", "pipeline"])
  name              = "/${var.project}/${var.environment}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

# A run failed (any stage).
resource "aws_cloudwatch_metric_alarm" "run_failed" {
  alarm_name          = "${local.name}-run-failed"
  alarm_description   = "A sensorlake run failed: read its record in <lake>/_runs/ (docs/pipeline.md)"
  namespace           = local.metric_namespace
  metric_name         = "sensorlake.run.failed"
  dimensions          = local.dim
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
}

# The quality gate stopped a run (sensorlake check exit 1).
resource "aws_cloudwatch_metric_alarm" "quality_gate_failed" {
  alarm_name          = "${local.name}-quality-gate-failed"
  alarm_description   = "The quality gate failed: the report is in <lake>/quality/runs/<id>/report.html (docs/quality.md)"
  namespace           = local.metric_namespace
  metric_name         = "sensorlake.quality.gate_failed"
  dimensions          = local.dim
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
}

# A run took unusually long: outside CloudWatch's anomaly band of the run duration.
resource "aws_cloudwatch_metric_alarm" "duration_anomaly" {
  alarm_name          = "${local.name}-run-duration-anomaly"
  alarm_description   = "A sensorlake run took longer than its learned band"
  comparison_operator = "GreaterThanUpperThreshold"
  evaluation_periods  = 1
  threshold_metric_id = "band"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]

  metric_query {
    id          = "band"
    expression  = "ANOMALY_DETECTION_BAND(duration, ${var.duration_band_stddevs})"
    label       = "expected run duration"
    return_data = true
  }

  metric_query {
    id          = "duration"
    return_data = true
    metric {
      namespace   = local.metric_namespace
      metric_name = "sensorlake.run.duration_seconds"
      dimensions  = local.dim
      stat        = "Maximum"
      period      = 3600
    }
  }
}

# Too many lines quarantined: the source changed format or the cleaning rules are wrong.
resource "aws_cloudwatch_metric_alarm" "quarantine_rate" {
  alarm_name          = "${local.name}-quarantine-rate"
  alarm_description   = "More than ${var.quarantine_percent_max}% of the lines were quarantined: see curated/quarantine (docs/transform.md)"
  namespace           = local.metric_namespace
  metric_name         = "sensorlake.transform.quarantine_percent"
  dimensions          = local.dim
  statistic           = "Maximum"
  period              = 3600
  evaluation_periods  = 1
  threshold           = var.quarantine_percent_max
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
}

# Curated rows outside the learned band (the predictive alert on volume).
resource "aws_cloudwatch_metric_alarm" "rows_anomaly" {
  alarm_name          = "${local.name}-curated-rows-anomaly"
  alarm_description   = "A sensorlake run wrote an unusual number of curated rows"
  comparison_operator = "LessThanLowerOrGreaterThanUpperThreshold"
  evaluation_periods  = 1
  threshold_metric_id = "band"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]

  metric_query {
    id          = "band"
    expression  = "ANOMALY_DETECTION_BAND(rows, ${var.duration_band_stddevs})"
    label       = "expected curated rows"
    return_data = true
  }

  metric_query {
    id          = "rows"
    return_data = true
    metric {
      namespace   = local.metric_namespace
      metric_name = "sensorlake.transform.rows"
      dimensions  = local.dim
      stat        = "Sum"
      period      = 3600
    }
  }
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = local.name
  dashboard_body = jsonencode({
    widgets = concat(
      [for i, m in keys(local.run_metrics) : {
        type   = "metric"
        x      = (i % 3) * 8
        y      = floor(i / 3) * 6
        width  = 8
        height = 6
        properties = {
          title   = m
          region  = var.region
          stat    = local.run_metrics[m].stat
          period  = 300
          metrics = [[local.metric_namespace, m, "environment", var.environment]]
        }
      }],
      [for i, m in keys(local.breakdown_metrics) : {
        type   = "metric"
        x      = (i % 3) * 8
        y      = 50 + floor(i / 3) * 6
        width  = 8
        height = 6
        properties = {
          title  = "${m} by ${local.breakdown_metrics[m].dimension}"
          region = var.region
          metrics = [[{
            id         = "s${i}"
            expression = "SEARCH('{${local.metric_namespace},environment,${local.breakdown_metrics[m].dimension}} MetricName=\"${m}\" environment=\"${var.environment}\"', '${local.breakdown_metrics[m].stat}', 300)"
          }]]
        }
      }],
      [for i, w in [
        { title = "EMR CPU (CloudWatch agent)", expr = "SEARCH('{CWAgent,jobflow.id,instance.id} MetricName=\"cpu_usage_active\"', 'Average', 300)" },
        { title = "EMR memory used % (CloudWatch agent)", expr = "SEARCH('{CWAgent,jobflow.id,instance.id} MetricName=\"mem_used_percent\"', 'Average', 300)" },
        { title = "EMR disk used % (CloudWatch agent)", expr = "SEARCH('{CWAgent,jobflow.id,instance.id} MetricName=\"disk_used_percent\"', 'Maximum', 300)" },
        { title = "EMR YARN memory available %", expr = "SEARCH('{AWS/ElasticMapReduce,JobFlowId} MetricName=\"YARNMemoryAvailablePercentage\"', 'Average', 300)" },
        { title = "EMR HDFS utilization", expr = "SEARCH('{AWS/ElasticMapReduce,JobFlowId} MetricName=\"HDFSUtilization\"', 'Maximum', 300)" },
        { title = "EMR apps failed", expr = "SEARCH('{AWS/ElasticMapReduce,JobFlowId} MetricName=\"AppsFailed\"', 'Sum', 300)" },
        ] : {
        type       = "metric"
        x          = (i % 3) * 8
        y          = 100 + floor(i / 3) * 6
        width      = 8
        height     = 6
        properties = { title = w.title, region = var.region, metrics = [[{ expression = w.expr, id = "e${i}" }]] }
      }]
    )
  })
}
