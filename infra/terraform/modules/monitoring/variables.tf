variable "project" {
  description = "Project name, the prefix of every resource name."
  type        = string
}

variable "environment" {
  description = "dev, staging or prod."
  type        = string
}

variable "region" {
  description = "AWS region (dashboard widgets)."
  type        = string
}

variable "kms_key_arn" {
  description = "The platform's KMS key (SNS, log groups)."
  type        = string
}

variable "alert_emails" {
  description = "Addresses subscribed to the alerts topic."
  type        = list(string)
  default     = []
}

variable "log_retention_days" {
  description = "Retention of the platform's log groups."
  type        = number
}

variable "duration_band_stddevs" {
  description = "Width of the anomaly band of the run duration, in standard deviations."
  type        = number
  default     = 3
}

variable "quarantine_percent_max" {
  description = "Alarm when a run quarantines more than this share of lines (percent); the engine's own alert uses config/alerts.toml"
  type        = number
  default     = 5
}
