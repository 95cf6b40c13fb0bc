output "vpc_id" {
  description = "The VPC."
  value       = aws_vpc.this.id
}

output "private_subnet_ids" {
  description = "Private subnets (EMR, MWAA)."
  value       = aws_subnet.private[*].id
}

output "emr_security_group_ids" {
  description = "EMR-managed security groups: primary, core (core and task), service access."
  value = {
    primary = aws_security_group.emr_primary.id
    core    = aws_security_group.emr_core.id
    service = aws_security_group.emr_service.id
  }
}

output "mwaa_security_group_id" {
  description = "The MWAA environment's security group."
  value       = aws_security_group.mwaa.id
}
