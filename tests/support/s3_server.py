"""A real S3-compatible server for the tests: versitygw (posix backend) on 127.0.0.1, built
by scripts/setup-s3-server.sh into .tools/. It can be stopped and started again on the same
port and folder, to show what a lake does when its object store goes away mid-run."""
import contextlib
import os
import pathlib
import socket
import subprocess
import time

import pyarrow.fs as pafs

REPO = pathlib.Path(__file__).resolve().parents[2]

ACCESS, SECRET = "sensorlake-test", "sensorlake-test-secret"
AWS_ENV = {"AWS_ACCESS_KEY_ID": ACCESS, "AWS_SECRET_ACCESS_KEY": SECRET,
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": "us-east-1"}
# Variables that would point the CLI somewhere else than the test server.
AWS_OVERRIDES = ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE", "AWS_SESSION_TOKEN"]


def versitygw_bin():
    if os.environ.get("VERSITYGW_BIN"):
        return os.environ["VERSITYGW_BIN"]
    found = sorted((REPO / ".tools").glob("versitygw-*/versitygw"))
    return str(found[-1]) if found else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, log_path, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"versitygw did not start: {open(log_path).read()}")
            time.sleep(0.1)


class Versitygw:
    """One versitygw process serving `root` on 127.0.0.1:`port`."""

    def __init__(self, binary, root, log_path, port=None):
        self.binary, self.root, self.log_path = binary, root, log_path
        self.port = port or free_port()
        self.endpoint = f"127.0.0.1:{self.port}"
        self.proc = None

    def start(self):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [self.binary, "--access", ACCESS, "--secret", SECRET, "--port", self.endpoint,
             "--quiet", "posix", str(self.root)], stdout=log, stderr=log)
        log.close()
        wait_for_port(self.port, self.proc, self.log_path)

    def stop(self):
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


@contextlib.contextmanager
def aws_environment():
    """The CLI (and pyarrow) talk to the test server with the test credentials only."""
    saved = {k: os.environ.get(k) for k in [*AWS_ENV, *AWS_OVERRIDES]}
    for k in saved:
        os.environ.pop(k, None)
    os.environ.update(AWS_ENV)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def s3_bucket(root, bucket, log_path=None):
    """A versitygw serving the folder `root` with `bucket` created through the S3 API, and
    the AWS environment pointing at it. Yields (server, pyarrow S3FileSystem); fails the
    test when versitygw is not built (scripts/setup-s3-server.sh builds it), unless the
    s3-server component is opted out (opt_out.py)."""
    from opt_out import require

    binary = versitygw_bin()
    require("s3-server", binary is not None,
            "versitygw is not built: run `make setup` "
            "(scripts/setup-s3-server.sh, needs Go >= 1.24)")
    root = pathlib.Path(root)
    root.mkdir(parents=True, exist_ok=True)
    server = Versitygw(binary, root, log_path or root.parent / f"versitygw-{root.name}.log")
    server.start()
    try:
        with aws_environment():
            fs = pafs.S3FileSystem(access_key=ACCESS, secret_key=SECRET,
                                   endpoint_override=server.endpoint, scheme="http",
                                   region="us-east-1", allow_bucket_creation=True)
            fs.create_dir(bucket)
            yield server, fs
    finally:
        server.stop()
