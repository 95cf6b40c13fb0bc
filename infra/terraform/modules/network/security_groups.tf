# Security groups with least privilege: nothing is reachable from the internet, egress is
# HTTPS only (AWS APIs through the NAT, S3 through the endpoint).
#
# EMR adds the rules its nodes need between the master, core/task and service-access
# groups itself (EMR-managed security groups); the groups start empty here.

resource "aws_security_group" "emr_primary" {
  #checkov:skip=CKV2_AWS_5:Attached outside this module (EMR clusters from the emr module's spec, the MWAA environment)
  name                   = "${local.name}-emr-primary"
  description            = "EMR primary node (EMR-managed rules)"
  vpc_id                 = aws_vpc.this.id
  revoke_rules_on_delete = true
}

resource "aws_security_group" "emr_core" {
  #checkov:skip=CKV2_AWS_5:Attached outside this module (EMR clusters from the emr module's spec, the MWAA environment)
  name                   = "${local.name}-emr-core-task"
  description            = "EMR core and task nodes (EMR-managed rules)"
  vpc_id                 = aws_vpc.this.id
  revoke_rules_on_delete = true
}

resource "aws_security_group" "emr_service" {
  #checkov:skip=CKV2_AWS_5:Attached outside this module (EMR clusters from the emr module's spec, the MWAA environment)
  name                   = "${local.name}-emr-service-access"
  description            = "EMR service access for clusters in private subnets"
  vpc_id                 = aws_vpc.this.id
  revoke_rules_on_delete = true
}

resource "aws_vpc_security_group_egress_rule" "emr_https" {
  for_each          = { primary = aws_security_group.emr_primary.id, core = aws_security_group.emr_core.id }
  security_group_id = each.value
  description       = "HTTPS to AWS APIs (through the NAT) and S3 (through the endpoint)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# The service-access group must accept 9443 from the primary node (EMR requirement).
resource "aws_vpc_security_group_ingress_rule" "emr_service_from_primary" {
  security_group_id            = aws_security_group.emr_service.id
  description                  = "EMR service access from the primary node"
  ip_protocol                  = "tcp"
  from_port                    = 9443
  to_port                      = 9443
  referenced_security_group_id = aws_security_group.emr_primary.id
}

resource "aws_security_group" "mwaa" {
  #checkov:skip=CKV2_AWS_5:Attached outside this module (EMR clusters from the emr module's spec, the MWAA environment)
  name        = "${local.name}-mwaa"
  description = "MWAA environment: its own components talk to each other, HTTPS out"
  vpc_id      = aws_vpc.this.id
}

# MWAA requires a self-referencing rule between its scheduler, workers and web server.
resource "aws_vpc_security_group_ingress_rule" "mwaa_self" {
  security_group_id            = aws_security_group.mwaa.id
  description                  = "MWAA components to each other (AWS requirement)"
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.mwaa.id
}

resource "aws_vpc_security_group_egress_rule" "mwaa_self" {
  security_group_id            = aws_security_group.mwaa.id
  description                  = "MWAA components to each other (AWS requirement)"
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.mwaa.id
}

resource "aws_vpc_security_group_egress_rule" "mwaa_https" {
  security_group_id = aws_security_group.mwaa.id
  description       = "HTTPS to AWS APIs (EMR, S3, CloudWatch, SQS)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# The metadata database of MWAA is reached on 5432 inside the group.
resource "aws_vpc_security_group_egress_rule" "mwaa_postgres" {
  security_group_id = aws_security_group.mwaa.id
  description       = "MWAA metadata database inside the VPC"
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
  cidr_ipv4         = var.cidr_block
}
