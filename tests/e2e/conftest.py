"""The e2e suite runs the CLI without an Iceberg catalog unless a test names one: each
commit starts pyiceberg, and the tables have their own tests (test_tables.py, and
test_make_run.py for the default catalog). scripts/test.sh sets the same for every suite."""
import os

os.environ.setdefault("SENSORLAKE_CATALOG", "none")
