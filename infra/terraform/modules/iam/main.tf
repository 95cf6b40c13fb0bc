# Roles of the platform, each scoped to the project's buckets, key and log groups.
# No statement grants "*" actions, and "*" resources appear only for actions that AWS
# does not scope by resource (each one says so and carries a condition).

data "aws_caller_identity" "current" {}

locals {
  name    = "${var.project}-${var.environment}"
  account = data.aws_caller_identity.current.account_id
  lake    = var.bucket_arns["curated"]
  raw     = var.bucket_arns["raw"]
  logs    = var.bucket_arns["logs"]
  art     = var.bucket_arns["artifacts"]
}

# ---------------------------------------------------------------- EMR service role
data "aws_iam_policy_document" "emr_service_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["elasticmapreduce.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "emr_service" {
  name               = "${local.name}-emr-service"
  assume_role_policy = data.aws_iam_policy_document.emr_service_assume.json
}

# AWS's scoped EMR policy (v2): it acts only on resources tagged
# for-use-with-amazon-emr-managed-policies=true (the subnets and security groups are).
resource "aws_iam_role_policy_attachment" "emr_service" {
  role       = aws_iam_role.emr_service.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2"
}

data "aws_iam_policy_document" "emr_service_pass" {
  statement {
    sid       = "PassInstanceRole"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.emr_instance.arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "emr_service_pass" {
  name   = "pass-instance-role"
  role   = aws_iam_role.emr_service.id
  policy = data.aws_iam_policy_document.emr_service_pass.json
}

# ---------------------------------------------------------------- EMR instance role
data "aws_iam_policy_document" "ec2_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "emr_instance" {
  name               = "${local.name}-emr-instance"
  assume_role_policy = data.aws_iam_policy_document.ec2_assume.json
}

resource "aws_iam_instance_profile" "emr_instance" {
  name = "${local.name}-emr-instance"
  role = aws_iam_role.emr_instance.name
}

data "aws_iam_policy_document" "emr_instance" {
  statement {
    sid       = "ListProjectBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [local.lake, local.raw, local.art, local.logs]
  }
  statement {
    sid       = "ReadSources"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${local.raw}/*", "${local.art}/*"]
  }
  statement {
    sid       = "ReadWriteLake"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = ["${local.lake}/lake/*"]
  }
  statement {
    sid       = "WriteClusterLogs"
    actions   = ["s3:PutObject"]
    resources = ["${local.logs}/emr/*"]
  }
  statement {
    sid       = "UseProjectKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]
    resources = [var.kms_key_arn]
  }
  statement {
    # The engine's Iceberg catalog (--catalog glue://<database>, pyiceberg's GlueCatalog):
    # check and publish create the tables on the first commit and advance them with
    # UpdateTable (docs/tables.md); their metadata files are under the lake's tables/
    # prefix (ReadWriteLake). No glue:CreateDatabase: Terraform owns the database, and the
    # engine creates one only when GetDatabase finds none (python/sensorlake/tables).
    sid     = "GlueCatalogOfTheProject"
    actions = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable"]
    resources = [
      "arn:aws:glue:${var.region}:${local.account}:catalog",
      "arn:aws:glue:${var.region}:${local.account}:database/${var.glue_database}",
      "arn:aws:glue:${var.region}:${local.account}:table/${var.glue_database}/*",
    ]
  }
  statement {
    # The engine sends its EMF lines itself (--metrics-log-group); CloudWatch extracts
    # the metrics, so no PutMetricData and no agent on the nodes (docs/monitoring.md).
    sid       = "EngineLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:aws:logs:${var.region}:${local.account}:log-group:/${var.project}/${var.environment}/engine:*"]
  }
  statement {
    # EMR's AmazonCloudWatchAgent application: the nodes' CPU, memory and disk on the
    # dashboard. PutMetricData has no resource-level permissions; the namespace limits it.
    sid       = "ClusterAgentMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["CWAgent"]
    }
  }
  statement {
    # The engine's alerts of a Spark run (failure, gate, quarantine rate, anomalies).
    sid       = "PublishEngineAlerts"
    actions   = ["sns:Publish"]
    resources = ["arn:aws:sns:${var.region}:${local.account}:${local.name}-alerts"]
  }
}

resource "aws_iam_role_policy" "emr_instance" {
  name   = "sensorlake-lake-access"
  role   = aws_iam_role.emr_instance.id
  policy = data.aws_iam_policy_document.emr_instance.json
}

# ---------------------------------------------------------------- MWAA execution role
data "aws_iam_policy_document" "mwaa_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["airflow.amazonaws.com", "airflow-env.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "mwaa" {
  name               = "${local.name}-mwaa-execution"
  assume_role_policy = data.aws_iam_policy_document.mwaa_assume.json
}

data "aws_iam_policy_document" "mwaa" {
  statement {
    sid       = "PublishMetrics"
    actions   = ["airflow:PublishMetrics"]
    resources = ["arn:aws:airflow:${var.region}:${local.account}:environment/${local.name}"]
  }
  statement {
    sid       = "ReadDagsAndRequirements"
    actions   = ["s3:GetObject*", "s3:GetBucket*", "s3:List*"]
    resources = [local.art, "${local.art}/*"]
  }
  statement {
    sid       = "ReadRunRecordsAndPointers"
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = [local.lake, "${local.lake}/lake/*"]
  }
  statement {
    sid       = "AirflowLogs"
    actions   = ["logs:CreateLogStream", "logs:CreateLogGroup", "logs:PutLogEvents", "logs:GetLogEvents", "logs:GetLogRecord", "logs:GetLogGroupFields", "logs:GetQueryResults", "logs:DescribeLogGroups"]
    resources = ["arn:aws:logs:${var.region}:${local.account}:log-group:airflow-${local.name}-*"]
  }
  statement {
    # MWAA's Celery queue lives in an AWS-owned account: the ARN names it by prefix.
    sid       = "CeleryQueue"
    actions   = ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:SendMessage"]
    resources = ["arn:aws:sqs:${var.region}:*:airflow-celery-*"]
  }
  statement {
    sid       = "UseProjectKey"
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"]
    resources = [var.kms_key_arn]
  }
  statement {
    # RunJobFlow has no resource-level permissions; the DAG must tag what it creates.
    sid       = "CreateTaggedClusters"
    actions   = ["elasticmapreduce:RunJobFlow"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/project"
      values   = [var.project]
    }
  }
  statement {
    sid       = "DriveProjectClusters"
    actions   = ["elasticmapreduce:AddJobFlowSteps", "elasticmapreduce:DescribeCluster", "elasticmapreduce:DescribeStep", "elasticmapreduce:ListSteps", "elasticmapreduce:TerminateJobFlows", "elasticmapreduce:AddTags"]
    resources = ["arn:aws:elasticmapreduce:${var.region}:${local.account}:cluster/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/project"
      values   = [var.project]
    }
  }
  statement {
    # The EMR hook lists active clusters before every create (a retried task reuses its
    # cluster); ListClusters has no resource-level permissions, so it is held to the region.
    sid       = "FindRunClusters"
    actions   = ["elasticmapreduce:ListClusters"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [var.region]
    }
  }
  statement {
    # The DAG's failure callback alerts through the environment's topic (modules/monitoring).
    sid       = "PublishAlerts"
    actions   = ["sns:Publish"]
    resources = ["arn:aws:sns:${var.region}:${local.account}:${local.name}-alerts"]
  }
  statement {
    sid       = "PassEmrRoles"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.emr_service.arn, aws_iam_role.emr_instance.arn]
  }
  statement {
    sid       = "ReadClusterSpec"
    actions   = ["ssm:GetParameter"]
    resources = ["arn:aws:ssm:${var.region}:${local.account}:parameter/${var.project}/${var.environment}/*"]
  }
}

resource "aws_iam_role_policy" "mwaa" {
  name   = "sensorlake-orchestration"
  role   = aws_iam_role.mwaa.id
  policy = data.aws_iam_policy_document.mwaa.json
}

# ---------------------------------------------------------------- GitHub Actions (OIDC)
# deploy.yml assumes this role with GitHub's OIDC token (no long-lived keys). It only
# uploads artifacts; Terraform itself runs in Terraform Cloud with that workspace's own
# dynamic AWS credentials (docs/ci-cd.md).
data "aws_iam_policy_document" "github_assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.github_oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:${var.github_repository}:environment:${var.environment}"]
    }
  }
}

resource "aws_iam_role" "github_deploy" {
  name                 = "${local.name}-github-deploy"
  assume_role_policy   = data.aws_iam_policy_document.github_assume.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "github_deploy" {
  statement {
    sid       = "ListArtifacts"
    actions   = ["s3:ListBucket"]
    resources = [local.art]
  }
  statement {
    sid       = "UploadArtifactsAndDags"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]
    resources = ["${local.art}/engine/*", "${local.art}/dags/*", "${local.art}/spark/*", "${local.art}/mwaa/*"]
  }
  statement {
    sid       = "EncryptUploads"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt", "kms:Encrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "github_deploy" {
  name   = "upload-artifacts"
  role   = aws_iam_role.github_deploy.id
  policy = data.aws_iam_policy_document.github_deploy.json
}
