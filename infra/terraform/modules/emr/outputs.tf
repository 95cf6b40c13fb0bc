output "job_flow_parameter" {
  description = "SSM parameter holding the RunJobFlow spec the DAG uses."
  value       = aws_ssm_parameter.job_flow.name
}

output "security_configuration" {
  description = "EMR security configuration name."
  value       = aws_emr_security_configuration.this.name
}

output "cluster_id" {
  description = "The standing cluster, when long_running_cluster is true."
  value       = one(aws_emr_cluster.this[*].id)
}
