# The platform: every module, wired together, once. An environment is a Terraform Cloud
# workspace (sensorlake-<environment>) plus its values in environments/<environment>.tfvars;
# the engine version comes from the deploy (TF_VAR_engine_version, the commit SHA).

# Plans the values of one environment only in that environment's workspace: dev's values
# applied to prod's state (or the reverse) stop here, before anything changes.
resource "terraform_data" "workspace_matches_environment" {
  input = var.environment
  lifecycle {
    precondition {
      condition     = contains(["default", "sensorlake-${var.environment}"], terraform.workspace)
      error_message = "The workspace ${terraform.workspace} is not sensorlake-${var.environment}: select the workspace of the environment whose .tfvars this plan uses."
    }
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = {
      project     = var.project
      environment = var.environment
      managed-by  = "terraform"
    }
  }
}

module "storage" {
  source                       = "../modules/storage"
  project                      = var.project
  environment                  = var.environment
  region                       = var.region
  lake_noncurrent_version_days = var.lake_noncurrent_version_days
  log_expiration_days          = var.log_expiration_days
  force_destroy                = var.force_destroy_buckets
}

module "network" {
  source             = "../modules/network"
  project            = var.project
  environment        = var.environment
  region             = var.region
  cidr_block         = var.vpc_cidr
  availability_zones = var.availability_zones
  nat_gateway_count  = var.nat_gateway_count
  log_retention_days = var.log_retention_days
  kms_key_arn        = module.storage.kms_key_arn
}

module "monitoring" {
  source             = "../modules/monitoring"
  project            = var.project
  environment        = var.environment
  region             = var.region
  kms_key_arn        = module.storage.kms_key_arn
  alert_emails       = var.alert_emails
  log_retention_days = var.log_retention_days
}

module "analytics" {
  source                = "../modules/analytics"
  project               = var.project
  environment           = var.environment
  athena_results_bucket = module.storage.buckets["athena_results"]
  kms_key_arn           = module.storage.kms_key_arn
}

module "iam" {
  source                   = "../modules/iam"
  project                  = var.project
  environment              = var.environment
  region                   = var.region
  bucket_arns              = module.storage.bucket_arns
  kms_key_arn              = module.storage.kms_key_arn
  glue_database            = module.analytics.glue_database
  github_repository        = var.github_repository
  github_oidc_provider_arn = var.github_oidc_provider_arn
}

module "emr" {
  source                  = "../modules/emr"
  project                 = var.project
  environment             = var.environment
  release_label           = var.emr_release_label
  engine_version          = var.engine_version
  artifacts_bucket        = module.storage.buckets["artifacts"]
  logs_bucket             = module.storage.buckets["logs"]
  kms_key_arn             = module.storage.kms_key_arn
  tls_certificates_s3_uri = var.emr_tls_certificates_s3_uri
  service_role_arn        = module.iam.emr_service_role_arn
  instance_profile_arn    = module.iam.emr_instance_profile_arn
  instance_profile_name   = module.iam.emr_instance_profile_name
  subnet_ids              = module.network.private_subnet_ids
  security_group_ids      = module.network.emr_security_group_ids
  core_on_demand_units    = var.emr_core_on_demand_units
  task_spot_units         = var.emr_task_spot_units
  min_capacity_units      = var.emr_min_capacity_units
  max_capacity_units      = var.emr_max_capacity_units
  max_on_demand_units     = var.emr_max_on_demand_units
  long_running_cluster    = var.emr_long_running_cluster
}

module "mwaa" {
  source                 = "../modules/mwaa"
  project                = var.project
  environment            = var.environment
  environment_class      = var.mwaa_environment_class
  max_workers            = var.mwaa_max_workers
  execution_role_arn     = module.iam.mwaa_execution_role_arn
  kms_key_arn            = module.storage.kms_key_arn
  artifacts_bucket       = module.storage.buckets["artifacts"]
  artifacts_bucket_arn   = module.storage.bucket_arns["artifacts"]
  subnet_ids             = module.network.private_subnet_ids
  security_group_id      = module.network.mwaa_security_group_id
  lake_uri               = module.storage.lake_uri
  source_uri             = "s3://${module.storage.buckets["raw"]}/wisdm/wisdm-dataset.zip"
  emr_job_flow_parameter = module.emr.job_flow_parameter
  glue_database          = module.analytics.glue_database
  metric_namespace       = module.monitoring.metric_namespace
  alert_topic_arn        = module.monitoring.alerts_topic_arn
  metrics_log_group      = module.monitoring.engine_log_group
}
