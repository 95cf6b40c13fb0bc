#!/usr/bin/env python3
"""Once per AWS account and environment, before the first deploy: what the platform's
Terraform root needs to exist before it can run (docs/infrastructure.md, "First deploy").

  1. the GitHub Actions OIDC provider (token.actions.githubusercontent.com): the platform's
     GitHub deploy role trusts it (var.github_oidc_provider_arn);
  2. the Terraform Cloud OIDC provider (app.terraform.io) and the environment's run role,
     sensorlake-<env>-terraform-cloud, trusted only by the workspace sensorlake-<env> of the
     organization: the dynamic credentials the workspace plans and applies with;
  3. the bootstrap bucket sensorlake-bootstrap-<account> (versioned, encrypted, private)
     with the EMR in-transit encryption certificates, emr/tls-certs.zip
     (var.emr_tls_certificates_s3_uri);
  4. the Terraform Cloud workspace sensorlake-<env> (tag sensorlake-platform, working
     directory infra/terraform/platform) with TFC_AWS_PROVIDER_AUTH and TFC_AWS_RUN_ROLE_ARN,
     through the Terraform Cloud API when TFE_TOKEN is set; otherwise it prints them.

Every step first looks, then creates only what is missing: a second run changes nothing.
It ends by printing the two values environments/<env>.tfvars must hold, and with
--write-tfvars puts them there. Credentials: the standard AWS chain of an administrator of
the account (AWS_ENDPOINT_URL too, which the tests point at a local emulator).

    python infra/account/bootstrap_account.py --environment staging [--region us-east-1]
        [--tfc-organization sensorlake] [--github-repository owner/name] [--write-tfvars]
        [--dry-run]
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import re
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PLATFORM = REPO / "infra" / "terraform" / "platform"
PROJECT = "sensorlake"
GITHUB_OIDC = "token.actions.githubusercontent.com"
TFC_OIDC = "app.terraform.io"
# The certificate thumbprints AWS asks for. For both issuers IAM now verifies the provider
# against its own trusted CAs and ignores them, but the API still requires one.
THUMBPRINTS = {GITHUB_OIDC: ["6938fd4d98bab03faadb97b34396831e3780aea1"],
               TFC_OIDC: ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]}
TLS_KEY = "emr/tls-certs.zip"
TFC_API = os.environ.get("TFE_ADDRESS", "https://app.terraform.io") + "/api/v2"


class Bootstrap:
    def __init__(self, environment: str, region: str, organization: str, dry_run: bool):
        import boto3

        self.env, self.region, self.org, self.dry_run = environment, region, organization, dry_run
        session = boto3.session.Session(region_name=region)
        self.iam, self.s3 = session.client("iam"), session.client("s3")
        self.account = session.client("sts").get_caller_identity()["Account"]
        self.done: list[str] = []

    def say(self, what: str, state: str) -> None:
        line = f"{state:>10}  {what}"
        self.done.append(line)
        print(line, flush=True)

    # ---------------------------------------------------------------- OIDC providers
    def oidc_provider(self, host: str, audience: str) -> str:
        arn = f"arn:aws:iam::{self.account}:oidc-provider/{host}"
        existing = {p["Arn"] for p in self.iam.list_open_id_connect_providers()[
            "OpenIDConnectProviderList"]}
        if arn in existing:
            self.say(f"OIDC provider {host}", "exists")
        elif self.dry_run:
            self.say(f"OIDC provider {host}", "would make")
        else:
            self.iam.create_open_id_connect_provider(
                Url=f"https://{host}", ClientIDList=[audience], ThumbprintList=THUMBPRINTS[host],
                Tags=[{"Key": "project", "Value": PROJECT}])
            self.say(f"OIDC provider {host}", "created")
        return arn

    # ---------------------------------------------------------------- Terraform Cloud role
    def run_role_name(self) -> str:
        return f"{PROJECT}-{self.env}-terraform-cloud"

    def run_role_trust(self, provider_arn: str) -> dict:
        """Only runs of this organization's workspace for this environment (plan and apply)."""
        return {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {f"{TFC_OIDC}:aud": "aws.workload.identity"},
                "StringLike": {f"{TFC_OIDC}:sub": f"organization:{self.org}:project:*:"
                               f"workspace:{PROJECT}-{self.env}:run_phase:*"},
            }}]}

    def run_role_policy(self) -> dict:
        """PowerUserAccess (attached) covers every service but IAM; here IAM is limited to
        what the platform names <project>-<env>-*, its service-linked roles and reading the
        GitHub OIDC provider."""
        prefix = f"{PROJECT}-{self.env}-"
        acct = self.account
        return {"Version": "2012-10-17", "Statement": [
            {"Sid": "ManageTheEnvironmentsRoles", "Effect": "Allow", "Action": "iam:*",
             "Resource": [f"arn:aws:iam::{acct}:role/{prefix}*",
                          f"arn:aws:iam::{acct}:instance-profile/{prefix}*",
                          f"arn:aws:iam::{acct}:policy/{prefix}*"]},
            {"Sid": "ServiceLinkedRoles", "Effect": "Allow",
             "Action": ["iam:CreateServiceLinkedRole", "iam:GetRole"],
             "Resource": f"arn:aws:iam::{acct}:role/aws-service-role/*"},
            {"Sid": "ReadOidcProviders", "Effect": "Allow",
             "Action": ["iam:GetOpenIDConnectProvider", "iam:ListOpenIDConnectProviders"],
             "Resource": "*"},
        ]}

    def run_role(self, provider_arn: str) -> str:
        name = self.run_role_name()
        arn = f"arn:aws:iam::{self.account}:role/{name}"
        try:
            self.iam.get_role(RoleName=name)
            state = "exists"
        except self.iam.exceptions.NoSuchEntityException:
            state = "would make" if self.dry_run else "created"
            if not self.dry_run:
                self.iam.create_role(
                    RoleName=name, MaxSessionDuration=3600,
                    AssumeRolePolicyDocument=json.dumps(self.run_role_trust(provider_arn)),
                    Description=f"Terraform Cloud runs of workspace {PROJECT}-{self.env}",
                    Tags=[{"Key": "project", "Value": PROJECT},
                          {"Key": "environment", "Value": self.env}])
        if not self.dry_run:
            # Kept current on every run: a later change here reaches existing accounts.
            self.iam.update_assume_role_policy(
                RoleName=name, PolicyDocument=json.dumps(self.run_role_trust(provider_arn)))
            self.iam.attach_role_policy(RoleName=name,
                                        PolicyArn="arn:aws:iam::aws:policy/PowerUserAccess")
            self.iam.put_role_policy(RoleName=name, PolicyName="platform-iam",
                                     PolicyDocument=json.dumps(self.run_role_policy()))
        self.say(f"Terraform Cloud run role {arn}", state)
        return arn

    # ---------------------------------------------------------------- bucket and certificates
    def bucket_name(self) -> str:
        return f"{PROJECT}-bootstrap-{self.account}"

    def bootstrap_bucket(self) -> str:
        name = self.bucket_name()
        try:
            self.s3.head_bucket(Bucket=name)
            self.say(f"bucket s3://{name}", "exists")
            return name
        except self.s3.exceptions.ClientError as e:
            if e.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
                raise
        if self.dry_run:
            self.say(f"bucket s3://{name}", "would make")
            return name
        create = {"Bucket": name}
        if self.region != "us-east-1":
            create["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        self.s3.create_bucket(**create)
        self.s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
        self.s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        self.s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})
        self.say(f"bucket s3://{name}", "created")
        return name

    def tls_certificates(self, bucket: str) -> str:
        uri = f"s3://{bucket}/{TLS_KEY}"
        try:
            self.s3.head_object(Bucket=bucket, Key=TLS_KEY)
            self.say(f"EMR TLS certificates {uri}", "exists")
            return uri
        except self.s3.exceptions.ClientError as e:
            if e.response["Error"]["Code"] not in ("404", "NoSuchKey", "NoSuchBucket"):
                raise
        if self.dry_run:
            self.say(f"EMR TLS certificates {uri}", "would make")
            return uri
        self.s3.put_object(Bucket=bucket, Key=TLS_KEY, Body=emr_tls_zip(self.region))
        self.say(f"EMR TLS certificates {uri}", "created")
        return uri

    # ---------------------------------------------------------------- Terraform Cloud
    def workspace(self, role_arn: str, token: str | None) -> None:
        name = f"{PROJECT}-{self.env}"
        variables = {"TFC_AWS_PROVIDER_AUTH": "true", "TFC_AWS_RUN_ROLE_ARN": role_arn}
        if not token:
            self.say(f"Terraform Cloud workspace {self.org}/{name}: TFE_TOKEN is not set; create "
                     "it with tag sensorlake-platform, working directory "
                     f"infra/terraform/platform and env vars {variables}", "by hand")
            return
        if self.dry_run:
            self.say(f"Terraform Cloud workspace {self.org}/{name}", "would check")
            return
        api = TerraformCloud(token)
        found = api.get(f"/organizations/{self.org}/workspaces/{name}")
        if found is None:
            found = api.send("POST", f"/organizations/{self.org}/workspaces",
                             workspace_payload(name))
            self.say(f"Terraform Cloud workspace {self.org}/{name}", "created")
        else:
            self.say(f"Terraform Cloud workspace {self.org}/{name}", "exists")
        ws = found["data"]["id"]
        current = {v["attributes"]["key"]: v for v in api.get(f"/workspaces/{ws}/vars")["data"]}
        for key, value in variables.items():
            if key not in current:
                api.send("POST", f"/workspaces/{ws}/vars", variable_payload(key, value))
            elif current[key]["attributes"]["value"] != value:
                api.send("PATCH", f"/workspaces/{ws}/vars/{current[key]['id']}",
                         variable_payload(key, value))
        self.say(f"Terraform Cloud variables {sorted(variables)}", "set")


def workspace_payload(name: str) -> dict:
    """A CLI-driven workspace (deploy-environment.yml runs terraform with the cloud block)
    that the platform's `workspaces { tags = [...] }` selects."""
    return {"data": {"type": "workspaces", "attributes": {
        "name": name, "execution-mode": "remote", "auto-apply": False,
        "working-directory": "infra/terraform/platform", "tag-names": ["sensorlake-platform"],
        "terraform-version": "~> 1.9"}}}


def variable_payload(key: str, value: str) -> dict:
    return {"data": {"type": "vars", "attributes": {
        "key": key, "value": value, "category": "env", "hcl": False, "sensitive": False}}}


class TerraformCloud:
    def __init__(self, token: str):
        self.token = token

    def _request(self, method: str, path: str, body: dict | None = None):
        req = urllib.request.Request(
            TFC_API + path, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}",
                     "Content-Type": "application/vnd.api+json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"{}")

    def get(self, path: str):
        try:
            return self._request("GET", path)
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise

    def send(self, method: str, path: str, body: dict):
        return self._request(method, path, body)


def emr_tls_zip(region: str) -> bytes:
    """The zip EMR's PEM certificate provider reads: privateKey.pem, certificateChain.pem and
    trustedCertificates.pem, for the nodes' internal DNS names (a self-signed certificate:
    in-transit encryption between the cluster's own nodes)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    domain = "*.ec2.internal" if region == "us-east-1" else f"*.{region}.compute.internal"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, PROJECT)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=825))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("privateKey.pem", key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption()))
        z.writestr("certificateChain.pem", pem)
        z.writestr("trustedCertificates.pem", pem)
    return buf.getvalue()


def tfvars_values(github_provider_arn: str, tls_uri: str) -> dict[str, str]:
    return {"github_oidc_provider_arn": github_provider_arn,
            "emr_tls_certificates_s3_uri": tls_uri}


def write_tfvars(path: Path, values: dict[str, str]) -> list[str]:
    """Sets each `name = "value"` line of the .tfvars file; returns the names it changed."""
    text, changed = path.read_text(), []
    for name, value in values.items():
        pattern = re.compile(rf'^({re.escape(name)}\s*=\s*)"[^"]*"', re.M)
        if not pattern.search(text):
            raise SystemExit(f"bootstrap: {path} has no {name} line")
        new = pattern.sub(lambda m: f'{m.group(1)}"{value}"', text)
        if new != text:
            changed.append(name)
        text = new
    path.write_text(text)
    return changed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--environment", required=True, choices=["dev", "staging", "prod"])
    ap.add_argument("--region", default=None, help="default: the environment's .tfvars region")
    ap.add_argument("--tfc-organization", default="sensorlake")
    ap.add_argument("--write-tfvars", action="store_true",
                    help="put the values into infra/terraform/platform/environments/<env>.tfvars")
    ap.add_argument("--dry-run", action="store_true", help="look only; create nothing")
    a = ap.parse_args(argv)
    tfvars = PLATFORM / "environments" / f"{a.environment}.tfvars"
    region = a.region or re.search(r'^region\s*=\s*"([^"]+)"', tfvars.read_text(), re.M).group(1)

    b = Bootstrap(a.environment, region, a.tfc_organization, a.dry_run)
    print(f"bootstrap: account {b.account}, region {region}, environment {a.environment}"
          f"{' (dry run)' if a.dry_run else ''}", flush=True)
    github = b.oidc_provider(GITHUB_OIDC, "sts.amazonaws.com")
    tfc = b.oidc_provider(TFC_OIDC, "aws.workload.identity")
    role = b.run_role(tfc)
    tls = b.tls_certificates(b.bootstrap_bucket())
    b.workspace(role, os.environ.get("TFE_TOKEN"))

    values = tfvars_values(github, tls)
    print(f"\n{tfvars.relative_to(REPO)} must hold:")
    for name, value in values.items():
        print(f'  {name} = "{value}"')
    if a.write_tfvars and not a.dry_run:
        changed = write_tfvars(tfvars, values)
        print(f"written: {', '.join(changed) if changed else 'nothing (already current)'}")
    made = sum(1 for line in b.done if "created" in line)
    print(f"bootstrap: done, {made} created, {len(b.done) - made} already there or by hand")
    return 0


if __name__ == "__main__":
    sys.exit(main())
