"""A real `sensorlake serve` for the tests that talk to it (tests/e2e/test_serve.py,
tests/e2e/test_api_types.py)."""
import contextlib
import json
import re
import signal
import subprocess
import urllib.error
import urllib.request

from sensorlake_cli import sensorlake_bin


def start_server(lake, *args):
    """`sensorlake serve` on a free port: the process and the (host, port) its line names."""
    proc = subprocess.Popen([sensorlake_bin(), "serve", "--lake", str(lake), "--port", "0",
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    match = re.search(r"http://([0-9.]+):(\d+)/", line)
    assert match, f"no address in {line!r}: {proc.stderr.read() if proc.poll() is not None else ''}"
    return proc, match.group(1), int(match.group(2))


@contextlib.contextmanager
def serving(lake, *args):
    """The base URL of a server on `lake`, stopped (SIGTERM) on exit."""
    proc, host, port = start_server(lake, *args)
    try:
        yield f"http://{host}:{port}"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


def get(url):
    """(HTTP status, content type, parsed JSON body) of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(url) as r:
            return r.status, r.headers.get("Content-Type", ""), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), json.loads(e.read())
