variable "name" {
  description = "Globally unique bucket name."
  type        = string
}

variable "purpose" {
  description = "What the bucket holds (a tag)."
  type        = string
}

variable "account_id" {
  description = "The AWS account (scopes the log delivery permission)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for SSE-KMS; null means SSE-S3 (required for a target of S3 server access logs)."
  type        = string
  default     = null
}

variable "access_log_bucket" {
  description = "Bucket receiving this bucket's server access logs; null only for the logs bucket itself."
  type        = string
  default     = null
}

variable "allow_log_delivery" {
  description = "Let the S3 logging service write server access logs here (the logs bucket)."
  type        = bool
  default     = false
}

variable "noncurrent_version_days" {
  description = "Days a replaced or deleted object version is kept."
  type        = number
}

variable "transition_days" {
  description = "Days after which objects move to STANDARD_IA; null for never."
  type        = number
  default     = null
}

variable "expiration_days" {
  description = "Days after which objects expire; null for never."
  type        = number
  default     = null
}

variable "force_destroy" {
  description = "Allow destroying a non-empty bucket (dev only)."
  type        = bool
  default     = false
}
