# tflint with its bundled Terraform ruleset (the AWS ruleset plugin is downloaded from
# GitHub releases, which this project's build machine cannot reach: docs/infrastructure.md).
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
