# Source-control rules as code: main is protected (CI checks and a code-owner review
# required, no force pushes) and the deploy environments exist with prod behind reviewers.
# Applied from its own Terraform Cloud workspace with a GitHub App or token (docs/ci-cd.md).

terraform {
  required_version = ">= 1.9.0"

  cloud {
    organization = "sensorlake"
    workspaces {
      name = "sensorlake-github"
    }
  }

  required_providers {
    github = {
      source  = "integrations/github"
      version = "~> 6.0"
    }
  }
}

provider "github" {
  owner = var.owner
}

locals {
  # The job names of .github/workflows/ci.yml (tests/infra/test_infra.py keeps them equal).
  required_checks = ["lint", "build-and-test", "bench-smoke", "terraform", "wheel"]
}

data "github_team" "prod_reviewers" {
  slug = var.prod_reviewer_team
}

resource "github_branch_protection" "main" {
  #checkov:skip=CKV_GIT_5:One approving review from a code owner is the project's rule (the seed's); CODEOWNERS routes it to the right team
  #checkov:skip=CKV_GIT_6:Commit signing is not required: contributors include automated sessions without signing keys; main only changes through reviewed pull requests
  repository_id                   = var.repository
  pattern                         = "main"
  enforce_admins                  = true
  require_signed_commits          = false
  required_linear_history         = true
  require_conversation_resolution = true
  allows_force_pushes             = false
  allows_deletions                = false

  required_status_checks {
    strict   = true
    contexts = local.required_checks
  }

  required_pull_request_reviews {
    required_approving_review_count = 1
    require_code_owner_reviews      = true
    dismiss_stale_reviews           = true
    require_last_push_approval      = true
  }
}

resource "github_repository_environment" "dev" {
  repository  = var.repository
  environment = "dev"
  deployment_branch_policy {
    protected_branches     = true
    custom_branch_policies = false
  }
}

resource "github_repository_environment" "staging" {
  repository  = var.repository
  environment = "staging"
  deployment_branch_policy {
    protected_branches     = true
    custom_branch_policies = false
  }
}

resource "github_repository_environment" "prod" {
  repository          = var.repository
  environment         = "prod"
  prevent_self_review = true
  reviewers {
    teams = [data.github_team.prod_reviewers.id]
  }
  deployment_branch_policy {
    protected_branches     = true
    custom_branch_policies = false
  }
}
