"""The DAG's names and deployment defaults: Connections and Variables it reads (at run time
only), the [sensorlake] configuration section, and the artifact locations."""

from __future__ import annotations

import os
from typing import Any

from sensorlake_dag.airflow_compat import Asset, Param, airflow_conf

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


def deployment_default(key: str, fallback: str) -> str:
    """A param's default from the [sensorlake] section of the Airflow configuration, e.g.
    AIRFLOW__SENSORLAKE__LAKE_URI or MWAA's airflow_configuration_options
    (infra/terraform/modules/mwaa sets backend, lake_uri, environment, source_uri,
    spark_job_uri, emr_job_flow_param, catalog, alert_topic_arn, metrics_log_group, schedule;
    tests/infra/test_contract.py keeps the two sides equal). Reading the configuration is
    local and cheap: fine at parse time."""
    return airflow_conf.get("sensorlake", key, fallback=fallback) or fallback


def alert_topic_arn() -> str:
    """The SNS topic of failure alerts: Terraform's sensorlake.alert_topic_arn option (the
    environment's alerts topic, modules/monitoring), else the Variable
    sensorlake_alert_sns_topic_arn (a deployment without Terraform); empty: log only."""
    from sensorlake_dag.airflow_compat import Variable

    return deployment_default("alert_topic_arn", "") or Variable.get(VAR_ALERT_SNS, None) or ""


def metrics_log_group() -> str:
    """The CloudWatch Logs group of the engine's EMF lines: Terraform's
    sensorlake.metrics_log_group option (modules/monitoring's engine group); empty: none."""
    return deployment_default("metrics_log_group", "")


def catalog() -> str:
    """The Iceberg catalog of the lake's tables for every engine command (--catalog,
    SENSORLAKE_CATALOG; docs/tables.md): Terraform's sensorlake.catalog option,
    glue://<the analytics module's Glue database>; empty: the engine's default (a local
    lake's own SQLite catalog, none for an s3:// lake)."""
    return deployment_default("catalog", "")


# The forms of the sensorlake.schedule option (AIRFLOW__SENSORLAKE__SCHEDULE), named by the
# error a bad value raises when the DAG file is parsed.
SCHEDULE_FORMS = (
    '"none" or empty: no schedule, runs are triggered (the default)',
    '"asset:<uri>", e.g. "asset:s3://raw-bucket/incoming/wisdm": a run when an event for '
    "that asset (Airflow 2: dataset) is recorded",
    '"cron:<expression>", e.g. "cron:0 3 * * *" or "cron:@daily": a run on that cron schedule',
)


def parse_schedule(value: str) -> Any:
    """The DAG's ``schedule`` for a sensorlake.schedule value (see SCHEDULE_FORMS): None, a
    list of one Asset (Airflow 2: Dataset) on the URI, or a cron expression. Anything else
    raises ValueError naming the accepted forms, so the DAG fails to import with that
    message instead of silently running on no schedule."""
    text = (value or "").strip()
    if text.lower() in ("", "none"):
        return None
    kind, _, rest = text.partition(":")
    kind, rest = kind.strip().lower(), rest.strip()
    problem = "is not one of the accepted forms"
    if kind == "asset" and rest:
        if "://" not in rest:
            problem = f"names the asset URI {rest!r}, which has no scheme (e.g. s3://bucket/prefix)"
        else:
            try:
                asset = Asset(rest)
                # Airflow normalizes the URI (s3://: no trailing slash); Airflow 3 also names
                # the asset, by default the raw string. Name it by the normalized URI, so
                # that a producer's Asset("<that URI>") is the same asset (name and URI).
                if getattr(asset, "name", asset.uri) != asset.uri:
                    asset = Asset(name=asset.uri, uri=asset.uri)
                return [asset]
            except (ValueError, TypeError) as err:
                problem = f"names the asset URI {rest!r}, which Airflow refuses ({err})"
    elif kind == "cron" and rest:
        return rest
    raise ValueError(f"sensorlake.schedule (AIRFLOW__SENSORLAKE__SCHEDULE) {value!r} {problem}; "
                     "accepted forms: " + "; ".join(SCHEDULE_FORMS))


def dag_schedule() -> Any:
    """The DAG's schedule from the sensorlake.schedule option (parse time: local and cheap).
    Unset: None, runs are triggered by hand or through the API."""
    return parse_schedule(deployment_default("schedule", ""))


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
            deployment_default("spark_job_uri", ""),
            type="string",
            description=("S3 path of the Spark job script the EMR step runs (Terraform's "
                         "sensorlake.spark_job_uri)"),
        ),
        "emr_job_flow_param": Param(
            deployment_default("emr_job_flow_param", ""),
            type="string",
            description=("SSM parameter holding the RunJobFlow request Terraform writes "
                         "(modules/emr: roles, subnets, security groups, fleets, bootstrap "
                         "with the engine version, log URI); Terraform's "
                         "sensorlake.emr_job_flow_param"),
        ),
    }
