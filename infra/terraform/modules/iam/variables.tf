variable "project" {
  description = "Project name, the prefix of every resource name."
  type        = string
}

variable "environment" {
  description = "dev, staging or prod."
  type        = string
}

variable "region" {
  description = "AWS region."
  type        = string
}

variable "bucket_arns" {
  description = "Bucket ARNs by role (storage module): raw, curated, logs, artifacts, athena_results."
  type        = map(string)
}

variable "kms_key_arn" {
  description = "The platform's KMS key."
  type        = string
}

variable "glue_database" {
  description = "Glue database of the lake (analytics module)."
  type        = string
}

variable "github_repository" {
  description = "owner/name of the GitHub repository allowed to deploy."
  type        = string
}

variable "github_oidc_provider_arn" {
  description = "ARN of the account's IAM OIDC provider for token.actions.githubusercontent.com (one per account, created once: docs/ci-cd.md)."
  type        = string
}
