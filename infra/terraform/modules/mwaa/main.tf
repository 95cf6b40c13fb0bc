# Managed Airflow running the DAG sensorlake_wisdm (dags/) with the emr backend. DAGs,
# the requirements file and the Spark job come from the artifacts bucket (deploy.yml
# uploads dags/ to s3://<artifacts>/dags/).

locals {
  name = "${var.project}-${var.environment}"
}

resource "aws_s3_object" "requirements" {
  bucket = var.artifacts_bucket
  key    = "mwaa/requirements.txt"
  source = "${path.module}/../../../mwaa/requirements.txt"
  etag   = filemd5("${path.module}/../../../mwaa/requirements.txt")
}

resource "aws_mwaa_environment" "this" {
  name                            = local.name
  airflow_version                 = var.airflow_version
  environment_class               = var.environment_class
  min_workers                     = 1
  max_workers                     = var.max_workers
  execution_role_arn              = var.execution_role_arn
  kms_key                         = var.kms_key_arn
  source_bucket_arn               = var.artifacts_bucket_arn
  dag_s3_path                     = "dags/"
  requirements_s3_path            = aws_s3_object.requirements.key
  requirements_s3_object_version  = aws_s3_object.requirements.version_id
  webserver_access_mode           = "PRIVATE_ONLY"
  weekly_maintenance_window_start = "SUN:03:00"

  # Read by the DAG (conf.get("sensorlake", ...)): where the lake is and how to run.
  airflow_configuration_options = {
    "core.load_examples"              = "False"
    "sensorlake.backend"              = "emr"
    "sensorlake.lake_uri"             = var.lake_uri
    "sensorlake.environment"          = var.environment
    "sensorlake.emr_job_flow_param"   = var.emr_job_flow_parameter
    "sensorlake.spark_job_uri"        = "s3://${var.artifacts_bucket}/spark/sensorlake_job.py"
    "sensorlake.source_uri"           = var.source_uri
    "sensorlake.catalog"              = "glue://${var.glue_database}"
    "sensorlake.cloudwatch_namespace" = var.metric_namespace
    "sensorlake.alert_topic_arn"      = var.alert_topic_arn
    "sensorlake.metrics_log_group"    = var.metrics_log_group
    "sensorlake.schedule"             = var.dag_schedule
  }

  network_configuration {
    security_group_ids = [var.security_group_id]
    subnet_ids         = slice(var.subnet_ids, 0, 2)
  }

  logging_configuration {
    dag_processing_logs {
      enabled   = true
      log_level = "INFO"
    }
    scheduler_logs {
      enabled   = true
      log_level = "INFO"
    }
    task_logs {
      enabled   = true
      log_level = "INFO"
    }
    webserver_logs {
      enabled   = true
      log_level = "WARNING"
    }
    worker_logs {
      enabled   = true
      log_level = "INFO"
    }
  }
}
