"""One configuration, one source (issue 16): Terraform names the parameters, paths and
versions; the DAG, the EMR bootstrap and the deploy workflows only read them. Each check
parses the files themselves (python-hcl2, ast, YAML) and fails when one side names something
the other does not provide."""
import ast
import json
import re

import yaml

from terraform_model import model
from test_infra import PLATFORM, TF, load, local, modules, resources

REPO = TF.parents[1]
DAG_CONFIG = REPO / "dags" / "sensorlake_dag" / "config.py"
DAG_EMR = REPO / "dags" / "sensorlake_dag" / "emr.py"
BOOTSTRAP = REPO / "infra" / "emr" / "bootstrap" / "install-sensorlake.sh"
WORKFLOWS = REPO / ".github" / "workflows"
# Options Terraform sets for other readers than this DAG's params (the monitoring work of
# issue 18 reads them); any other unread option is a contract break.
NOT_READ_BY_THE_DAG = {"cloudwatch_namespace"}


def mwaa_options():
    env = next(iter(resources(load(TF / "modules" / "mwaa"), "aws_mwaa_environment").values()))
    return {k.split(".", 1)[1]: v for k, v in env["airflow_configuration_options"].items()
            if k.startswith("sensorlake.")}


def dag_config_keys():
    """The [sensorlake] keys the DAG reads: every deployment_default("key", ...) call."""
    tree = ast.parse(DAG_CONFIG.read_text())
    return {node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "deployment_default"}


def dag_constant(name):
    for node in ast.parse(DAG_EMR.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == name:
            return ast.literal_eval(node.value)
    raise KeyError(name)


def job_flow_spec_keys():
    """The top-level keys of the RunJobFlow request Terraform writes to SSM (evaluated)."""
    spec = model("staging", "123456789012", {"engine_version": "abc123"})["resources"][
        "module.emr.aws_ssm_parameter.job_flow"]["values"]["value"]
    return set(json.loads(spec))


def test_the_dag_reads_exactly_the_options_terraform_sets():
    provided, read = set(mwaa_options()), dag_config_keys()
    assert read, "no deployment_default calls found: the parser is broken"
    assert read <= provided, f"the DAG reads options Terraform does not set: {read - provided}"
    assert provided - read == NOT_READ_BY_THE_DAG, provided - read


def test_the_job_flow_parameter_is_terraforms_and_the_dag_role_may_read_it():
    assert mwaa_options()["emr_job_flow_param"] == "${var.emr_job_flow_parameter}"
    mwaa = modules(load(PLATFORM))["mwaa"]
    assert mwaa["emr_job_flow_parameter"] == "${module.emr.job_flow_parameter}"
    outputs = {k: v for block in load(TF / "modules" / "emr").get("output", [])
               for k, v in block.items()}
    assert outputs["job_flow_parameter"]["value"] == "${aws_ssm_parameter.job_flow.name}"
    name = resources(load(TF / "modules" / "emr"), "aws_ssm_parameter")["job_flow"]["name"]
    iam = (TF / "modules" / "iam" / "main.tf").read_text()
    readable = re.search(
        r'actions\s*=\s*\["ssm:GetParameter"\]\s*\n\s*resources\s*=\s*\["([^"]+)"\]', iam)
    assert readable, "the MWAA role has no ssm:GetParameter statement"
    prefix = readable.group(1).split(":parameter", 1)[1].rstrip("*")
    assert name.startswith(prefix), (name, prefix)


def test_the_spec_holds_everything_the_dag_takes_from_it():
    keys = job_flow_spec_keys()
    assert {"Name", "Instances", "BootstrapActions"} <= keys, keys  # the parser found them
    needed = set(dag_constant("REQUIRED_SPEC_KEYS"))
    assert needed <= keys, f"the DAG needs {needed - keys}, which modules/emr does not write"


def test_artifact_paths_agree_between_terraform_deploy_and_the_bootstrap():
    emr = load(TF / "modules" / "emr")
    assert local(emr, "bootstrap_key") == "emr/bootstrap/install-sensorlake.sh"
    upload = resources(emr, "aws_s3_object")["bootstrap"]
    assert upload["source"].endswith("/../../../emr/bootstrap/install-sensorlake.sh")
    assert BOOTSTRAP.is_file()
    engine_uri = local(emr, "engine_uri")
    assert engine_uri == ("s3://${var.artifacts_bucket}/engine/${var.engine_version}/"
                          "sensorlake-linux-x86_64.tar.gz")
    deploy = yaml.safe_load((WORKFLOWS / "deploy-environment.yml").read_text())
    text = (WORKFLOWS / "deploy-environment.yml").read_text()
    # The engine version Terraform installs is the commit the deploy uploaded.
    assert "TF_VAR_engine_version: ${{ github.sha }}" in text
    assert 'SHA: ${{ github.sha }}' in text
    assert '"s3://$BUCKET/engine/$SHA/sensorlake-linux-x86_64.tar.gz"' in text
    assert '"s3://$BUCKET/engine/$SHA/$wheel"' in text  # the bootstrap's default wheel prefix
    assert 'aws s3 sync --delete spark "s3://$BUCKET/spark/"' in text
    assert (REPO / "spark" / "sensorlake_job.py").is_file()
    assert mwaa_options()["spark_job_uri"] == "s3://${var.artifacts_bucket}/spark/sensorlake_job.py"
    assert deploy["jobs"], deploy
    # deploy.yml packs exactly the file the upload names, from make dist.
    build = (WORKFLOWS / "deploy.yml").read_text()
    assert "cp dist/sensorlake-*-linux-x86_64.tar.gz sensorlake-linux-x86_64.tar.gz" in build


def test_the_bootstrap_takes_what_terraform_passes_and_uses_the_step_python():
    spec = resources(load(TF / "modules" / "emr"), "aws_ssm_parameter")["job_flow"]["value"]
    assert "Args = [local.engine_uri, var.engine_version]" in spec
    script = BOOTSTRAP.read_text()
    assert 'artifact="$1"' in script and 'version="$2"' in script
    assert 'wheels="${3:-${artifact%/*}/}"' in script
    python = re.search(r"python=\$\{SENSORLAKE_PYTHON:-([\w.]+)\}", script).group(1)
    conf = dag_constant("SPARK_STEP_CONF")
    assert conf["spark.pyspark.python"] == f"/usr/bin/{python}"
    assert conf["spark.pyspark.driver.python"] == f"/usr/bin/{python}"
    assert python == "python3.11"  # EMR 7.1+; the wheel is cp311


def test_the_release_label_ships_python_3_11():
    for env in ("dev", "staging", "prod"):
        values = (PLATFORM / "environments" / f"{env}.tfvars").read_text()
        label = re.search(r'emr_release_label\s*=\s*"emr-(\d+)\.(\d+)', values)
        assert label and (int(label.group(1)), int(label.group(2))) >= (7, 1), env


def test_the_deploy_takes_bucket_role_and_region_from_terraform_after_the_apply():
    """An account's first deploy has no chicken-and-egg: Terraform creates the artifacts
    bucket and the deploy role, and the upload reads them from the apply's outputs; the
    workflow names no repository variable Terraform would have to keep in step."""
    text = (WORKFLOWS / "deploy-environment.yml").read_text()
    assert "vars." not in text, re.findall(r"vars\.\w+", text)
    steps = yaml.safe_load(text)["jobs"]["deploy"]["steps"]
    names = [s.get("name") or s.get("uses") for s in steps]
    apply_at = names.index("terraform apply")
    upload_at = next(i for i, n in enumerate(names) if n.startswith("upload the engine"))
    creds_at = next(i for i, n in enumerate(names) if "configure-aws-credentials" in n)
    assert apply_at < creds_at < upload_at, names
    outputs = {k for block in load(PLATFORM).get("output", []) for k in block}
    read = set(re.findall(r"output (?:-json|-raw) (\w+)", text))
    assert read == {"buckets", "github_deploy_role_arn", "region"}, read
    assert read <= outputs, read - outputs
    storage_outputs = (TF / "modules" / "storage" / "outputs.tf").read_text()
    assert re.search(r"artifacts\s*=\s*module\.artifacts\.name", storage_outputs)
