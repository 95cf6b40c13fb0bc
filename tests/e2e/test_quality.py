"""Cross-checks of `sensorlake check`: every fault the generator injects is caught by the
transform or a quality check, clean data passes, the real sample's quirks are named, and
the HTML report renders in a real browser (headless Chromium)."""
import collections
import json
import re
import shutil
import struct
import subprocess
import tomllib
import zlib

import pyarrow.dataset as ds
import pytest

from sensorlake_cli import REAL_SAMPLE, REPO, run_cli

# Checks whose failures must each be explained by an injected fault (no false alarms).
FAULT_CHECKS = {"stuck_values", "clipped_values", "scaled_values", "duplicate_stream",
                "timestamp_resolution", "empty_file", "timestamp_order", "value_range"}


def read_faults(gen):
    return [json.loads(line) for line in (gen / "faults.jsonl").read_text().splitlines()]


def raw_lines(path):
    """Physical lines of a raw file, a last one without a newline included."""
    data = path.read_bytes()
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def expected_check_exit(gen):
    """The exit code `sensorlake check` (default rules) must give on generated data, derived
    from the data's faults.jsonl and the rule set, not from a run: docs/quality.md and
    docs/cli.md say it exits 1 when a rule of severity error fails, else 0. A rule of
    severity error (config/quality.toml, the built-in default) fails when an injected fault
    is one its check must flag, or when the quarantined share of raw lines (every line a
    `quarantine` fault names, as docs/generator.md says the transform sets exactly those
    aside) is above the quarantine_rate limits."""
    rules = tomllib.loads((REPO / "config" / "quality.toml").read_text())["rule"]
    errors = {r["check"]: r for r in rules if r["severity"] == "error"}
    faults = read_faults(gen)
    if any(f["expect"] == "flag" and f["check"] in errors for f in faults):
        return 1
    by_reason = collections.Counter()
    for f in faults:
        if f["expect"] == "quarantine":
            by_reason[f["reason"]] += f["last_line"] - f["line"] + 1
    lines = sum(raw_lines(p) for p in gen.glob("raw/*/*/data_*.txt"))
    rate = errors.get("quarantine_rate")
    if rate and by_reason and (sum(by_reason.values()) / lines > rate["max_rate"] or max(
            by_reason.values()) / lines > rate["max_reason_rate"]):
        return 1
    return 0


def checked_lake(tmp_path_factory, name, *generate_args):
    root = tmp_path_factory.mktemp(name)
    gen, lake = root / "generated", root / "lake"
    run_cli("generate", "--out", gen, "--seed", "3", *generate_args)
    run_cli("ingest", "--source", gen, "--lake", lake)
    run_cli("transform", "--lake", lake)
    code, result, stderr = run_cli("check", "--lake", lake, check=False)
    assert code == expected_check_exit(gen), stderr
    return gen, lake, code, result


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    return checked_lake(tmp_path_factory, "faulty", "--scale", "0.1", "--faults", "all")


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return checked_lake(tmp_path_factory, "clean", "--scale", "0.1")


def checks_by_rule(result):
    return {c["rule"]: c for c in result["checks"]}


def names(failure, fault):
    """True when a check's failure points at the fault's file (and block, if it has one)."""
    keys = [failure] + ([failure["other"]] if "other" in failure else [])
    for k in keys:
        if k.get("folder") == fault["folder"] and k.get("subject") == fault["subject"] and (
                fault["activity"] is None or k.get("activity") == fault["activity"]):
            return True
    return False


def test_every_injected_fault_is_accounted_for(faulty):
    gen, lake, code, result = faulty
    faults = read_faults(gen)
    assert {f["expect"] for f in faults} >= {
        "quarantine", "drop_duplicate", "reorder", "accept", "flag"}
    # The scaled block and the copied stream are flagged by rules of severity error.
    assert {f["check"] for f in faults if f["expect"] == "flag"} >= {
        "scaled_values", "duplicate_stream"}
    assert code == 1 and result["success"] is False

    quarantine = ds.dataset(lake / "curated" / "quarantine", format="parquet",
                            partitioning="hive").to_table(columns=["file", "line", "reason"])
    quarantined = set(zip(*[quarantine[c].to_pylist() for c in ("file", "line", "reason")]))
    manifest = json.loads(
        next((lake / "curated" / "_versions").glob("*/_manifest.json")).read_text())
    per_file = {f["path"]: f for f in manifest["files"]}
    checks = checks_by_rule(result)
    expected = collections.Counter()
    for f in faults:
        if f["expect"] == "quarantine":
            for line in f["lines"]:
                assert (f["file"], line, f["reason"]) in quarantined, f
        elif f["expect"] == "drop_duplicate":
            expected[(f["file"], "duplicates_dropped")] += 1
        elif f["expect"] == "reorder":
            expected[(f["file"], "reordered")] += 1
        elif f["expect"] == "flag":
            failures = checks[f["check"]]["failures"]
            assert any(names(x, f) for x in failures), (f, checks[f["check"]]["observed"])
    for (path, field), n in expected.items():
        assert per_file[path][field] == n, (path, field)

    flagged = [f for f in faults if f["expect"] == "flag"]
    for rule in FAULT_CHECKS:
        for failure in checks[rule]["failures"]:
            assert any(names(failure, f) for f in flagged if f["check"] == rule), (rule, failure)


def test_clean_generated_data_passes_every_check_that_applies(clean):
    gen, _, code, result = clean
    assert read_faults(gen) == []  # nothing injected: no rule of severity error may fail
    assert code == 0 and result["success"] is True
    for rule, c in checks_by_rule(result).items():
        if rule == "drift":
            assert c["status"] == "skipped"
        elif rule == "sampling_rate":
            # The generator's 40-50 Hz phone accelerometers, like the real ones: shown as such.
            assert c["status"] == "warn"
            assert {f["problem"] for f in c["failures"]} == {"fast"}
            assert "faster streams: phone/accel" in c["note"]
        else:
            assert c["status"] == "pass", (rule, c["observed"], c["failures"][:3])
    assert checks_by_rule(result)["published_counts"]["evaluated"] == 72


def test_drift_against_the_same_data_passes_and_history_grows(clean):
    _, lake, _, first = clean
    code, second, stderr = run_cli("check", "--lake", lake, "--baseline", "latest", check=False)
    assert code == 0, stderr
    drift = checks_by_rule(second)["drift"]
    assert drift["status"] == "pass" and drift["evaluated"] == 72
    assert second["baseline_run"] == first["run_id"]
    history = json.loads((lake / "quality" / "_history.json").read_text())
    assert [h["run_id"] for h in history][-2:] == [first["run_id"], second["run_id"]]


def test_quarantine_rate_fails_when_many_lines_are_bad(tmp_path_factory):
    gen, _, code, result = checked_lake(tmp_path_factory, "malformed", "--scale", "0.02",
                                        "--subjects", "1600-1602", "--faults", "malformed=0.02")
    # 2% of the lines malformed: above quarantine_rate's 1% and 0.5% limits, so the gate fails.
    assert expected_check_exit(gen) == 1
    rate = checks_by_rule(result)["quarantine_rate"]
    assert code == 1 and rate["status"] == "error"
    assert {f["reason"] for f in rate["failures"]} == {"all", "malformed_line"}


def test_a_bad_rules_file_names_the_line(tmp_path, clean):
    _, lake, _, _ = clean
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "r"\ncheck = "sampling_rate"\nmax_hertz = 30\n')
    code, out, stderr = run_cli("check", "--lake", lake, "--rules", rules, check=False)
    assert code == 3
    assert f"{rules}:4: unknown key 'max_hertz'" in stderr


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    lake = tmp_path_factory.mktemp("real-quality")
    run_cli("ingest", "--source", REAL_SAMPLE, "--lake", lake)
    run_cli("transform", "--lake", lake)
    code, result, stderr = run_cli("check", "--lake", lake, check=False)
    assert code == 0, stderr
    return lake, result


def test_real_sample_quirks_are_named_without_false_alarms(real):
    _, result = real
    c = checks_by_rule(result)
    assert c["published_counts"]["status"] == "skipped"  # 13 of 51 subjects
    assert "faster streams: phone/accel: 1601" in c["sampling_rate"]["note"]
    blocks = c["activity_blocks"]
    assert "activities not present for any subject: phone/accel: DEFGHIJKLOPQRS" in blocks["note"]
    assert [(f["subject"], f["activity"], f["problem"]) for f in blocks["failures"]] == [
        (1609, "B", "missing"), (1609, "B", "missing")]  # no jogging block in 1609's files
    # Real phones stop at +-2 g while jogging: named as the sensor's range, not a fault.
    assert "phone/accel +-19.61 m/s^2 (2.00 g)" in c["clipped_values"]["note"]
    for rule in ("stuck_values", "scaled_values", "duplicate_stream", "timestamp_resolution",
                 "timestamp_order", "value_range", "empty_file", "quarantine_rate"):
        assert c[rule]["status"] == "pass", (rule, c[rule]["failures"][:3])


def png_size_and_colours(path):
    """Width, height and the number of distinct byte values in the decoded scanlines."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat, pos = b"", 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


def test_report_renders_with_its_charts_in_headless_chromium(faulty):
    gen, lake, code, result = faulty
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "chromium is installed by scripts/setup.sh (scripts/apt-packages.txt)"
    report = (lake / result["report"]).resolve()
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    dom = subprocess.run(flags + ["--dump-dom", report.as_uri()], capture_output=True,
                         text=True, timeout=120).stdout
    assert ("GATE FAILED" if code == 1 else "GATE PASSED") in dom
    # docs/quality.md: per folder a subject x activity heatmap and a histogram of sampling
    # rates, then the quarantine reasons (a chart when any line was set aside).
    subjects = collections.defaultdict(set)
    for p in gen.glob("raw/*/*/data_*.txt"):
        subjects[f"{p.parent.parent.name}/{p.parent.name}"].add(int(p.name.split("_")[1]))
    faults = read_faults(gen)
    reasons = {f["reason"] for f in faults if f["expect"] == "quarantine"}
    assert dom.count("<svg") == 2 * len(subjects) + (1 if reasons else 0)
    # Each heatmap: one cell per subject with a file in that folder and per activity (18).
    heatmaps = dict(re.findall(r'<svg[^>]*aria-label="rows per subject and activity, '
                               r'([a-z]+/[a-z]+)"[^>]*>(.*?)</svg>', dom, re.S))
    assert {f: h.count("<rect") for f, h in heatmaps.items()} == {
        f: len(s) * 18 for f, s in subjects.items()}
    # One bar per quarantine reason the faults name.
    bars = re.search(r'<svg[^>]*aria-label="quarantine reasons"[^>]*>(.*?)</svg>', dom, re.S)
    assert bars and bars.group(1).count("<rect") == len(reasons)
    shot = REPO / "build" / "test-artifacts" / "quality-report.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    shot.unlink(missing_ok=True)
    subprocess.run(flags + ["--window-size=1400,2400", f"--screenshot={shot}", report.as_uri()],
                   capture_output=True, timeout=120, check=True)
    width, height, colours = png_size_and_colours(shot)
    assert (width, height) == (1400, 2400)
    assert colours > 100  # text, badges and charts, not a blank page
