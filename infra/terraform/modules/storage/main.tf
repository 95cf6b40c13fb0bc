# The platform's buckets and its KMS key.
#
#   raw       original downloads as published (the UCI zip): the `--source` of ingest
#   curated   the engine's lake, s3://<curated>/lake: raw/wisdm/<version>/ (verified copy),
#             curated/_versions/<id>/..., quality/runs/<id>/, features/_versions/<id>/...,
#             _runs/<id>.json, and the _current.json / _published.json pointers
#   logs      S3 server access logs and EMR logs (SSE-S3: S3 access-log delivery does not
#             support SSE-KMS targets)
#   artifacts engine builds, the EMR bootstrap script, the Spark job, MWAA DAGs and
#             requirements (the MWAA source bucket)
#   athena    Athena query results

data "aws_caller_identity" "current" {}

locals {
  prefix = "${var.project}-${var.environment}-${data.aws_caller_identity.current.account_id}"
}

resource "aws_kms_key" "this" {
  description             = "${var.project}-${var.environment}: buckets, logs, SNS, Athena, MWAA"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*" # in a key policy "*" is this key
      },
      {
        Sid       = "CloudWatchLogsEncrypt"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.region}.amazonaws.com" }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource  = "*"
        Condition = {
          ArnLike = { "kms:EncryptionContext:aws:logs:arn" = "arn:aws:logs:${var.region}:${data.aws_caller_identity.current.account_id}:log-group:*" }
        }
      },
      {
        Sid       = "CloudWatchAlarmsPublishToEncryptedSns"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
      },
    ]
  })
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.project}-${var.environment}"
  target_key_id = aws_kms_key.this.key_id
}

module "logs" {
  source                  = "./bucket"
  name                    = "${local.prefix}-logs"
  purpose                 = "logs"
  account_id              = data.aws_caller_identity.current.account_id
  allow_log_delivery      = true
  noncurrent_version_days = 30
  transition_days         = 30
  expiration_days         = var.log_expiration_days
  force_destroy           = var.force_destroy
}

module "raw" {
  source                  = "./bucket"
  name                    = "${local.prefix}-raw"
  purpose                 = "raw"
  account_id              = data.aws_caller_identity.current.account_id
  kms_key_arn             = aws_kms_key.this.arn
  access_log_bucket       = module.logs.name
  noncurrent_version_days = 90
  transition_days         = 30
  force_destroy           = var.force_destroy
}

module "curated" {
  source                  = "./bucket"
  name                    = "${local.prefix}-curated"
  purpose                 = "lake"
  account_id              = data.aws_caller_identity.current.account_id
  kms_key_arn             = aws_kms_key.this.arn
  access_log_bucket       = module.logs.name
  noncurrent_version_days = var.lake_noncurrent_version_days
  transition_days         = 90
  force_destroy           = var.force_destroy
}

module "artifacts" {
  source                  = "./bucket"
  name                    = "${local.prefix}-artifacts"
  purpose                 = "artifacts"
  account_id              = data.aws_caller_identity.current.account_id
  kms_key_arn             = aws_kms_key.this.arn
  access_log_bucket       = module.logs.name
  noncurrent_version_days = 90
  force_destroy           = var.force_destroy
}

module "athena_results" {
  source                  = "./bucket"
  name                    = "${local.prefix}-athena-results"
  purpose                 = "athena-results"
  account_id              = data.aws_caller_identity.current.account_id
  kms_key_arn             = aws_kms_key.this.arn
  access_log_bucket       = module.logs.name
  noncurrent_version_days = 7
  expiration_days         = 30
  force_destroy           = var.force_destroy
}
