variable "project" {
  description = "Project name, the prefix of every resource name."
  type        = string
}

variable "environment" {
  description = "dev, staging or prod."
  type        = string
}

variable "region" {
  description = "AWS region (for the S3 endpoint's service name)."
  type        = string
}

variable "cidr_block" {
  description = "The VPC's CIDR block (a /16)."
  type        = string
}

variable "availability_zones" {
  description = "Availability zones, pinned (MWAA needs private subnets in two of them)."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2
    error_message = "MWAA needs private subnets in at least two availability zones."
  }
}

variable "nat_gateway_count" {
  description = "NAT gateways: 1 (cheaper) or one per availability zone (no single AZ dependency)."
  type        = number
  default     = 1
}

variable "log_retention_days" {
  description = "Retention of the VPC flow logs."
  type        = number
}

variable "kms_key_arn" {
  description = "The platform's KMS key (encrypts the flow log group)."
  type        = string
}
