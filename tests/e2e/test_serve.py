"""`sensorlake serve` cross-checked with independent readers: the dataset heatmap against
DuckDB over the same Parquet, a signal against pyarrow, the files route byte for byte, and
the process behaviour (loopback by default, a taken port, SIGTERM)."""
import json
import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import duckdb
import pyarrow.parquet as pq
import pytest

from sensorlake_cli import run_cli, sensorlake_bin
from serve_process import start_server


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A scale-0.01 lake filled by `sensorlake run` and a server on a free port."""
    root = tmp_path_factory.mktemp("serve")
    lake = root / "lake"
    run_cli("run", "--lake", lake, "--generate-scale", "0.01", "--work-dir", root / "work")
    proc, host, port = start_server(lake)
    yield lake, f"http://{host}:{port}", proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def get_json(url):
    with urllib.request.urlopen(url) as r:
        return json.loads(r.read())


def published_dir(lake):
    return lake / "curated" / "published" / "sensor_readings"


def listening_sockets(pid):
    """The (address, port) of every TCP socket the process `pid` holds in LISTEN state, read
    from the kernel: /proc/<pid>/net/tcp and tcp6 matched by inode with /proc/<pid>/fd."""
    inodes = set()
    for fd in pathlib.Path(f"/proc/{pid}/fd").iterdir():
        try:
            match = re.fullmatch(r"socket:\[(\d+)\]", os.readlink(fd))
        except OSError:  # closed since the listing
            continue
        if match:
            inodes.add(match.group(1))
    found = []
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        path = pathlib.Path(f"/proc/{pid}/net/{table}")
        if not path.exists():  # no IPv6 in this kernel
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:  # 0A: TCP_LISTEN
                continue
            addr_hex, port_hex = local.split(":")
            raw = bytes.fromhex(addr_hex)
            if sys.byteorder == "little":  # printed as 32-bit words in host byte order
                raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
            found.append((socket.inet_ntop(family, raw), int(port_hex, 16)))
    return found


def test_binds_loopback_by_default(served):
    _, base, proc = served
    port = int(base.rsplit(":", 1)[1])
    # The one listening socket the kernel shows for the process: 127.0.0.1, not 0.0.0.0/::.
    assert listening_sockets(proc.pid) == [("127.0.0.1", port)]


def test_bind_option_sets_the_listening_address(served):
    lake, _, _ = served
    # 127.0.0.2 is another loopback address (all of 127/8 is on lo): the test exposes nothing.
    proc, host, port = start_server(lake, "--bind", "127.0.0.2")
    try:
        assert host == "127.0.0.2"
        assert listening_sockets(proc.pid) == [("127.0.0.2", port)]
        with urllib.request.urlopen(f"http://127.0.0.2:{port}/api/files") as r:
            assert r.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


def test_dataset_counts_match_duckdb(served):
    lake, base, _ = served
    d = get_json(base + "/api/dataset")
    got = {}
    for f in d["folders"]:
        for si, row in enumerate(f["rows"]):
            for ai, n in enumerate(row):
                if n:
                    key = (f["device"], f["sensor"], d["subjects"][si],
                           d["activities"][ai]["code"])
                    got[key] = n
    rows = duckdb.sql(
        f"SELECT device, sensor, subject, activity::VARCHAR, count(*) FROM read_parquet("
        f"'{published_dir(lake)}/*/*/*.parquet', hive_partitioning=true) GROUP BY ALL").fetchall()
    assert got == {(r[0], r[1], r[2], r[3]): r[4] for r in rows}


def test_signal_matches_pyarrow(served):
    lake, base, _ = served
    s = get_json(base + "/api/signal?device=watch&sensor=gyro&subject=1620&activity=K&width=8192")
    t = pq.read_table(published_dir(lake) / "device=watch/sensor=gyro",
                      filters=[("subject", "=", 1620)]).to_pydict()
    keep = [i for i, a in enumerate(t["activity"]) if a == "K"]
    assert s["rows_in_window"] == len(keep)
    ts = [t["timestamp_ns"][i] for i in keep]
    assert s["first_ns"] == ts[0] and s["last_ns"] == ts[-1]
    assert s["axes"]["z"]["v"] == pytest.approx([t["z"][i] for i in keep], rel=1e-6)
    assert s["axes"]["x"]["t_ms"] == pytest.approx([(x - ts[0]) / 1e6 for x in ts])


def test_files_are_served_byte_for_byte_with_ranges(served):
    lake, base, _ = served
    files = get_json(base + "/api/files")["files"]
    assert sorted(f["path"] for f in files) == sorted(
        str(p.relative_to(published_dir(lake))) for p in published_dir(lake).glob("*/*/*.parquet"))
    path = files[-1]["path"]
    content = (published_dir(lake) / path).read_bytes()
    req = urllib.request.Request(f"{base}/data/{path}", headers={"Range": "bytes=-12"})
    with urllib.request.urlopen(req) as r:
        assert r.status == 206
        assert r.read() == content[-12:]  # the footer length and magic DuckDB reads first
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(f"{base}/data/..%2F..%2F_published.json")
    assert e.value.code in (403, 404)


def test_a_taken_port_is_a_clear_error(served):
    lake, base, _ = served
    port = base.rsplit(":", 1)[1]
    proc = subprocess.run([sensorlake_bin(), "serve", "--lake", str(lake), "--port", port],
                          capture_output=True, text=True, timeout=20)
    assert proc.returncode == 6
    assert f"cannot listen on 127.0.0.1:{port}" in proc.stderr


def test_sigterm_stops_it_cleanly(served):
    _, base, proc = served
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=2)
