variable "project" {
  description = "Project name, the prefix of every resource name."
  type        = string
}

variable "environment" {
  description = "dev, staging or prod."
  type        = string
}

variable "airflow_version" {
  description = "MWAA Airflow version (infra/mwaa/requirements.txt uses its constraints file)."
  type        = string
  default     = "2.10.3"
}

variable "environment_class" {
  description = "mw1.small, mw1.medium, ..."
  type        = string
}

variable "max_workers" {
  description = "Upper bound of MWAA's worker autoscaling."
  type        = number
}

variable "execution_role_arn" {
  description = "MWAA execution role (iam module)."
  type        = string
}

variable "kms_key_arn" {
  description = "The platform's KMS key."
  type        = string
}

variable "artifacts_bucket" {
  description = "Artifacts bucket name (DAGs, requirements)."
  type        = string
}

variable "artifacts_bucket_arn" {
  description = "Artifacts bucket ARN (MWAA's source bucket)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets (the first two are used)."
  type        = list(string)
}

variable "security_group_id" {
  description = "MWAA security group (network module)."
  type        = string
}

variable "lake_uri" {
  description = "The engine's --lake URI."
  type        = string
}

variable "source_uri" {
  description = "Where ingest reads the dataset from."
  type        = string
}

variable "emr_job_flow_parameter" {
  description = "SSM parameter with the EMR RunJobFlow spec."
  type        = string
}

variable "glue_database" {
  description = "Glue database of the lake's Iceberg tables: the DAG's catalog option is glue://<glue_database>."
  type        = string
}

variable "metric_namespace" {
  description = "CloudWatch namespace of the engine's metrics."
  type        = string
}

variable "metrics_log_group" {
  description = "CloudWatch Logs group of the engine's EMF lines (modules/monitoring)."
  type        = string
}

variable "alert_topic_arn" {
  description = "SNS topic of the DAG's failure callback and the engine's alerts (modules/monitoring)."
  type        = string
}

variable "dag_schedule" {
  description = "The DAG's schedule (sensorlake.schedule, docs/orchestration.md): none (triggered runs), asset:<uri> (a run on each asset event for the raw objects' URI, e.g. asset:s3://<raw>/incoming/wisdm) or cron:<expression>."
  type        = string
  default     = "none"

  validation {
    condition     = can(regex("^(none|asset:[A-Za-z][A-Za-z0-9+.-]*://.+|cron:.+)$", var.dag_schedule))
    error_message = "dag_schedule must be none, asset:<uri> or cron:<expression>."
  }
}
