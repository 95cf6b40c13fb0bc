output "lake_uri" {
  description = "The engine's --lake URI."
  value       = module.storage.lake_uri
}

output "buckets" {
  description = "Bucket names by role."
  value       = module.storage.buckets
}

output "github_deploy_role_arn" {
  description = "Role deploy-environment.yml assumes after the apply, read from this output."
  value       = module.iam.github_deploy_role_arn
}

output "mwaa_dag_s3_uri" {
  description = "Where deploy.yml uploads dags/."
  value       = module.mwaa.dag_s3_uri
}

output "athena_workgroup" {
  description = "Athena workgroup."
  value       = module.analytics.athena_workgroup
}

output "alerts_topic_arn" {
  description = "SNS topic of the alarms."
  value       = module.monitoring.alerts_topic_arn
}

output "region" {
  description = "The environment's AWS region (deploy-environment.yml uploads there)."
  value       = var.region
}
