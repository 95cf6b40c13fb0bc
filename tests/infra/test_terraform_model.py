"""tests/infra/terraform_model.py: the evaluator the production-path test takes every name
from. Small configurations with known answers, then the platform itself for every
environment."""

import json

import pytest

from terraform_model import Module, TerraformModelError, model, Context

ENVIRONMENTS = ["dev", "staging", "prod"]
ACCOUNT = "123456789012"


def evaluate(tmp_path, text: str, inputs=None) -> Module:
    (tmp_path / "main.tf").write_text(text)
    return Module(tmp_path, "", inputs or {}, Context(ACCOUNT, "eu-west-1", "default"))


def test_expressions_evaluate_as_terraform_does(tmp_path):
    m = evaluate(tmp_path, r'''
variable "env" { default = "dev" }
variable "zones" { default = ["a", "b", "c"] }
locals {
  name     = "p-${var.env}"
  typed    = "${length(var.zones)}"
  escaped  = "$${not} \"q\" %%{x}"
  upper    = [for z in var.zones : upper(z) if z != "b"]
  by_key   = { for i, z in var.zones : z => i }
  pick     = var.env == "prod" ? 3 : -1
  math     = 7 % 3 + floor(5 / 2) * 2
  merged   = merge({ a = 1 }, { b = 2, "c-d" = 3 })
  subnet   = cidrsubnet("10.0.0.0/16", 4, 2)
  doc      = jsonencode({ K = [for z in slice(var.zones, 0, 2) : { Z = z }] })
}
''')
    assert m.local("name") == "p-dev"
    assert m.local("typed") == 3  # a lone interpolation keeps its type
    assert m.local("escaped") == '${not} "q" %{x}'
    assert m.local("upper") == ["A", "C"]
    assert m.local("by_key") == {"a": 0, "b": 1, "c": 2}
    assert m.local("pick") == -1
    assert m.local("math") == 5
    assert m.local("merged") == {"a": 1, "b": 2, "c-d": 3}
    assert m.local("subnet") == "10.0.32.0/20"
    assert json.loads(m.local("doc")) == {"K": [{"Z": "a"}, {"Z": "b"}]}


def test_count_for_each_splat_dynamic_blocks_and_computed_attributes(tmp_path):
    m = evaluate(tmp_path, '''
variable "n" { default = 2 }
resource "aws_subnet" "s" {
  count      = var.n
  cidr_block = "10.0.${count.index}.0/24"
}
resource "aws_sns_topic" "t" {
  for_each = toset(["x", "y"])
  name     = "topic-${each.key}"
}
resource "aws_iam_role" "r" {
  name = "role"
}
data "aws_iam_policy_document" "d" {
  statement {
    actions   = ["sns:Publish"]
    resources = [for k, t in aws_sns_topic.t : t.arn]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = ["eu-west-1"]
    }
  }
  dynamic "statement" {
    for_each = var.n > 1 ? [aws_iam_role.r.arn] : []
    content {
      sid       = "Pass"
      actions   = ["iam:PassRole"]
      resources = [statement.value]
    }
  }
}
locals {
  ids = aws_subnet.s[*].id
}
''')
    ids = m.local("ids")
    assert len(ids) == 2 and all(i.startswith("subnet-") for i in ids) and ids[0] != ids[1]
    doc = json.loads(m.resource("data", "aws_iam_policy_document", "d").get("json"))
    first, second = doc["Statement"]
    assert first == {"Effect": "Allow", "Action": "sns:Publish",
                     "Resource": ["arn:aws:sns:eu-west-1:123456789012:topic-x",
                                  "arn:aws:sns:eu-west-1:123456789012:topic-y"],
                     "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}
    assert second == {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole",
                      "Resource": "arn:aws:iam::123456789012:role/role"}
    # What a provider computes and this evaluator does not know stays visibly unknown.
    assert m.resource("resource", "aws_iam_role", "r").get("unique_id") == \
        "(known after apply: aws_iam_role.r.unique_id)"


def test_what_is_not_modelled_fails_naming_the_file(tmp_path):
    m = evaluate(tmp_path, 'locals {\n  x = timestamp()\n  y = var.missing\n}\n')
    with pytest.raises(TerraformModelError, match=r"main\.tf.*timestamp\(\) is not modelled"):
        m.local("x")
    with pytest.raises(TerraformModelError, match="no variable missing"):
        m.local("y")
    with pytest.raises(TerraformModelError, match="no variable declared for"):
        Module(tmp_path, "", {"nope": 1}, Context(ACCOUNT, "eu-west-1", "default"))


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_platform_evaluates_for_every_environment(env):
    m = model(env, ACCOUNT, {"engine_version": "abc123"})
    outputs = m["outputs"]
    assert outputs["buckets"]["artifacts"] == f"sensorlake-{env}-{ACCOUNT}-artifacts"
    assert outputs["lake_uri"] == f"s3://sensorlake-{env}-{ACCOUNT}-curated/lake"
    assert outputs["github_deploy_role_arn"] == \
        f"arn:aws:iam::{ACCOUNT}:role/sensorlake-{env}-github-deploy"
    resources = m["resources"]
    spec = json.loads(resources["module.emr.aws_ssm_parameter.job_flow"]["values"]["value"])
    assert spec["ServiceRole"] == f"arn:aws:iam::{ACCOUNT}:role/sensorlake-{env}-emr-service"
    assert spec["BootstrapActions"][0]["ScriptBootstrapAction"]["Args"] == [
        f"s3://sensorlake-{env}-{ACCOUNT}-artifacts/engine/abc123/"
        "sensorlake-linux-x86_64.tar.gz", "abc123"]
    assert len(spec["Instances"]["Ec2SubnetIds"]) >= 2
    # Everything the runtime path reads is known before apply.
    for r in resources.values():
        if r["type"] in ("aws_ssm_parameter", "aws_iam_role_policy", "aws_iam_role",
                         "aws_mwaa_environment"):
            values = {k: v for k, v in r["values"].items()
                      if k != "requirements_s3_object_version"}  # S3's version id
            assert "(known after apply" not in json.dumps(values), r
