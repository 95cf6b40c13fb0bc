output "kms_key_arn" {
  description = "The platform's KMS key."
  value       = aws_kms_key.this.arn
}

output "buckets" {
  description = "Bucket names by role: raw, curated, logs, artifacts, athena_results."
  value = {
    raw            = module.raw.name
    curated        = module.curated.name
    logs           = module.logs.name
    artifacts      = module.artifacts.name
    athena_results = module.athena_results.name
  }
}

output "bucket_arns" {
  description = "Bucket ARNs by role."
  value = {
    raw            = module.raw.arn
    curated        = module.curated.arn
    logs           = module.logs.arn
    artifacts      = module.artifacts.arn
    athena_results = module.athena_results.arn
  }
}

output "lake_uri" {
  description = "The engine's --lake URI."
  value       = "s3://${module.curated.name}/lake"
}
