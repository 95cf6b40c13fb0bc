output "glue_database" {
  description = "Glue database of the lake's Iceberg tables (the engine's catalog glue://<database>)."
  value       = aws_glue_catalog_database.this.name
}

output "athena_workgroup" {
  description = "Athena workgroup for analysts."
  value       = aws_athena_workgroup.this.name
}
