output "glue_database" {
  description = "Glue database of the lake."
  value       = aws_glue_catalog_database.this.name
}

output "athena_workgroup" {
  description = "Athena workgroup for analysts."
  value       = aws_athena_workgroup.this.name
}
