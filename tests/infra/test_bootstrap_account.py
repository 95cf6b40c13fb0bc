"""infra/account/bootstrap_account.py against moto's server on 127.0.0.1: what an account's
first deploy needs is made once, fits the platform's variables, and a second run changes
nothing. (The Terraform Cloud API part cannot be reached here: its payloads are checked
against the platform's cloud block, the call itself only on a real organization.)"""

import importlib.util
import io
import json
import os
import re
import socket
import subprocess
import sys
import zipfile

import boto3
import pytest

from terraform_model import model
from test_infra import PLATFORM, TF, load

SCRIPT = TF.parents[1] / "infra" / "account" / "bootstrap_account.py"
ADMIN = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _module():
    spec = importlib.util.spec_from_file_location("bootstrap_account", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def emulator():
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    saved = os.environ.get("MOTO_IAM_LOAD_MANAGED_POLICIES")
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"  # PowerUserAccess is attached
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        if saved is None:
            os.environ.pop("MOTO_IAM_LOAD_MANAGED_POLICIES", None)
        else:
            os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = saved


@pytest.fixture
def aws(emulator):
    import requests

    requests.post(f"{emulator}/moto-api/reset", timeout=10)
    return emulator


def bootstrap(endpoint, *args):
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    env.pop("TFE_TOKEN", None)
    proc = subprocess.run([sys.executable, str(SCRIPT), "--environment", "staging", *args],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def printed_values(out: str) -> dict:
    return dict(re.findall(r'^  (\w+) = "([^"]+)"$', out, re.M))


def client(endpoint, service):
    return boto3.client(service, region_name="us-east-1", endpoint_url=endpoint, **ADMIN)


def test_the_first_run_makes_what_the_platform_needs_and_the_second_nothing(aws):
    out = bootstrap(aws)
    assert "bootstrap: done, 5 created" in out, out
    values = printed_values(out)
    account = client(aws, "sts").get_caller_identity()["Account"]
    iam = client(aws, "iam")
    providers = {p["Arn"] for p in iam.list_open_id_connect_providers()[
        "OpenIDConnectProviderList"]}
    prefix = f"arn:aws:iam::{account}:oidc-provider/"
    assert providers == {prefix + "token.actions.githubusercontent.com",
                         prefix + "app.terraform.io"}
    assert values["github_oidc_provider_arn"] in providers

    # The run role: trusted by the organization's workspace of this environment only.
    cloud = load(PLATFORM)["terraform"][0]["cloud"][0]
    role = iam.get_role(RoleName="sensorlake-staging-terraform-cloud")["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    (st,) = trust["Statement"]
    assert st["Principal"]["Federated"] == f"arn:aws:iam::{account}:oidc-provider/app.terraform.io"
    assert st["Condition"]["StringLike"]["app.terraform.io:sub"] == (
        f"organization:{cloud['organization']}:project:*:workspace:sensorlake-staging:run_phase:*")
    attached = [p["PolicyName"] for p in iam.list_attached_role_policies(
        RoleName=role["RoleName"])["AttachedPolicies"]]
    assert attached == ["PowerUserAccess"]

    # The certificates EMR's PEM provider reads, a key that matches its certificate.
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    bucket, key = values["emr_tls_certificates_s3_uri"][5:].split("/", 1)
    assert bucket == f"sensorlake-bootstrap-{account}"
    blob = client(aws, "s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        assert sorted(z.namelist()) == ["certificateChain.pem", "privateKey.pem",
                                        "trustedCertificates.pem"]
        cert = x509.load_pem_x509_certificate(z.read("certificateChain.pem"))
        private = serialization.load_pem_private_key(z.read("privateKey.pem"), None)
    assert cert.public_key().public_numbers() == private.public_key().public_numbers()
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["*.ec2.internal"]

    # Without a Terraform Cloud token the workspace is named, with its variables, for a person.
    assert "TFE_TOKEN is not set" in out and role["Arn"] in out

    again = bootstrap(aws)
    assert "bootstrap: done, 0 created" in again, again
    assert printed_values(again) == values


def test_the_printed_values_are_what_the_platform_reads(aws):
    values = printed_values(bootstrap(aws))
    m = model("staging", "123456789012", {"engine_version": "abc", **values})
    res = m["resources"]
    trust = json.loads(res["module.iam.data.aws_iam_policy_document.github_assume"]["values"]
                       ["json"])
    assert trust["Statement"][0]["Principal"]["Federated"] == values["github_oidc_provider_arn"]
    config = json.loads(res["module.emr.aws_emr_security_configuration.this"]["values"]
                        ["configuration"])
    tls = config["EncryptionConfiguration"]["InTransitEncryptionConfiguration"]
    assert tls["TLSCertificateConfiguration"]["S3Object"] == values["emr_tls_certificates_s3_uri"]


def test_write_tfvars_sets_both_values_and_keeps_the_rest(tmp_path):
    mod = _module()
    tfvars = tmp_path / "staging.tfvars"
    original = (PLATFORM / "environments" / "staging.tfvars").read_text()
    tfvars.write_text(original)
    values = mod.tfvars_values("arn:aws:iam::333333333333:oidc-provider/x",
                               "s3://sensorlake-bootstrap-333333333333/emr/tls-certs.zip")
    assert mod.write_tfvars(tfvars, values) == list(values)
    text = tfvars.read_text()
    assert 'github_oidc_provider_arn     = "arn:aws:iam::333333333333:oidc-provider/x"' in text
    assert text.count("\n") == original.count("\n")
    assert mod.write_tfvars(tfvars, values) == []


def test_a_dry_run_creates_nothing(aws):
    out = bootstrap(aws, "--dry-run")
    assert "would make" in out and "0 created" in out
    assert client(aws, "iam").list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
    assert client(aws, "s3").list_buckets()["Buckets"] == []


def test_the_workspace_payload_is_what_the_cloud_block_selects():
    mod = _module()
    cloud = load(PLATFORM)["terraform"][0]["cloud"][0]
    attrs = mod.workspace_payload("sensorlake-staging")["data"]["attributes"]
    assert attrs["tag-names"] == cloud["workspaces"][0]["tags"]
    assert (TF.parents[1] / attrs["working-directory"]) == PLATFORM
    deploy = (TF.parents[1] / ".github" / "workflows" / "deploy-environment.yml").read_text()
    assert "TF_WORKSPACE: sensorlake-${{ inputs.environment }}" in deploy
