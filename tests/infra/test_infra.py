"""The invariants of infra/terraform (docs/infrastructure.md), read from the HCL itself
with python-hcl2 for every environment: nothing here needs providers or AWS."""

import json
import re
from pathlib import Path

import hcl2
import pytest

TF = Path(__file__).resolve().parents[2] / "infra" / "terraform"
PLATFORM = TF / "platform"  # the one root of the platform; environments are its .tfvars
ENVIRONMENTS = ["dev", "staging", "prod"]


def _unquote(v):
    if isinstance(v, str) and len(v) >= 2 and v[0] == v[-1] == '"':
        return v[1:-1]
    if isinstance(v, dict):
        return {_unquote(k): _unquote(x) for k, x in v.items() if k != "__is_block__"}
    if isinstance(v, list):
        return [_unquote(x) for x in v]
    return v


def load(directory):
    """All .tf files of a folder merged: {"resource": [...], "module": [...], ...}."""
    merged = {}
    for f in sorted(Path(directory).glob("*.tf")):
        for key, blocks in _unquote(hcl2.loads(f.read_text())).items():
            merged.setdefault(key, []).extend(blocks)
    return merged


def resources(conf, rtype):
    out = {}
    for block in conf.get("resource", []):
        for name, body in block.get(rtype, {}).items():
            out[name] = body
    return out


def modules(conf):
    return {name: body for block in conf.get("module", []) for name, body in block.items()}


def local(conf, key):
    for block in conf.get("locals", []):
        if key in block:
            return block[key]
    raise KeyError(key)


def tfvars(env):
    return _unquote(hcl2.loads((PLATFORM / "environments" / f"{env}.tfvars").read_text()))


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def env(request):
    return request.param


def test_environment_uses_its_own_terraform_cloud_workspace(env):
    """One root; the deploy picks the environment's workspace and values, and the root
    refuses a workspace that is not the values' environment."""
    conf = load(PLATFORM)
    cloud = conf["terraform"][0]["cloud"][0]
    assert cloud["organization"] == "sensorlake"
    assert cloud["workspaces"][0]["tags"] == ["sensorlake-platform"]
    assert tfvars(env)["environment"] == env
    deploy = (TF.parents[1] / ".github" / "workflows" / "deploy-environment.yml").read_text()
    assert "TF_DIR: infra/terraform/platform" in deploy
    assert "TF_WORKSPACE: sensorlake-${{ inputs.environment }}" in deploy
    assert "ENV_VALUES: environments/${{ inputs.environment }}.tfvars" in deploy
    assert '-var-file="$ENV_VALUES"' in deploy
    guard = resources(conf, "terraform_data")["workspace_matches_environment"]
    condition = guard["lifecycle"][0]["precondition"][0]["condition"]
    assert "sensorlake-${var.environment}" in condition and "terraform.workspace" in condition


def test_the_engine_version_comes_from_the_deploy_only(env):
    """A .tfvars value (or any *.auto.tfvars) would override TF_VAR_engine_version, the
    commit the deploy uploaded, and the cluster would install another engine."""
    assert "engine_version" not in tfvars(env)
    assert not list(PLATFORM.rglob("*.auto.tfvars"))
    deploy = (TF.parents[1] / ".github" / "workflows" / "deploy-environment.yml").read_text()
    assert "TF_VAR_engine_version: ${{ github.sha }}" in deploy


def test_one_platform_root_wires_every_module():
    mods = modules(load(PLATFORM))
    assert set(mods) == {"network", "storage", "iam", "emr", "mwaa", "monitoring", "analytics"}
    for name, body in mods.items():
        assert body["source"] == f"../modules/{name}"
    # Terraform roots: the platform and the GitHub settings, nothing copied per environment.
    roots = sorted(str(d.relative_to(TF)) for d in TF.rglob("*")
                   if d.is_dir() and list(d.glob("*.tf")) and "modules" not in d.parts)
    assert roots == ["github", "platform"]


def test_every_bucket_is_encrypted_versioned_private_and_has_lifecycle_rules():
    # The only S3 bucket resource of the tree is the storage module's bucket submodule, and
    # every bucket is an instance of it: its settings below hold for each one.
    for d in _all_module_dirs():
        if d != TF / "modules" / "storage" / "bucket":
            assert not resources(load(d), "aws_s3_bucket"), d
    storage = load(TF / "modules" / "storage")
    buckets = {n: b for n, b in modules(storage).items() if b["source"] == "./bucket"}
    assert set(buckets) == {"raw", "curated", "logs", "artifacts", "athena_results"}
    for name, b in buckets.items():
        days = b["noncurrent_version_days"]
        assert (isinstance(days, int) and days > 0) or days.startswith("${var."), name
        if name != "logs":  # S3 access-log delivery needs SSE-S3 on its target
            assert b["kms_key_arn"] == "${aws_kms_key.this.arn}", name
            assert b["access_log_bucket"] == "${module.logs.name}", name

    bucket = load(TF / "modules" / "storage" / "bucket")
    assert len(resources(bucket, "aws_s3_bucket")) == 1
    sse = resources(bucket, "aws_s3_bucket_server_side_encryption_configuration")["this"]
    algo = sse["rule"][0]["apply_server_side_encryption_by_default"][0]["sse_algorithm"]
    assert "aws:kms" in algo and "AES256" in algo
    ver = resources(bucket, "aws_s3_bucket_versioning")["this"]
    assert ver["versioning_configuration"][0]["status"] == "Enabled"
    pab = resources(bucket, "aws_s3_bucket_public_access_block")["this"]
    for k in ["block_public_acls", "block_public_policy", "ignore_public_acls",
              "restrict_public_buckets"]:
        assert pab[k] is True, k
    lifecycle = resources(bucket, "aws_s3_bucket_lifecycle_configuration")["this"]
    rules = {r["id"]: r for r in lifecycle["rule"]}
    assert rules["abort-incomplete-uploads"]["status"] == "Enabled"
    assert rules["expire-noncurrent-versions"]["status"] == "Enabled"
    assert {"transition-to-infrequent-access", "expire-current-versions"} <= set(rules)
    own = resources(bucket, "aws_s3_bucket_ownership_controls")["this"]
    assert own["rule"][0]["object_ownership"] == "BucketOwnerEnforced"
    assert "aws:SecureTransport" in (TF / "modules" / "storage" / "bucket" / "main.tf").read_text()

    kms = resources(storage, "aws_kms_key")["this"]
    assert kms["enable_key_rotation"] is True


def _all_module_dirs():
    return [p for p in (TF / "modules").rglob("*") if p.is_dir()] + [TF / "github"]


def _statements(conf):
    for block in conf.get("data", []):
        for name, doc in block.get("aws_iam_policy_document", {}).items():
            for st in doc.get("statement", []):
                yield name, st


def _as_list(v):
    return v if isinstance(v, list) else [v]


def test_no_iam_statement_allows_every_action_on_every_resource():
    dirs = _all_module_dirs()
    seen = 0
    for d in dirs:
        conf = load(d)
        for name, st in _statements(conf):
            seen += 1
            if st.get("effect") == "Deny":
                continue
            actions = _as_list(st.get("actions", []))
            res = _as_list(st.get("resources", []))
            assert "*" not in actions, (d.name, name, st.get("sid"))
            assert not any(a.endswith(":*") for a in actions), (d.name, name, st.get("sid"))
            if "*" in res:
                # only actions AWS cannot scope by resource, and always with a condition
                assert st.get("condition"), (d.name, name, st.get("sid"))
    assert seen > 20
    # inline JSON policies (the KMS key policy) have no Action "*" either
    for tf in (TF / "modules").rglob("*.tf"):
        text = tf.read_text()
        assert not re.search(r'Action\s*=\s*"\*"', text), tf
        assert not re.search(r'"Action"\s*:\s*"\*"', text), tf


def test_no_security_group_accepts_traffic_from_the_internet():
    """Every security group of the tree is in the network module; none has inline rules;
    every ingress rule names a source security group (no CIDR, IPv4 or IPv6, no prefix
    list); egress to anywhere is HTTPS only."""
    for d in _all_module_dirs():
        if d != TF / "modules" / "network":
            conf = load(d)
            for rtype in ("aws_security_group", "aws_default_security_group",
                          "aws_vpc_security_group_ingress_rule", "aws_security_group_rule"):
                assert not resources(conf, rtype), (d, rtype)
    conf = load(TF / "modules" / "network")
    groups = {**resources(conf, "aws_security_group"),
              **resources(conf, "aws_default_security_group")}
    assert set(groups) == {"emr_primary", "emr_core", "emr_service", "mwaa", "default"}
    for name, group in groups.items():
        assert "ingress" not in group and "egress" not in group, name
    ingress = resources(conf, "aws_vpc_security_group_ingress_rule")
    assert ingress
    for name, rule in ingress.items():
        assert not {"cidr_ipv4", "cidr_ipv6", "prefix_list_id"} & set(rule), name
        assert rule["referenced_security_group_id"].startswith("${aws_security_group."), name
        assert rule.get("description"), name
    for name, rule in resources(conf, "aws_vpc_security_group_egress_rule").items():
        assert rule.get("description"), name
        assert "cidr_ipv6" not in rule, name
        if rule.get("cidr_ipv4") == "0.0.0.0/0":
            assert (rule["from_port"], rule["to_port"]) == (443, 443), name
    assert "aws_security_group_rule" not in json.dumps(conf)


def test_long_running_emr_cluster_has_spot_task_fleet_managed_scaling_bootstrap_and_logs(env):
    """The optional standing cluster (long_running_cluster = true): a spot-only task fleet
    and managed scaling attached to it, the bootstrap action, the log URI and a security
    configuration; the environment's capacity variables reach the module and are coherent."""
    conf = load(TF / "modules" / "emr")
    task = resources(conf, "aws_emr_instance_fleet")["task"]
    assert task["cluster_id"] == "${aws_emr_cluster.this[0].id}"
    assert task["target_on_demand_capacity"] == 0
    assert task["target_spot_capacity"] == "${local.task_spot_capacity}"
    assert local(conf, "task_spot_capacity") == "${var.task_spot_units}"
    scaling = resources(conf, "aws_emr_managed_scaling_policy")["this"]
    assert scaling["cluster_id"] == "${aws_emr_cluster.this[0].id}"
    assert scaling["compute_limits"][0]["unit_type"] == "InstanceFleetUnits"
    cluster = resources(conf, "aws_emr_cluster")["this"]
    assert cluster["bootstrap_action"][0]["name"] == "install-sensorlake"
    assert cluster["log_uri"] == "${local.log_uri}"
    assert cluster["security_configuration"]
    emr = modules(load(PLATFORM))["emr"]
    assert emr["task_spot_units"] == "${var.emr_task_spot_units}"
    v = tfvars(env)
    assert v["emr_task_spot_units"] >= 1
    assert v["emr_min_capacity_units"] <= v["emr_max_capacity_units"]
    assert v["emr_max_on_demand_units"] < v["emr_max_capacity_units"]


def test_terraform_emr_job_flow_ssm_parameter_has_spot_task_fleet_and_managed_scaling():
    """Terraform's EMR job-flow SSM parameter (/<project>/<env>/emr/job-flow), a RunJobFlow
    request, asks for a TASK fleet on spot capacity only and for managed scaling. This is
    about the parameter's value only: the DAG does not read this parameter today (a separate
    open issue), so nothing here says what the DAG's transient clusters get."""
    conf = load(TF / "modules" / "emr")
    param = resources(conf, "aws_ssm_parameter")["job_flow"]
    assert param["name"] == "/${var.project}/${var.environment}/emr/job-flow"
    spec = param["value"]
    assert spec.startswith("${jsonencode(")
    fleets = re.findall(r'\{InstanceFleetType = "([A-Z]+)", ([^{}]*)', spec)
    assert [kind for kind, _ in fleets] == ["MASTER", "CORE", "TASK"]
    task = dict(kv.split(" = ", 1) for kv in fleets[2][1].rstrip(", ").split(", "))
    assert task["TargetOnDemandCapacity"] == "0"
    assert task["TargetSpotCapacity"] == "local.task_spot_capacity"
    assert local(conf, "task_spot_capacity") == "${var.task_spot_units}"
    assert re.search(r'SpotSpecification = \{AllocationStrategy = "capacity-optimized"', spec)
    assert re.search(r"ManagedScalingPolicy = \{ComputeLimits = \{UnitType = "
                     r'"InstanceFleetUnits", MinimumCapacityUnits = var.min_capacity_units, '
                     r"MaximumCapacityUnits = var.max_capacity_units, ", spec)


def test_alarms_for_failure_quality_gate_and_duration_anomaly(env):
    conf = load(TF / "modules" / "monitoring")
    alarms = resources(conf, "aws_cloudwatch_metric_alarm")
    assert alarms["run_failed"]["metric_name"] == "sensorlake.run.failed"
    assert alarms["quality_gate_failed"]["metric_name"] == "sensorlake.quality.gate_failed"
    anomaly = alarms["duration_anomaly"]
    assert anomaly["comparison_operator"] == "GreaterThanUpperThreshold"
    assert "ANOMALY_DETECTION_BAND" in json.dumps(anomaly)
    assert "sensorlake.run.duration_seconds" in json.dumps(anomaly)
    for a in alarms.values():
        assert a["alarm_actions"] == ["${aws_sns_topic.alerts.arn}"]
    # every metric an alarm uses is in the documented list
    names = set(local(conf, "engine_metrics"))
    assert {"sensorlake.run.failed", "sensorlake.quality.gate_failed",
            "sensorlake.run.duration_seconds", "sensorlake.transform.rows",
            "sensorlake.transform.quarantined"} <= names
    assert tfvars(env)["log_retention_days"] >= 365


def test_glue_database_for_the_iceberg_tables_and_athena_v3_workgroup_no_per_version_tables():
    """Terraform makes the database (encrypted) and the Athena workgroup; the engine
    registers and advances the Iceberg tables in it (docs/tables.md), so no Terraform
    code declares a Glue table or a version for one."""
    conf = load(TF / "modules" / "analytics")
    types = {t for block in conf.get("resource", []) for t in block}
    assert types == {"aws_glue_catalog_database", "aws_glue_data_catalog_encryption_settings",
                     "aws_athena_workgroup"}, types
    for tf in TF.rglob("*.tf"):
        text = tf.read_text()
        assert "aws_glue_catalog_table" not in text, tf
        assert not re.search(r"\b(curated|features)_version\b", text), tf
    variables = {k for block in conf.get("variable", []) for k in block}
    assert not variables & {"curated_version", "features_version", "lake_bucket"}, variables
    assert "lake_bucket" not in modules(load(PLATFORM))["analytics"]
    header = (TF / "modules" / "analytics" / "main.tf").read_text().split("\n\n", 1)[0]
    assert "ignore" not in header and "Iceberg" in header and "publish" in header, header
    at_rest = resources(conf, "aws_glue_data_catalog_encryption_settings")["this"][
        "data_catalog_encryption_settings"][0]["encryption_at_rest"][0]
    assert at_rest["catalog_encryption_mode"] == "SSE-KMS"
    assert at_rest["sse_aws_kms_key_id"] == "${var.kms_key_arn}"
    wg = resources(conf, "aws_athena_workgroup")["this"]["configuration"][0]
    assert wg["enforce_workgroup_configuration"] is True
    assert wg["engine_version"][0]["selected_engine_version"] == "Athena engine version 3"
    encryption = wg["result_configuration"][0]["encryption_configuration"][0]
    assert encryption["encryption_option"] == "SSE_KMS"


GLUE_COMMITS = {"glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable",
                "glue:UpdateTable"}


def test_the_engine_role_commits_iceberg_tables_in_exactly_this_glue_database():
    """The roles as Terraform plans them (evaluated): only the EMR instance role, which runs
    the engine's check and publish, holds Glue grants: pyiceberg's Glue catalog calls on
    the catalog, the analytics database and its tables, and nothing else (no
    CreateDatabase, no other database). The Iceberg metadata it writes lies under the
    lake's tables/ prefix, which its S3 statement covers, and the DAG's catalog option
    names the same database."""
    from terraform_model import model

    m = model("staging", "123456789012", {"engine_version": "abc123"})
    region, acct = m["region"], m["account"]
    db = m["resources"]["module.analytics.aws_glue_catalog_database.this"]["values"]["name"]
    glue = {}
    s3_lake = {}
    for r in m["resources"].values():
        if r["type"] != "aws_iam_role_policy":
            continue
        for st in json.loads(r["values"]["policy"])["Statement"]:
            actions = set(_as_list(st["Action"]))
            if any(a.startswith("glue:") for a in actions):
                glue.setdefault(r["values"]["role"], []).append(st)
            if st.get("Sid") == "ReadWriteLake":
                s3_lake[r["values"]["role"]] = st
    assert set(glue) == {"sensorlake-staging-emr-instance"}, glue
    (st,) = glue["sensorlake-staging-emr-instance"]
    assert st["Effect"] == "Allow" and set(_as_list(st["Action"])) == GLUE_COMMITS, st
    assert set(_as_list(st["Resource"])) == {
        f"arn:aws:glue:{region}:{acct}:catalog",
        f"arn:aws:glue:{region}:{acct}:database/{db}",
        f"arn:aws:glue:{region}:{acct}:table/{db}/*"}, st
    options = m["resources"]["module.mwaa.aws_mwaa_environment.this"]["values"][
        "airflow_configuration_options"]
    assert options["sensorlake.catalog"] == f"glue://{db}"
    lake = options["sensorlake.lake_uri"]  # s3://<bucket>/lake: the tables' metadata below
    lake_st = s3_lake["sensorlake-staging-emr-instance"]
    assert {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"} <= set(_as_list(lake_st["Action"]))
    tables_prefix = "arn:aws:s3:::" + lake[len("s3://"):] + "/tables/sensor_readings/metadata/"
    assert any(tables_prefix.startswith(res.rstrip("*"))
               for res in _as_list(lake_st["Resource"])), lake_st


def test_branch_protection_requires_the_ci_jobs_and_a_review():
    conf = load(TF / "github")
    bp = resources(conf, "github_branch_protection")["main"]
    assert bp["required_pull_request_reviews"][0]["required_approving_review_count"] >= 1
    checks = local(conf, "required_checks")
    ci = (Path(TF).parents[1] / ".github" / "workflows" / "ci.yml").read_text()
    jobs = re.findall(r"^  ([a-z0-9-]+):\s*$", ci.split("\njobs:\n", 1)[1], re.M)
    assert sorted(checks) == sorted(jobs)
    envs = resources(conf, "github_repository_environment")
    assert set(envs) == set(ENVIRONMENTS) and envs["prod"]["reviewers"]


def test_every_workflow_is_valid_yaml():
    """GitHub refuses a workflow that is not YAML (a step named `a: b` unquoted was one);
    actionlint in `make lint` says so too, but only where its tools are built."""
    import yaml

    workflows = sorted((TF.parents[1] / ".github" / "workflows").glob("*.yml"))
    assert workflows
    for path in workflows:
        doc = yaml.safe_load(path.read_text())
        assert isinstance(doc, dict) and "jobs" in doc, path.name
        for job in doc["jobs"].values():
            for step in job.get("steps", []):
                assert isinstance(step.get("name", ""), str), (path.name, step)
