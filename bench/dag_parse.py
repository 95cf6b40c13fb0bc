"""How long the DAG processor takes to parse dags/sensorlake_wisdm.py (a measurement, not a
test: tests/airflow/test_dag_structure.py asserts only that the parse starts no process and
opens no socket).

Each run is a fresh interpreter, as the DAG processor's: Airflow and the Amazon provider's
EMR modules are imported first (Airflow's own cost), then the DAG file is executed and
timed. Prints a Markdown table. Run it with the Airflow venv's interpreter:

    bash scripts/setup-airflow.sh && .venv-airflow/bin/python bench/dag_parse.py

Environment: DAG_PARSE_RUNS (default 10).
"""
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
DAG = ROOT / "dags" / "sensorlake_wisdm.py"
RUNS = int(os.environ.get("DAG_PARSE_RUNS", "10"))

PROBE = r"""
import importlib.util, sys, time
t0 = time.perf_counter()
import airflow, airflow.providers.amazon.aws.sensors.emr
t1 = time.perf_counter()
spec = importlib.util.spec_from_file_location("sensorlake_wisdm_bench", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def main():
    home = tempfile.mkdtemp(prefix="sensorlake-dag-parse-")
    env = dict(os.environ, AIRFLOW_HOME=home, AIRFLOW__CORE__LOAD_EXAMPLES="False",
               AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home}/airflow.db",
               AWS_EC2_METADATA_DISABLED="true")
    airflow_s, dag_s = [], []
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, "-c", PROBE, str(DAG)], check=True,
                             capture_output=True, text=True, env=env).stdout
        a, d = map(float, out.strip().splitlines()[-1].split())
        airflow_s.append(a)
        dag_s.append(d)
    version = subprocess.run([sys.executable, "-c", "import airflow; print(airflow.__version__)"],
                             check=True, capture_output=True, text=True, env=env).stdout.strip()
    print(f"DAG parse, Airflow {version}, {RUNS} fresh interpreters\n")
    print("| part | median s | min s | max s |")
    print("|---|---|---|---|")
    for name, xs in [("import Airflow + EMR provider", airflow_s),
                     ("execute dags/sensorlake_wisdm.py", dag_s)]:
        print(f"| {name} | {statistics.median(xs):.3f} | {min(xs):.3f} | {max(xs):.3f} |")


if __name__ == "__main__":
    main()
