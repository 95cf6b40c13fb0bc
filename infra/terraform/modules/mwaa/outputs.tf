output "environment_arn" {
  description = "The MWAA environment."
  value       = aws_mwaa_environment.this.arn
}

output "webserver_url" {
  description = "Airflow UI (private: reachable from inside the VPC)."
  value       = aws_mwaa_environment.this.webserver_url
}

output "dag_s3_uri" {
  description = "Where deploy.yml uploads dags/."
  value       = "s3://${var.artifacts_bucket}/dags/"
}
