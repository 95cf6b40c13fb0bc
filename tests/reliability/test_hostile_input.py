"""Hostile input and concurrent writers: what a lake facing the internet has to survive.

- archives with path traversal, symlinks, huge expansion ratios and too many entries are
  refused before anything lands (exit 9, the entry or count named);
- extremely long lines, binary garbage and invalid UTF-8 in a raw file are quarantined
  with a reason, never fatal, and every line is accounted for;
- credentials never appear in output, run records, manifests or errors;
- two runs on one lake at once: one proceeds, the other refuses naming the holder, and the
  lake is whole afterwards."""
import json
import os
import stat
import subprocess
import zipfile

import pyarrow.parquet as pq
import pytest

from sensorlake_cli import run_cli, sensorlake_bin
from s3_server import SECRET, s3_bucket

REFUSED = 9
GOOD_LINE = b"1600,A,252207666810782,-0.36476135,8.793503,1.0550842;\n"


def raw_zip(path, extra=None, entries=None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("wisdm-dataset/raw/phone/accel/data_1600_accel_phone.txt", GOOD_LINE * 10)
        for name, data in (entries or []):
            z.writestr(name, data)
        if extra:
            extra(z)
    return path


def symlink_entry(z):
    info = zipfile.ZipInfo("wisdm-dataset/raw/phone/gyro/data_1600_gyro_phone.txt")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    z.writestr(info, "/etc/passwd")


@pytest.mark.parametrize("case", [
    "traversal", "absolute", "symlink", "bomb", "ratio-bomb", "many-entries"])
def test_hostile_archives_are_refused_and_nothing_lands(tmp_path, case):
    archive = tmp_path / f"{case}.zip"
    if case == "traversal":
        raw_zip(archive, entries=[("wisdm-dataset/../../../tmp/evil.txt", b"x")])
    elif case == "absolute":
        raw_zip(archive, entries=[("/etc/cron.d/evil", b"x")])
    elif case == "symlink":
        raw_zip(archive, extra=symlink_entry)
    elif case in ("bomb", "ratio-bomb"):  # 64 MiB of zeros compress to ~64 KiB: 1000:1
        raw_zip(archive, entries=[("wisdm-dataset/raw/phone/gyro/data_1600_gyro_phone.txt",
                                   b"0" * (64 << 20))])
    else:  # more entries than any dataset archive has
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
            z.writestr("wisdm-dataset/raw/phone/accel/data_1600_accel_phone.txt", GOOD_LINE)
            for i in range(100_001):
                z.writestr(f"wisdm-dataset/junk/{i}", b"")
    lake = tmp_path / "lake"
    args = ["ingest", "--source", archive, "--lake", lake]
    if case == "bomb":
        args += ["--max-expanded-bytes", str(16 << 20)]
    code, _, err = run_cli(*args, check=False)
    assert code == REFUSED, err
    assert "refused" in err
    if case == "ratio-bomb":  # under the 4 GiB total limit, refused by its ratio alone
        assert "100:1 accepted" in err and "data_1600_gyro_phone.txt" in err, err
    assert not (lake / "raw" / "wisdm" / "_latest.json").exists()
    assert not list((lake / "raw").rglob("*.txt")) if (lake / "raw").exists() else True
    assert not (tmp_path / "evil.txt").exists()


def test_long_lines_binary_garbage_and_bad_utf8_are_quarantined(tmp_path):
    raw = tmp_path / "src" / "raw" / "phone" / "accel"
    raw.mkdir(parents=True)
    lines = [GOOD_LINE,
             b"1600,A,252207716810782," + b"9" * (4 << 20) + b",1,2;\n",  # a 4 MiB line
             bytes(b for b in range(256) if b != 10) * 64 + b"\n",  # binary, NULs included
             b"1600,A,252207766810782,\xff\xfe\xc3(,1,2;\n",  # invalid UTF-8
             b"\x00" * 1000 + b"\n",
             b"1600,A,252207816810782,0.5,0.25,9.8;\n"]
    (raw / "data_1600_accel_phone.txt").write_bytes(b"".join(lines))
    lake = tmp_path / "lake"
    run_cli("ingest", "--source", tmp_path / "src", "--lake", lake)
    _, summary, _ = run_cli("transform", "--lake", lake)
    totals = summary["totals"]
    assert totals["lines"] == len(lines) and totals["conserved"]
    assert totals["rows"] == 2 and totals["quarantined"] == 4
    quarantine = pq.read_table(lake / "curated" / "quarantine").to_pylist()
    by_line = {q["line"]: q for q in quarantine}
    assert sorted(by_line) == [2, 3, 4, 5] and all(q["reason"] for q in quarantine)
    # Nothing lost: valid UTF-8 is kept as text, anything else byte for byte in raw_bytes
    # (Parquet strings must be UTF-8), with a readable escaped raw_text beside it.
    assert by_line[2]["raw_text"].encode() == lines[1].rstrip(b"\n")
    for n in (3, 4):
        assert by_line[n]["raw_bytes"] == lines[n - 1].rstrip(b"\n")
        assert "\\x" in by_line[n]["raw_text"]
    assert by_line[5]["raw_bytes"] is None


@pytest.fixture
def s3_server(tmp_path):
    with s3_bucket(tmp_path / "s3", "creds", tmp_path / "versitygw.log") as (gw, _):
        yield gw


def test_credentials_never_appear_in_output_records_or_errors(s3_server, tmp_path):
    source = tmp_path / "gen"
    run_cli("generate", "--out", source, "--scale", "0.005", "--seed", "3")
    lake = f"s3://creds/lake?endpoint_override={s3_server.endpoint}&scheme=http"
    said = []
    for args in (["run", "--lake", lake, "--source", source],
                 ["--json", "runs-do-not-exist"],  # a usage error
                 ["transform", "--lake", lake.replace("creds", "no-such-bucket")]):
        proc = subprocess.run([sensorlake_bin(), *map(str, args)], capture_output=True,
                              text=True, timeout=300)
        said.append(proc.stdout + proc.stderr)
    # A wrong secret: the error says the signature was refused, not what the secret was.
    wrong = "WRONG-" + SECRET[::-1]
    proc = subprocess.run([sensorlake_bin(), "transform", "--lake", lake], capture_output=True,
                          text=True, timeout=300,
                          env=dict(os.environ, AWS_SECRET_ACCESS_KEY=wrong))
    assert proc.returncode != 0
    said.append(proc.stdout + proc.stderr)
    # Credentials in the URI are refused without being echoed.
    proc = subprocess.run([sensorlake_bin(), "ingest", "--source", source, "--lake",
                           f"s3://AKIAEXAMPLE:{SECRET}@creds/x"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    said.append(proc.stdout + proc.stderr)
    stored = [p.read_text(errors="replace") for p in (tmp_path / "s3").rglob("*")
              if p.is_file() and p.suffix in (".json", ".html", ".jsonl", ".txt", ".lock")]
    assert stored, "the lake should hold records and manifests"
    for text in said + stored:
        assert SECRET not in text and wrong not in text


def test_two_runs_on_one_lake_one_proceeds_the_other_refuses(tmp_path):
    source = tmp_path / "gen"
    run_cli("generate", "--out", source, "--scale", "0.05", "--seed", "4")
    lake = tmp_path / "lake"
    args = [sensorlake_bin(), "--json", "run", "--lake", str(lake), "--source", str(source)]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    assert sorted(r[0] for r in results) == [0, 8], results  # 8: the lake is busy
    busy = next(r for r in results if r[0] != 0)
    assert "is held by" in busy[2] and "lock 'pipeline'" in busy[2], busy[2]
    published = json.loads((lake / "curated" / "_published.json").read_text())
    manifest = json.loads((lake / "curated" / "_versions" / published["version"] /
                           "_manifest.json").read_text())
    table = pq.read_table(lake / "curated" / "_versions" / published["version"] /
                          "sensor_readings")
    assert table.num_rows == manifest["totals"]["rows"] > 0
    assert not list(lake.rglob(".staging-*"))
