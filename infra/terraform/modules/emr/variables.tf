variable "project" {
  description = "Project name, the prefix of every resource name."
  type        = string
}

variable "environment" {
  description = "dev, staging or prod."
  type        = string
}

variable "release_label" {
  description = "EMR release (Spark 3.5 on Amazon Linux 2023)."
  type        = string
  default     = "emr-7.9.0"
}

variable "engine_version" {
  description = "Version of the sensorlake engine build the bootstrap action installs (deploy.yml uploads engine/<version>/)."
  type        = string
}

variable "artifacts_bucket" {
  description = "Artifacts bucket (bootstrap script, engine builds)."
  type        = string
}

variable "logs_bucket" {
  description = "Logs bucket (EMR log URI)."
  type        = string
}

variable "kms_key_arn" {
  description = "The platform's KMS key (S3 and local disk encryption)."
  type        = string
}

variable "tls_certificates_s3_uri" {
  description = "Zip of PEM certificates for EMR in-transit encryption (created once per account: docs/infrastructure.md)."
  type        = string
}

variable "service_role_arn" {
  description = "EMR service role."
  type        = string
}

variable "instance_profile_arn" {
  description = "EMR EC2 instance profile ARN."
  type        = string
}

variable "instance_profile_name" {
  description = "EMR EC2 instance profile name (RunJobFlow's JobFlowRole)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets the fleets may use."
  type        = list(string)
}

variable "security_group_ids" {
  description = "EMR-managed security groups: primary, core, service."
  type        = map(string)
}

variable "core_on_demand_units" {
  description = "On-demand core capacity (HDFS, never spot)."
  type        = number
}

variable "task_spot_units" {
  description = "Initial spot task capacity."
  type        = number
}

variable "min_capacity_units" {
  description = "Managed scaling: minimum fleet units."
  type        = number
}

variable "max_capacity_units" {
  description = "Managed scaling: maximum fleet units."
  type        = number
}

variable "max_on_demand_units" {
  description = "Managed scaling: at most this much on-demand capacity; the rest is spot."
  type        = number
}

variable "long_running_cluster" {
  description = "Also keep a standing cluster (the DAG's transient clusters do not need it)."
  type        = bool
  default     = false
}

variable "idle_timeout_seconds" {
  description = "A standing cluster terminates after this long without work."
  type        = number
  default     = 3600
}
