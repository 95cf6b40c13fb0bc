variable "project" {
  description = "Project name, the prefix of every resource name."
  type        = string
  default     = "sensorlake"
}

variable "environment" {
  description = "dev, staging or prod."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment is dev, staging or prod."
  }
}

variable "region" {
  description = "AWS region."
  type        = string
}

variable "vpc_cidr" {
  description = "The VPC's /16."
  type        = string
}

variable "availability_zones" {
  description = "Pinned availability zones (two at least)."
  type        = list(string)
}

variable "nat_gateway_count" {
  description = "NAT gateways (1, or 2 for one per AZ)."
  type        = number
}

variable "log_retention_days" {
  description = "Retention of CloudWatch log groups (at least a year)."
  type        = number

  validation {
    condition     = var.log_retention_days >= 365
    error_message = "Logs are kept at least 365 days."
  }
}

variable "log_expiration_days" {
  description = "Days logs are kept in the logs bucket."
  type        = number
}

variable "lake_noncurrent_version_days" {
  description = "Days a replaced lake object version is kept."
  type        = number
}

variable "force_destroy_buckets" {
  description = "Allow destroying non-empty buckets (dev only)."
  type        = bool
  default     = false
}

variable "alert_emails" {
  description = "Addresses subscribed to the alarms."
  type        = list(string)
  default     = []
}

variable "github_repository" {
  description = "owner/name of the repository whose deploy workflow may assume the deploy role."
  type        = string
}

variable "github_oidc_provider_arn" {
  description = "The account's IAM OIDC provider for GitHub Actions."
  type        = string
}

variable "engine_version" {
  description = "Engine build the EMR bootstrap installs (set by deploy.yml: the commit SHA)."
  type        = string
}

variable "emr_release_label" {
  description = "EMR release."
  type        = string
}

variable "emr_tls_certificates_s3_uri" {
  description = "PEM certificates zip for EMR in-transit encryption."
  type        = string
}

variable "emr_core_on_demand_units" {
  description = "On-demand core capacity."
  type        = number
}

variable "emr_task_spot_units" {
  description = "Initial spot task capacity."
  type        = number
}

variable "emr_min_capacity_units" {
  description = "Managed scaling minimum."
  type        = number
}

variable "emr_max_capacity_units" {
  description = "Managed scaling maximum."
  type        = number
}

variable "emr_max_on_demand_units" {
  description = "Managed scaling: on-demand ceiling."
  type        = number
}

variable "emr_long_running_cluster" {
  description = "Keep a standing cluster besides the DAG's transient ones."
  type        = bool
  default     = false
}

variable "mwaa_environment_class" {
  description = "MWAA size."
  type        = string
}

variable "mwaa_max_workers" {
  description = "MWAA worker ceiling."
  type        = number
}
