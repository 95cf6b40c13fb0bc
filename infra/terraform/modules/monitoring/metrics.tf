# The engine's CloudWatch metrics: the one place their names are defined.
#
# NOT EMITTED YET: the engine does not publish these today (a later monitoring issue adds
# the emitter; docs/infrastructure.md). The dashboard and alarms below are built on these
# names so that the emitter only has to follow this list. Dimensions: environment, and
# `stage` where the name says per stage.
locals {
  metric_namespace = "sensorlake"

  engine_metrics = {
    "sensorlake.run.duration_seconds"   = { unit = "Seconds", stat = "Maximum", doc = "wall time of one sensorlake run (all stages)" }
    "sensorlake.run.failed"             = { unit = "Count", stat = "Sum", doc = "1 when a run ends failed (any stage, gate included)" }
    "sensorlake.run.succeeded"          = { unit = "Count", stat = "Sum", doc = "1 when a run publishes" }
    "sensorlake.stage.duration_seconds" = { unit = "Seconds", stat = "Maximum", doc = "wall time per stage (dimension stage)" }
    "sensorlake.quality.gate_failed"    = { unit = "Count", stat = "Sum", doc = "1 when sensorlake check exits 1 (a failed error-severity rule)" }
    "sensorlake.quality.rules_failed"   = { unit = "Count", stat = "Maximum", doc = "failed rules of any severity in the quality run" }
    "sensorlake.transform.rows"         = { unit = "Count", stat = "Sum", doc = "rows written to curated/sensor_readings" }
    "sensorlake.transform.quarantined"  = { unit = "Count", stat = "Sum", doc = "lines written to curated/quarantine" }
    "sensorlake.ingest.bytes"           = { unit = "Bytes", stat = "Sum", doc = "bytes landed in the raw zone" }
    "sensorlake.features.windows"       = { unit = "Count", stat = "Sum", doc = "feature windows written" }
  }
}
