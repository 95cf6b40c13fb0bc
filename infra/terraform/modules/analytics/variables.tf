variable "project" {
  description = "Project name, the prefix of every resource name."
  type        = string
}

variable "environment" {
  description = "dev, staging or prod."
  type        = string
}

variable "athena_results_bucket" {
  description = "Bucket for Athena query results."
  type        = string
}

variable "kms_key_arn" {
  description = "The platform's KMS key."
  type        = string
}

variable "bytes_scanned_cutoff_per_query" {
  description = "Athena stops a query that scans more than this (bytes)."
  type        = number
  default     = 10737418240
}
