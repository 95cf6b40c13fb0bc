variable "project" {
  description = "Project name, the prefix of every resource name."
  type        = string
}

variable "environment" {
  description = "dev, staging or prod."
  type        = string
}

variable "region" {
  description = "AWS region (the CloudWatch Logs principal of the key policy)."
  type        = string
}

variable "lake_noncurrent_version_days" {
  description = "Days a replaced lake object version is kept (the engine's versions are immutable; this covers pointer rewrites and deletes)."
  type        = number
}

variable "log_expiration_days" {
  description = "Days logs are kept in the logs bucket."
  type        = number
}

variable "force_destroy" {
  description = "Allow destroying non-empty buckets (dev only)."
  type        = bool
  default     = false
}
