# SQL over the lake on AWS: the Glue Data Catalog database of the lake's Apache Iceberg
# tables and an Athena workgroup writing encrypted results to its own bucket.
#
# Terraform creates the database only, never its tables. The engine registers the Iceberg
# tables sensor_readings, quarantine and feature_windows in this database
# (`--catalog glue://<database>`, which the DAG passes to every engine command) and advances
# them at each publish (write-audit-publish, docs/tables.md): `check` stages the new curated
# version on an audit branch, `publish` fast-forwards `main` and commits the features
# version, each a glue:UpdateTable to a new metadata file under s3://<lake>/tables/<table>/
# metadata/. The EMR instance role holds these Glue grants (modules/iam). Athena (engine
# version 3) queries the tables as Iceberg tables in this database through the workgroup
# below; their data files are the engine's Parquet files under curated/_versions/ and
# features/_versions/.

locals {
  database = replace("${var.project}_${var.environment}", "-", "_")
}

resource "aws_glue_catalog_database" "this" {
  name        = local.database
  description = "sensorlake ${var.environment}: the lake's Iceberg tables (the engine registers and advances them)"
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

resource "aws_athena_workgroup" "this" {
  name          = "${var.project}-${var.environment}"
  description   = "Analysts' SQL over the sensorlake ${var.environment} lake"
  force_destroy = false

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff_per_query

    # Iceberg tables need engine version 3: pinned, so that no automatic choice differs.
    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location = "s3://${var.athena_results_bucket}/results/"
      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = var.kms_key_arn
      }
    }
  }
}
