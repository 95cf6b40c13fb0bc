output "required_checks" {
  description = "Status checks required on main."
  value       = local.required_checks
}
