output "emr_service_role_arn" {
  description = "EMR service role."
  value       = aws_iam_role.emr_service.arn
}

output "emr_instance_profile_arn" {
  description = "EMR EC2 instance profile."
  value       = aws_iam_instance_profile.emr_instance.arn
}

output "emr_instance_profile_name" {
  description = "EMR EC2 instance profile name."
  value       = aws_iam_instance_profile.emr_instance.name
}

output "emr_instance_role_arn" {
  description = "EMR EC2 instance role."
  value       = aws_iam_role.emr_instance.arn
}

output "mwaa_execution_role_arn" {
  description = "MWAA execution role."
  value       = aws_iam_role.mwaa.arn
}

output "github_deploy_role_arn" {
  description = "Role deploy.yml assumes through OIDC."
  value       = aws_iam_role.github_deploy.arn
}
