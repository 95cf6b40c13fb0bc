"""The modules dags/sensorlake_wisdm.py imports: the Airflow 2/3 import shim, configuration,
the engine runner, the EMR request builders and the failure alert. dags/.airflowignore keeps
the DAG processor from parsing this package as DAG files; deploy-environment.yml syncs dags/
recursively, so the package is uploaded with the DAG (MWAA puts the DAGs folder on sys.path)."""
