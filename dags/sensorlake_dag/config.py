"""The DAG's names and deployment defaults: Connections and Variables it reads (at run time
only), the [sensorlake] configuration section, and the artifact locations."""

from __future__ import annotations

import os

from sensorlake_dag.airflow_compat import Param, airflow_conf

DAG_ID = "sensorlake_wisdm"

# Connections and Variables the DAG reads (at run time only; see docs/orchestration.md).
AWS_CONN_ID = "aws_default"
VAR_BIN = "sensorlake_bin"
VAR_LAKE = "sensorlake_lake_uri"
VAR_SOURCE = "sensorlake_source"
VAR_ALERT_SNS = "sensorlake_alert_sns_topic_arn"

# How often the step sensor looks at the EMR step. Read from the environment (cheap,
# no metadata-database access) so that tests can poll quickly.
EMR_POKE_SECONDS = float(os.environ.get("SENSORLAKE_EMR_POKE_SECONDS", "60"))

# Where deploy.yml uploads the bootstrap script, the engine and the wheel (one prefix per
# engine version); the [sensorlake] config section overrides both.
DEFAULT_ARTIFACTS_URI = "s3://sensorlake-artifacts"
DEFAULT_ENGINE_VERSION = "latest"


def deployment_default(key: str, fallback: str) -> str:
    """A param's default from the [sensorlake] section of the Airflow configuration, e.g.
    AIRFLOW__SENSORLAKE__LAKE_URI or MWAA's airflow_configuration_options
    (infra/terraform/modules/mwaa sets backend, lake_uri, environment, source_uri,
    spark_job_uri). Reading the configuration is local and cheap: fine at parse time."""
    return airflow_conf.get("sensorlake", key, fallback=fallback) or fallback


def dag_params() -> dict[str, Param]:
    """The run's params, their defaults from the [sensorlake] configuration section."""
    return {
        "lake_uri": Param(
            deployment_default("lake_uri", ""),
            type="string",
            description=f"Lake URI (file:// or s3://); empty: Variable {VAR_LAKE}",
        ),
        "source": Param(
            deployment_default("source_uri", ""),
            type="string",
            description=("Dataset source: URL, s3:// zip or prefix, zip or directory; empty: "
                         f"Variable {VAR_SOURCE}"),
        ),
        "dataset_version": Param(
            "",
            type="string",
            description="Raw dataset version to transform; empty: the version just ingested",
        ),
        "environment": Param(
            deployment_default("environment", "dev"), type="string", enum=["dev", "staging", "prod"]
        ),
        "backend": Param(
            deployment_default("backend", "local"), type="string", enum=["local", "emr"]
        ),
        "emr_job_script": Param(
            deployment_default(
                "spark_job_uri", "s3://sensorlake-artifacts/spark/sensorlake_job.py"
            ),
            type="string",
            description="S3 path of the Spark job script the EMR step runs",
        ),
        "emr_artifacts_uri": Param(
            deployment_default("artifacts_uri", DEFAULT_ARTIFACTS_URI),
            type="string",
            description=(
                "S3 prefix holding emr/bootstrap/install-sensorlake.sh and engine/<version>/ "
                "(engine and wheel)"
            ),
        ),
        "engine_version": Param(
            deployment_default("engine_version", DEFAULT_ENGINE_VERSION),
            type="string",
            description="Engine build the bootstrap action installs on the EMR nodes",
        ),
        "emr_release_label": Param("emr-7.5.0", type="string"),
        "emr_master_instance_type": Param("m5.xlarge", type="string"),
        "emr_worker_instance_type": Param("m5.xlarge", type="string"),
        "emr_core_nodes": Param(1, type="integer", minimum=1),
        "emr_spot_task_nodes": Param(2, type="integer", minimum=0),
        "emr_log_uri": Param("", type="string", description="S3 prefix for EMR logs (optional)"),
        "emr_job_flow_role": Param("EMR_EC2_DefaultRole", type="string"),
        "emr_service_role": Param("EMR_DefaultRole", type="string"),
    }
