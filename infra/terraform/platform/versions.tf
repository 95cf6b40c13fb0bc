terraform {
  required_version = ">= 1.9.0"

  # State in Terraform Cloud: one workspace per environment (docs/infrastructure.md).
  cloud {
    organization = "sensorlake"
    workspaces {
      name = "sensorlake-dev"
    }
  }

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}
