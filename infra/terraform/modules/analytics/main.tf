# SQL over the lake on AWS: a Glue Data Catalog database with the curated and features
# tables (hive partitions device and sensor, resolved by partition projection: no crawler,
# no MSCK REPAIR) and an Athena workgroup writing encrypted results to its own bucket.
#
# The engine's versions are immutable folders (curated/_versions/<id>/, features/_versions/
# <id>/) named by pointers (_published.json). S3 has no symbolic links, so the tables point
# at one version: Terraform creates them at `*_version` below, and the pipeline's publish
# step moves them (glue:UpdateTable) to each newly published version; Terraform ignores
# that change instead of reverting it.

locals {
  database = replace("${var.project}_${var.environment}", "-", "_")
  lake     = "s3://${var.lake_bucket}/lake"
  curated  = "${local.lake}/curated/_versions/${var.curated_version}/sensor_readings"
  features = "${local.lake}/features/_versions/${var.features_version}/windows"

  partition_keys = ["device", "sensor"]
  projection = {
    "projection.enabled"       = "true"
    "projection.device.type"   = "enum"
    "projection.device.values" = "phone,watch"
    "projection.sensor.type"   = "enum"
    "projection.sensor.values" = "accel,gyro"
    "classification"           = "parquet"
    "EXTERNAL"                 = "TRUE"
  }

  # docs/curated.md
  curated_columns = [
    { name = "subject", type = "smallint" },
    { name = "activity", type = "string" },
    { name = "activity_name", type = "string" },
    { name = "timestamp_ns", type = "bigint" },
    { name = "x", type = "float" },
    { name = "y", type = "float" },
    { name = "z", type = "float" },
    { name = "block", type = "int" },
    { name = "sample", type = "int" },
  ]

  # docs/features.md: labels and window bounds, then the 91 ARFF attributes in order.
  axes = ["x", "y", "z"]
  feature_attributes = concat(
    flatten([for a in local.axes : [for b in range(10) : "${a}${b}"]]),
    [for a in local.axes : "${a}avg"],
    [for a in local.axes : "${a}peak"],
    [for a in local.axes : "${a}absoldev"],
    [for a in local.axes : "${a}standdev"],
    [for a in local.axes : "${a}var"],
    flatten([for a in local.axes : [for m in range(13) : "${a}mfcc${m}"]]),
    ["xycos", "xzcos", "yzcos", "xycor", "xzcor", "yzcor", "resultant"],
  )
  features_columns = concat(
    [
      { name = "subject", type = "smallint" },
      { name = "activity", type = "string" },
      { name = "block", type = "int" },
      { name = "end_block", type = "int" },
      { name = "window", type = "int" },
      { name = "first_timestamp_ns", type = "bigint" },
      { name = "last_timestamp_ns", type = "bigint" },
      { name = "readings", type = "int" },
    ],
    [for n in local.feature_attributes : { name = n, type = "double" }],
  )
}

resource "aws_glue_catalog_database" "this" {
  name        = local.database
  description = "sensorlake ${var.environment}: the published curated and features data"
}

resource "aws_glue_data_catalog_encryption_settings" "this" {
  data_catalog_encryption_settings {
    connection_password_encryption {
      return_connection_password_encrypted = true
      aws_kms_key_id                       = var.kms_key_arn
    }
    encryption_at_rest {
      catalog_encryption_mode = "SSE-KMS"
      sse_aws_kms_key_id      = var.kms_key_arn
    }
  }
}

resource "aws_glue_catalog_table" "sensor_readings" {
  name          = "sensor_readings"
  database_name = aws_glue_catalog_database.this.name
  description   = "Curated WISDM readings (docs/curated.md)"
  table_type    = "EXTERNAL_TABLE"
  parameters    = merge(local.projection, { "storage.location.template" = "${local.curated}/device=$${device}/sensor=$${sensor}" })

  dynamic "partition_keys" {
    for_each = local.partition_keys
    content {
      name = partition_keys.value
      type = "string"
    }
  }

  storage_descriptor {
    location      = local.curated
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
    ser_de_info {
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    }
    dynamic "columns" {
      for_each = local.curated_columns
      content {
        name = columns.value.name
        type = columns.value.type
      }
    }
  }

  lifecycle {
    ignore_changes = [storage_descriptor[0].location, parameters["storage.location.template"]]
  }
}

resource "aws_glue_catalog_table" "feature_windows" {
  name          = "feature_windows"
  database_name = aws_glue_catalog_database.this.name
  description   = "200-reading windows with the 93 ARFF attributes (docs/features.md)"
  table_type    = "EXTERNAL_TABLE"
  parameters    = merge(local.projection, { "storage.location.template" = "${local.features}/device=$${device}/sensor=$${sensor}" })

  dynamic "partition_keys" {
    for_each = local.partition_keys
    content {
      name = partition_keys.value
      type = "string"
    }
  }

  storage_descriptor {
    location      = local.features
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
    ser_de_info {
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    }
    dynamic "columns" {
      for_each = local.features_columns
      content {
        name = columns.value.name
        type = columns.value.type
      }
    }
  }

  lifecycle {
    ignore_changes = [storage_descriptor[0].location, parameters["storage.location.template"]]
  }
}

resource "aws_athena_workgroup" "this" {
  name          = "${var.project}-${var.environment}"
  description   = "Analysts' SQL over the sensorlake ${var.environment} lake"
  force_destroy = false

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff_per_query

    result_configuration {
      output_location = "s3://${var.athena_results_bucket}/results/"
      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = var.kms_key_arn
      }
    }
  }
}
