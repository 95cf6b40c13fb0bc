# EMR for the Spark side of the pipeline (spark/sensorlake_job.py, docs/spark.md).
#
# The Airflow DAG (dags/, emr backend) creates a transient cluster per run from the spec
# published here (SSM parameter /<project>/<env>/emr/job-flow), adds the Spark step, waits
# and terminates it. `long_running_cluster = true` also creates a standing cluster from
# the same spec (for interactive work). Either way: instance fleets, the task fleet on
# spot capacity only, managed scaling, the engine installed by a bootstrap action, logs in
# the logs bucket, encryption at rest and in transit through a security configuration.

locals {
  name               = "${var.project}-${var.environment}"
  bootstrap_key      = "emr/bootstrap/install-sensorlake.sh"
  bootstrap_uri      = "s3://${var.artifacts_bucket}/${local.bootstrap_key}"
  engine_uri         = "s3://${var.artifacts_bucket}/engine/${var.engine_version}/sensorlake-linux-x86_64.tar.gz"
  log_uri            = "s3://${var.logs_bucket}/emr/"
  applications       = ["Spark", "Hadoop", "AmazonCloudWatchAgent"]
  primary_types      = ["m7i.xlarge", "m6i.xlarge"]
  worker_types       = ["m7i.2xlarge", "m6i.2xlarge", "r7i.2xlarge", "r6i.2xlarge"]
  emr_resource_tags  = { project = var.project, environment = var.environment, "for-use-with-amazon-emr-managed-policies" = "true" }
  spot_timeout_mins  = 10
  task_spot_capacity = var.task_spot_units
}

resource "aws_s3_object" "bootstrap" {
  bucket = var.artifacts_bucket
  key    = local.bootstrap_key
  source = "${path.module}/../../../emr/bootstrap/install-sensorlake.sh"
  etag   = filemd5("${path.module}/../../../emr/bootstrap/install-sensorlake.sh")
}

resource "aws_emr_security_configuration" "this" {
  name = "${local.name}-emr"
  configuration = jsonencode({
    EncryptionConfiguration = {
      EnableAtRestEncryption    = true
      EnableInTransitEncryption = true
      AtRestEncryptionConfiguration = {
        S3EncryptionConfiguration = { EncryptionMode = "SSE-KMS", AwsKmsKey = var.kms_key_arn }
        LocalDiskEncryptionConfiguration = {
          EncryptionKeyProviderType = "AwsKms"
          AwsKmsKey                 = var.kms_key_arn
          EnableEbsEncryption       = true
        }
      }
      InTransitEncryptionConfiguration = {
        TLSCertificateConfiguration = { CertificateProviderType = "PEM", S3Object = var.tls_certificates_s3_uri }
      }
    }
    InstanceMetadataServiceConfiguration = { MinimumInstanceMetadataServiceVersion = 2, HttpPutResponseHopLimit = 1 }
  })
}

# The RunJobFlow request the DAG sends (the same settings as the cluster below).
resource "aws_ssm_parameter" "job_flow" {
  #checkov:skip=CKV2_AWS_34:Not a secret: a cluster spec of role names, subnets and S3 paths that the DAG reads
  name = "/${var.project}/${var.environment}/emr/job-flow"
  type = "String"
  tier = "Advanced"
  value = jsonencode({
    Name                  = "${local.name}-sensorlake"
    ReleaseLabel          = var.release_label
    LogUri                = local.log_uri
    Applications          = [for a in local.applications : { Name = a }]
    ServiceRole           = var.service_role_arn
    JobFlowRole           = var.instance_profile_name
    SecurityConfiguration = aws_emr_security_configuration.this.name
    VisibleToAllUsers     = true
    Tags                  = [for k, v in local.emr_resource_tags : { Key = k, Value = v }]
    BootstrapActions = [{
      Name                  = "install-sensorlake"
      ScriptBootstrapAction = { Path = local.bootstrap_uri, Args = [local.engine_uri, var.engine_version] }
    }]
    ManagedScalingPolicy = {
      ComputeLimits = {
        UnitType                     = "InstanceFleetUnits"
        MinimumCapacityUnits         = var.min_capacity_units
        MaximumCapacityUnits         = var.max_capacity_units
        MaximumOnDemandCapacityUnits = var.max_on_demand_units
        MaximumCoreCapacityUnits     = var.core_on_demand_units
      }
    }
    Instances = {
      Ec2SubnetIds                  = var.subnet_ids
      EmrManagedMasterSecurityGroup = var.security_group_ids["primary"]
      EmrManagedSlaveSecurityGroup  = var.security_group_ids["core"]
      ServiceAccessSecurityGroup    = var.security_group_ids["service"]
      KeepJobFlowAliveWhenNoSteps   = false
      TerminationProtected          = false
      InstanceFleets = [
        { InstanceFleetType = "MASTER", TargetOnDemandCapacity = 1, InstanceTypeConfigs = [for t in local.primary_types : { InstanceType = t }] },
        { InstanceFleetType = "CORE", TargetOnDemandCapacity = var.core_on_demand_units, InstanceTypeConfigs = [for t in local.worker_types : { InstanceType = t, WeightedCapacity = 1 }] },
        {
          InstanceFleetType      = "TASK"
          TargetOnDemandCapacity = 0
          TargetSpotCapacity     = local.task_spot_capacity
          InstanceTypeConfigs    = [for t in local.worker_types : { InstanceType = t, WeightedCapacity = 1 }]
          LaunchSpecifications = {
            SpotSpecification = { AllocationStrategy = "capacity-optimized", TimeoutDurationMinutes = local.spot_timeout_mins, TimeoutAction = "SWITCH_TO_ON_DEMAND" }
          }
        },
      ]
    }
  })
}

resource "aws_emr_cluster" "this" {
  #checkov:skip=CKV2_AWS_7:Its security groups come from the network module (no ingress from 0.0.0.0/0 there; tests/infra/test_infra.py asserts it), a connection this module-level graph cannot see
  #checkov:skip=CKV_AWS_114:Kerberos is not used: no interactive users on the cluster, access is by IAM roles only
  count                             = var.long_running_cluster ? 1 : 0
  name                              = "${local.name}-sensorlake"
  release_label                     = var.release_label
  applications                      = local.applications
  service_role                      = var.service_role_arn
  log_uri                           = local.log_uri
  security_configuration            = aws_emr_security_configuration.this.name
  termination_protection            = false
  keep_job_flow_alive_when_no_steps = true
  tags                              = local.emr_resource_tags

  ec2_attributes {
    subnet_ids                        = var.subnet_ids
    instance_profile                  = var.instance_profile_arn
    emr_managed_master_security_group = var.security_group_ids["primary"]
    emr_managed_slave_security_group  = var.security_group_ids["core"]
    service_access_security_group     = var.security_group_ids["service"]
  }

  master_instance_fleet {
    name                      = "primary"
    target_on_demand_capacity = 1
    dynamic "instance_type_configs" {
      for_each = local.primary_types
      content {
        instance_type = instance_type_configs.value
      }
    }
  }

  core_instance_fleet {
    name                      = "core"
    target_on_demand_capacity = var.core_on_demand_units
    dynamic "instance_type_configs" {
      for_each = local.worker_types
      content {
        instance_type     = instance_type_configs.value
        weighted_capacity = 1
      }
    }
  }

  bootstrap_action {
    name = "install-sensorlake"
    path = local.bootstrap_uri
    args = [local.engine_uri, var.engine_version]
  }

  auto_termination_policy {
    idle_timeout = var.idle_timeout_seconds
  }

  depends_on = [aws_s3_object.bootstrap]
}

# Task nodes: spot only (no on-demand task capacity); interrupted spot nodes lose no data
# because HDFS lives on the core fleet and the lake on S3.
resource "aws_emr_instance_fleet" "task" {
  count                     = var.long_running_cluster ? 1 : 0
  cluster_id                = aws_emr_cluster.this[0].id
  name                      = "task-spot"
  target_on_demand_capacity = 0
  target_spot_capacity      = local.task_spot_capacity

  dynamic "instance_type_configs" {
    for_each = local.worker_types
    content {
      instance_type     = instance_type_configs.value
      weighted_capacity = 1
    }
  }

  launch_specifications {
    spot_specification {
      allocation_strategy      = "capacity-optimized"
      timeout_action           = "SWITCH_TO_ON_DEMAND"
      timeout_duration_minutes = local.spot_timeout_mins
    }
  }
}

resource "aws_emr_managed_scaling_policy" "this" {
  count      = var.long_running_cluster ? 1 : 0
  cluster_id = aws_emr_cluster.this[0].id
  compute_limits {
    unit_type                       = "InstanceFleetUnits"
    minimum_capacity_units          = var.min_capacity_units
    maximum_capacity_units          = var.max_capacity_units
    maximum_ondemand_capacity_units = var.max_on_demand_units
    maximum_core_capacity_units     = var.core_on_demand_units
  }
}
