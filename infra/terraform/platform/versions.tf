terraform {
  required_version = ">= 1.9.0"

  # State in Terraform Cloud: one workspace per environment, sensorlake-<environment>, all
  # tagged sensorlake-platform; TF_WORKSPACE picks one and -var-file its values
  # (environments/<environment>.tfvars), docs/infrastructure.md.
  cloud {
    organization = "sensorlake"
    workspaces {
      tags = ["sensorlake-platform"]
    }
  }

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}
