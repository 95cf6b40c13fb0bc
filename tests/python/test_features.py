"""`sensorlake features` on the real sample, against the dataset's published ARFF files.

arffmagic's windows are consecutive 200-line blocks counted from the top of the ORIGINAL
raw file, across activity changes (../shared/wisdm/arffmagic-features.md, sections 2 and
10). The sample keeps only some activity blocks of each file, so a window of the sample
lines up with a published row only while the sample is an exact prefix of the original.
Two comparisons follow:
  1. the sample as it is: the rows that can line up must match, the others are explained;
  2. the sample re-phased: lines are dropped at the start of each block so that arffmagic's
     200-line grid falls where the original file put it (the offset is found from the
     published XAVG/YAVG/ZAVG alone); then every window inside one block must match all
     93 published values.
"""
import collections
import math

import numpy as np
import pyarrow.dataset as ds
import pytest

from conftest import REAL_SAMPLE, run_cli

N = 200
SENSORS = ("accel", "gyro")
SUBJECTS = range(1600, 1613)
ATTRS = ([f"{a}{i}" for a in "XYZ" for i in range(10)]
         + [f"{a}{k}" for k in ("AVG", "PEAK", "ABSOLDEV", "STANDDEV", "VAR") for a in "XYZ"]
         + [f"{a}MFCC{i}" for a in "XYZ" for i in range(13)]
         + ["XYCOS", "XZCOS", "YZCOS", "XYCOR", "XZCOR", "YZCOR", "RESULTANT"])


def g(v):
    """A double as arffmagic printed it (C++ stream default, printf %g; glibc NaN)."""
    return "-nan" if math.isnan(v) else "%g" % v


def published(sensor, subject):
    """(header lines, data rows) of a published ARFF file."""
    lines = (REAL_SAMPLE / "arff_files" / "phone" / sensor /
             f"data_{subject}_{sensor}_phone.arff").read_text().split("\n")
    at = lines.index("@data")
    return lines[:at + 1], [line for line in lines[at + 1:] if line]


def raw_blocks(path):
    """The raw file as activity blocks: [(activity, [line, ...]), ...]."""
    blocks = []
    for line in path.read_text().splitlines(keepends=True):
        act = line.split(",")[1]
        if not blocks or blocks[-1][0] != act:
            blocks.append((act, []))
        blocks[-1][1].append(line)
    return blocks


def feature_rows(lake, version):
    """{(sensor, subject): [row text as arffmagic prints it, ...]} in window order."""
    t = ds.dataset(lake / "features" / "_versions" / version / "windows", format="parquet",
                   partitioning="hive").to_table().to_pandas()
    t = t.sort_values(["sensor", "subject", "window"])
    out = collections.defaultdict(list)
    cols = [t[a].to_numpy() for a in ATTRS]
    for i, (sensor, subject, act) in enumerate(zip(t["sensor"].astype(str), t["subject"],
                                                   t["activity"].astype(str))):
        out[(sensor, int(subject))].append(
            ",".join([act] + [g(c[i]) for c in cols] + [str(subject)]))
    return out, t


def run_features(lake, *extra):
    _, summary, _ = run_cli("features", "--lake", lake, *extra)
    return summary


@pytest.fixture(scope="module")
def compat(real_sample_lake, tmp_path_factory):
    lake, _ = real_sample_lake
    arff = tmp_path_factory.mktemp("arff")
    summary = run_features(lake, "--compat", "arffmagic", "--export-arff", arff)
    rows, table = feature_rows(lake, summary["features_version"])
    return lake, summary, rows, table, arff


def test_compat_matches_every_published_row_the_sample_can_line_up(compat):
    _, summary, rows, _, _ = compat
    assert summary["mode"] == "arffmagic"
    matched, not_matched = 0, collections.Counter()
    per_file = {}
    for sensor in SENSORS:
        for subject in SUBJECTS:
            _, pub = published(sensor, subject)
            mine = rows[(sensor, subject)]
            blocks = raw_blocks(REAL_SAMPLE / "raw" / "phone" / sensor /
                                f"data_{subject}_{sensor}_phone.txt")
            # The sample is an exact prefix of the original while its blocks are A, B, C...
            # in code order from A; the first skipped activity ends the prefix.
            prefix, expected = 0, "ABCDEFGHIJKLMOPQRS"
            for i, (act, lines) in enumerate(blocks):
                if act != expected[i]:
                    break
                prefix += len(lines)
            lined_up = (prefix // N) - (1 if prefix % N == 0 else 0) if prefix else 0
            got = sum(1 for a, b in zip(mine, pub) if a == b)
            per_file[(sensor, subject)] = (len(mine), got)
            for k, row in enumerate(mine):
                if k < len(pub) and row == pub[k]:
                    matched += 1
                elif pub[0].rsplit(",", 1)[1] != str(subject):
                    not_matched["published file is a byte copy of another subject's"] += 1
                elif k < lined_up:
                    not_matched["UNEXPLAINED: inside the original prefix"] += 1
                elif blocks[0][0] != "A":
                    not_matched["sample starts at block B: the original's A lines shift "
                                "every window"] += 1
                else:
                    not_matched["after the sample's first skipped activity (D..L): the "
                                "original's lines there shift every window"] += 1
            assert got >= lined_up, (sensor, subject, got, lined_up)
    print(f"\ncompat, sample as it is: {sum(n for n, _ in per_file.values())} windows computed, "
          f"{matched} equal to the published row (all 93 values as printed)")
    for key, (n, got) in sorted(per_file.items()):
        if got:
            print(f"  phone/{key[0]} {key[1]}: {got} of {n}")
    for reason, n in not_matched.most_common():
        print(f"  not matched, {reason}: {n}")
    assert matched >= 120  # 1602: 53, 1605: 67 (spec section 10)
    assert per_file[("accel", 1602)][1] == 53 and per_file[("accel", 1605)][1] == 67
    assert not any(r.startswith("UNEXPLAINED") for r in not_matched)


def phase_of_block(lines, keys):
    """Offset (0..199) in the block at which the published windows start, from the
    published (XAVG, YAVG, ZAVG) alone; None when no window of the block is published."""
    v = np.array([[float(t) for t in line.rstrip().rstrip(";").split(",")[3:6]]
                  for line in lines])
    if len(v) < N:
        return None
    c = np.vstack([np.zeros(3), np.cumsum(v, axis=0)])
    hits = collections.Counter()
    for s in range(len(v) - N + 1):
        m = (c[s + N] - c[s]) / N
        if (g(m[0]), g(m[1]), g(m[2])) in keys:
            hits[s % N] += 1
    return hits.most_common(1)[0][0] if hits else None


def off_by_last_digit(row, pub):
    """True when a published row equals `row` but for values one unit apart in the last
    printed digit."""
    mine = row.split(",")
    for p in pub:
        theirs = p.split(",")
        diff = [i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b]
        if diff and len(diff) <= 2 and all(
                abs(float(mine[i]) - float(theirs[i])) <= 1.01e-5 * abs(float(theirs[i]))
                for i in diff):
            return True
    return False


@pytest.fixture(scope="module")
def rephased(tmp_path_factory):
    """A lake of the sample with lines dropped at block starts so that arffmagic's grid
    falls where the original file put it; returns the lake, the summary and, per file,
    the aligned blocks as (first, end) line ranges of the re-phased file."""
    src = tmp_path_factory.mktemp("rephased-src")
    layout = {}
    for sensor in SENSORS:
        out_dir = src / "raw" / "phone" / sensor
        out_dir.mkdir(parents=True)
        for subject in SUBJECTS:
            name = f"data_{subject}_{sensor}_phone.txt"
            _, pub = published(sensor, subject)
            keys = {tuple(r.split(",")[31:34]) for r in pub}
            out, spans = [], []
            for act, lines in raw_blocks(REAL_SAMPLE / "raw" / "phone" / sensor / name):
                phase = phase_of_block(lines, keys)
                drop = 0 if phase is None else (len(out) + phase) % N
                first = len(out)
                out.extend(lines[drop:])
                spans.append((first, len(out), act, phase is not None, drop))
            (out_dir / name).write_text("".join(out))
            layout[(sensor, subject)] = spans
    lake = tmp_path_factory.mktemp("rephased-lake")
    run_cli("ingest", "--source", src, "--lake", lake)
    run_cli("transform", "--lake", lake)
    summary = run_features(lake, "--compat", "arffmagic")
    rows, table = feature_rows(lake, summary["features_version"])
    return rows, layout


def test_compat_matches_all_93_values_of_every_aligned_window(rephased):
    rows, layout = rephased
    matched, reasons, computed = 0, collections.Counter(), 0
    for (sensor, subject), spans in sorted(layout.items()):
        _, pub = published(sensor, subject)
        pub_set = set(pub)
        copy = pub[0].rsplit(",", 1)[1] != str(subject)
        for k, row in enumerate(rows[(sensor, subject)]):
            computed += 1
            begin, end = k * N, k * N + N
            inside = [s for s in spans if s[0] <= begin and end <= s[1]]
            if row in pub_set:
                matched += 1
            elif copy:
                reasons["published file is a byte copy of 1610's (1611, 1612 phone accel)"] += 1
            elif not inside:
                nxt = [s for s in spans if begin < s[0] < end][0]
                prev = [s for s in spans if s[1] == nxt[0]][0]
                codes = "ABCDEFGHIJKLMOPQRS"
                if codes.index(nxt[2]) != codes.index(prev[2]) + 1:
                    reasons["spans the sample's gap where activities were left out"] += 1
                elif nxt[4]:
                    reasons[f"spans the end of a block that lost rows at its end "
                            f"(block {prev[2]} of {sensor} {subject})"] += 1
                else:
                    reasons[f"UNEXPLAINED {sensor} {subject} window {k} at a junction"] += 1
            elif not inside[0][3]:
                reasons["block has no published window to align to"] += 1
            elif end == inside[0][1]:
                reasons["last window of a block: its label is the next sample block's "
                        "activity"] += 1
            elif off_by_last_digit(row, pub):
                reasons["one value off by 1 in its 6th printed digit, on a rounding edge, "
                        "consistent with the sample's re-rendered tie digits (FACTS.md): "
                        "arffmagic read the decimal text"] += 1
            else:
                reasons[f"UNEXPLAINED {sensor} {subject} window {k}"] += 1
    print(f"\ncompat, sample re-phased: {computed} windows computed, {matched} equal to a "
          f"published row (all 93 values as printed)")
    for reason, n in reasons.most_common():
        print(f"  not matched, {reason}: {n}")
    assert not [r for r in reasons if r.startswith("UNEXPLAINED")]
    assert matched >= 1440  # 1443 when written


def test_arff_export_has_the_published_layout(compat):
    _, summary, rows, _, arff = compat
    assert len(summary["arff_files"]) == 26
    for sensor in SENSORS:
        header, _ = published(sensor, 1602)
        text = (arff / "phone" / sensor / f"data_1602_{sensor}_phone.arff").read_text()
        lines = text.split("\n")
        at = lines.index("@data")
        mine = lines[:at + 1]
        assert len(mine) == len(header) == 97
        # Same lines except the ACTIVITY values, which list only the labels used.
        assert ([line for i, line in enumerate(mine) if i != 2]
                == [line for i, line in enumerate(header) if i != 2])
        labels = "".join(dict.fromkeys(r[0] for r in rows[(sensor, 1602)]))
        assert mine[2] == '@attribute "ACTIVITY" { ' + ", ".join(labels) + " }"
        assert [line for line in lines[at + 1:] if line] == rows[(sensor, 1602)]
        assert text.endswith("\n")


def test_windows_dataset_schema_and_partitions(compat):
    lake, summary, _, table, _ = compat
    for col in ["subject", "device", "sensor", "activity", "block", "end_block", "window",
                "first_timestamp_ns", "last_timestamp_ns", "readings", *ATTRS]:
        assert col in table.columns, col
    assert set(table["device"].astype(str)) == {"phone"}
    assert set(table["sensor"].astype(str)) == {"accel", "gyro"}
    assert (table["readings"] == N).all()
    assert len(table) == summary["windows"]
    # The stable name points at the version just published.
    assert (lake / "features" / "windows").resolve().parent.name == summary["features_version"]


def test_corrected_windows_stay_inside_blocks_and_fix_the_statistics(real_sample_lake):
    lake, _ = real_sample_lake
    summary = run_features(lake)
    assert summary["mode"] == "corrected"
    _, t = feature_rows(lake, summary["features_version"])
    assert (t["block"] == t["end_block"]).all()
    cur = ds.dataset(lake / "curated" / "sensor_readings", format="parquet",
                     partitioning="hive").to_table().to_pandas()
    cur["sensor"] = cur["sensor"].astype(str)
    cur["activity"] = cur["activity"].astype(str)
    checked = 0
    for r in t.sample(40, random_state=1).itertuples():
        b = cur[(cur.sensor == str(r.sensor)) & (cur.subject == r.subject) & (cur.block == r.block)]
        b = b.sort_values("sample")
        w = b[(b.timestamp_ns >= r.first_timestamp_ns) & (b.timestamp_ns <= r.last_timestamp_ns)]
        assert len(w) == N and set(w.activity) == {str(r.activity)}
        xyz = w[["x", "y", "z"]].to_numpy(dtype=np.float64)
        for i, a in enumerate("XYZ"):
            assert getattr(r, f"{a}AVG") == pytest.approx(xyz[:, i].mean(), rel=1e-12, abs=1e-12)
            assert getattr(r, f"{a}STANDDEV") == pytest.approx(xyz[:, i].std(), rel=1e-9)
            assert getattr(r, f"{a}VAR") == pytest.approx(xyz[:, i].var(), rel=1e-9)
        assert r.XYCOR == pytest.approx(np.corrcoef(xyz[:, 0], xyz[:, 1])[0, 1], rel=1e-9)
        assert r.RESULTANT == pytest.approx(np.linalg.norm(xyz, axis=1).mean(), rel=1e-12)
        checked += 1
    assert checked == 40
