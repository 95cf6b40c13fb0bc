# The engine's CloudWatch metrics: the one place their names are defined for the infra.
#
# Emitted by `sensorlake run --metrics-emf` as CloudWatch Embedded Metric Format log lines
# (namespace below, dimension `environment`, plus `stage` or `reason` where `dimension`
# says so); the same list is the engine's catalog (src/monitoring/metrics.cc) and
# docs/monitoring.md. tests/e2e/test_monitoring.py checks that this list and what the
# engine emits are exactly the same names. Prometheus names: '.' -> '_'.
locals {
  metric_namespace = "sensorlake"

  engine_metrics = {
    "sensorlake.run.duration_seconds"              = { unit = "Seconds", stat = "Maximum", dimension = "", doc = "wall time of one sensorlake run (all stages)" }
    "sensorlake.run.failed"                        = { unit = "Count", stat = "Sum", dimension = "", doc = "1 when a run ends failed (any stage, gate included)" }
    "sensorlake.run.succeeded"                     = { unit = "Count", stat = "Sum", dimension = "", doc = "1 when a run publishes" }
    "sensorlake.run.peak_rss_bytes"                = { unit = "Bytes", stat = "Maximum", dimension = "", doc = "peak resident set size of the run's process" }
    "sensorlake.stage.duration_seconds"            = { unit = "Seconds", stat = "Maximum", dimension = "stage", doc = "wall time per stage (dimension stage)" }
    "sensorlake.stage.lines_in"                    = { unit = "Count", stat = "Maximum", dimension = "stage", doc = "lines (ingest, transform) or readings (features) a stage consumed" }
    "sensorlake.stage.rows_out"                    = { unit = "Count", stat = "Maximum", dimension = "stage", doc = "lines landed, rows written or windows written by a stage" }
    "sensorlake.stage.bytes_read"                  = { unit = "Bytes", stat = "Maximum", dimension = "stage", doc = "bytes a stage read" }
    "sensorlake.stage.bytes_written"               = { unit = "Bytes", stat = "Maximum", dimension = "stage", doc = "bytes a stage wrote" }
    "sensorlake.stage.throughput_lines_per_second" = { unit = "Count/Second", stat = "Average", dimension = "stage", doc = "lines_in / duration of a stage" }
    "sensorlake.stage.peak_rss_bytes"              = { unit = "Bytes", stat = "Maximum", dimension = "stage", doc = "peak resident set size of the process at the end of a stage" }
    "sensorlake.quality.gate_failed"               = { unit = "Count", stat = "Sum", dimension = "", doc = "1 when sensorlake check exits 1 (a failed error-severity rule)" }
    "sensorlake.quality.rules_failed"              = { unit = "Count", stat = "Maximum", dimension = "", doc = "failed rules of any severity in the quality run" }
    "sensorlake.transform.rows"                    = { unit = "Count", stat = "Sum", dimension = "", doc = "rows written to curated/sensor_readings" }
    "sensorlake.transform.quarantined"             = { unit = "Count", stat = "Sum", dimension = "", doc = "lines written to curated/quarantine" }
    "sensorlake.transform.quarantine_percent"      = { unit = "Percent", stat = "Maximum", dimension = "", doc = "quarantined lines per 100 lines read by the transform" }
    "sensorlake.transform.quarantined_by_reason"   = { unit = "Count", stat = "Sum", dimension = "reason", doc = "quarantined lines per reason (dimension reason)" }
    "sensorlake.ingest.bytes"                      = { unit = "Bytes", stat = "Sum", dimension = "", doc = "bytes landed in the raw zone" }
    "sensorlake.features.windows"                  = { unit = "Count", stat = "Sum", dimension = "", doc = "feature windows written" }
  }

  # Metrics with one dimension (environment): one graph each on the dashboard.
  run_metrics = { for k, v in local.engine_metrics : k => v if v.dimension == "" }
  # Metrics broken down by stage or reason: a SEARCH over that dimension on the dashboard.
  breakdown_metrics = { for k, v in local.engine_metrics : k => v if v.dimension != "" }
}
