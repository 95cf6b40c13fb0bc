"""`sensorlake features` on the real sample, against the dataset's published ARFF files.

arffmagic's windows are consecutive 200-line blocks counted from the top of the ORIGINAL
raw file, across activity changes, each labelled by the record that follows it
(../shared/wisdm/arffmagic-features.md, "the spec", sections 2 and 10). The sample keeps
only some activity blocks of each file, each "the original block in original order; a block
may have lost rows at its end" (../shared/wisdm/FACTS.md). So which published row a window
of a sample file is, if any, follows from the input alone, before any engine output is read:

- every sample line of one block sits in the original file at one shift (FACTS.md above);
  the test finds it from the published XAVG/YAVG/ZAVG: the means of a 200-line stretch of the
  block, computed here and printed as the spec prints them, equal a published row's;
- a window of the file (200 readings and the record after it, which labels it) is the
  published row j when its 201 lines share one shift d with d a multiple of 200:
  j = window + d/200. Any other window is not comparable (it mixes lines the original did
  not have side by side, or is cut on another grid).

Two comparisons: the sample as it is (spec section 10: this gives the first 53 rows of 1602
and 67 of 1605, phone accel), and the sample re-phased (lines dropped at the start of each
block so that the grid falls where the original put it). Every comparable window must match
its published row, all 93 values, within the printing precision (see `within_print`).
"""
import collections
import math
from decimal import Decimal

import numpy as np
import pyarrow.dataset as ds
import pytest

from sensorlake_cli import REAL_SAMPLE, run_cli

N = 200
SENSORS = ("accel", "gyro")
SUBJECTS = range(1600, 1613)
ATTRS = ([f"{a}{i}" for a in "XYZ" for i in range(10)]
         + [f"{a}{k}" for k in ("AVG", "PEAK", "ABSOLDEV", "STANDDEV", "VAR") for a in "XYZ"]
         + [f"{a}MFCC{i}" for a in "XYZ" for i in range(13)]
         + ["XYCOS", "XZCOS", "YZCOS", "XYCOR", "XZCOR", "YZCOR", "RESULTANT"])
# Spec section 9.1 (and FACTS.md): the published phone/accel files of 1611-1613 and
# 1615-1617 are byte copies of 1610's. Of the sample's subjects, 1611 and 1612: their rows
# are not theirs, so nothing of those two files is comparable.
COPIED = {("accel", 1611), ("accel", 1612)}


def g(v):
    """A double as arffmagic printed it (C++ stream default, printf %g; glibc NaN)."""
    return "-nan" if math.isnan(v) else "%g" % v


def within_print(mine, text):
    """True when the double `mine` prints as the published `text` could have been printed.

    Spec section 3: values are printed as printf("%g"), 6 significant digits, rounded
    correctly from the double arffmagic computed. So that double lies within half a unit of
    the 6th significant digit of the printed value, and an engine that computes the same
    double (spec section 5: the engine follows every rule that matters for the printed
    text) is within the same bound. Exact decimal arithmetic, no float slack. A printed
    `0` comes only from an exact zero (%g prints any other double with its own exponent),
    so it admits only 0."""
    if math.isnan(mine) or text in ("-nan", "nan"):
        return math.isnan(mine) and text in ("-nan", "nan")
    printed = Decimal(text)
    if printed == 0:
        return mine == 0
    half_unit = Decimal(5).scaleb(printed.adjusted() - 6)
    return abs(Decimal(mine) - printed) <= half_unit


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


def feature_table(lake, version):
    t = ds.dataset(lake / "features" / "_versions" / version / "windows", format="parquet",
                   partitioning="hive").to_table().to_pandas()
    t["sensor"] = t["sensor"].astype(str)
    t["activity"] = t["activity"].astype(str)
    return t.sort_values(["sensor", "subject", "window"])


def feature_rows(lake, version):
    """{(sensor, subject): [row text as arffmagic prints it, ...]} in window order."""
    t = feature_table(lake, version)
    out = collections.defaultdict(list)
    cols = [t[a].to_numpy() for a in ATTRS]
    for i, (sensor, subject, act) in enumerate(zip(t["sensor"], t["subject"], t["activity"])):
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


def block_shifts(blocks, pub):
    """For each block of a file [(activity, lines)]: the shift d (original position minus
    position in this file) of its lines, or None when no 200-line stretch of it has the
    means of a published row. Only the input is read: the raw text (as atof reads it) and the
    published XAVG, YAVG, ZAVG (columns 31-33)."""
    keys = collections.Counter(tuple(r.split(",")[31:34]) for r in pub)
    index = {tuple(r.split(",")[31:34]): j for j, r in enumerate(pub)}
    shifts, start = [], 0
    for _, lines in blocks:
        v = np.array([[float(t) for t in line.rstrip().rstrip(";").split(",")[3:6]]
                      for line in lines], dtype=np.longdouble)
        c = np.vstack([np.zeros((1, 3), dtype=np.longdouble), np.cumsum(v, axis=0)])
        found = collections.Counter()
        for s in range(len(v) - N + 1):
            key = tuple(g(float(m)) for m in (c[s + N] - c[s]) / N)
            if keys.get(key) == 1:
                found[N * index[key] - (start + s)] += 1
        # Lines of one block keep their order and spacing in the original: one shift. A
        # stray coincidence of three printed means would show as a second, rare shift.
        assert len(found) <= 1 or found.most_common(2)[1][1] * 20 < found.most_common(1)[0][1]
        shifts.append(found.most_common(1)[0][0] if found else None)
        start += len(lines)
    return shifts


def comparable_windows(blocks, shifts):
    """{window: published row} of the windows whose 200 readings and labelling record all
    sit in the original at one shift that is a multiple of 200 (spec sections 2.2, 2.3)."""
    shift_of_line = []
    for (_, lines), d in zip(blocks, shifts):
        shift_of_line += [d] * len(lines)
    out = {}
    for k in range((len(shift_of_line) - 1) // N):  # spec 2.4: the last block is dropped
        d = set(shift_of_line[k * N:k * N + N + 1])
        if len(d) == 1 and None not in d and next(iter(d)) % N == 0:
            out[k] = k + next(iter(d)) // N
    return out


def compare(table, plan):
    """Compares every comparable window of `plan` {(sensor, subject): {window: row}} with
    its published row; returns {(sensor, subject): compared}, failing on any difference."""
    bad, compared = [], collections.Counter()
    for (sensor, subject), windows in sorted(plan.items()):
        _, pub = published(sensor, subject)
        mine = table[(table.sensor == sensor) & (table.subject == subject)]
        by_window = {int(w): i for i, w in enumerate(mine["window"])}
        values = mine[ATTRS].to_numpy(dtype=np.float64)
        acts = mine["activity"].to_list()
        for k, j in sorted(windows.items()):
            fields = pub[j].split(",")
            row = by_window[k]
            wrong = [(ATTRS[a], repr(values[row, a]), fields[1 + a]) for a in range(len(ATTRS))
                     if not within_print(values[row, a], fields[1 + a])]
            if acts[row] != fields[0] or fields[-1] != str(subject) or wrong:
                bad.append((sensor, subject, k, j, acts[row], fields[0], wrong))
            compared[(sensor, subject)] += 1
    assert not bad, "\n".join(map(str, bad))
    return compared


def test_compat_matches_every_published_row_the_sample_lines_up_with(compat):
    _, summary, _, table, _ = compat
    assert summary["mode"] == "arffmagic"
    plan = {}
    for sensor in SENSORS:
        for subject in SUBJECTS:
            blocks = raw_blocks(REAL_SAMPLE / "raw" / "phone" / sensor /
                                f"data_{subject}_{sensor}_phone.txt")
            lines = sum(len(b) for _, b in blocks)
            windows = table[(table.sensor == sensor) & (table.subject == subject)]
            # Spec 2.5: consecutive 200-line windows from the top, the last block dropped.
            assert list(windows["window"]) == list(range((lines - 1) // N)), (sensor, subject)
            if (sensor, subject) in COPIED:
                continue
            _, pub = published(sensor, subject)
            plan[(sensor, subject)] = comparable_windows(blocks, block_shifts(blocks, pub))
    # Spec section 10: the first 53 rows of 1602 and 67 of 1605 line up (phone accel, whose
    # files start with the original's A, B and C blocks; the later M block does not).
    assert plan[("accel", 1602)] == {k: k for k in range(53)}
    assert plan[("accel", 1605)] == {k: k for k in range(67)}
    # Elsewhere a block lines up only where its original offset happens to be a multiple of
    # 200 lines away from its offset in the sample (1 chance in 200 per block).
    compared = compare(table, plan)
    print("\ncompat, sample as it is: " + ", ".join(
        f"phone/{s} {u}: {n} rows" for (s, u), n in sorted(compared.items()) if n))


@pytest.fixture(scope="module")
def rephased(tmp_path_factory):
    """A lake of the sample with lines dropped at block starts so that arffmagic's grid
    falls where the original file put it, the features table, and per file the re-phased
    blocks [(activity, lines)]."""
    src = tmp_path_factory.mktemp("rephased-src")
    files = {}
    for sensor in SENSORS:
        out_dir = src / "raw" / "phone" / sensor
        out_dir.mkdir(parents=True)
        for subject in SUBJECTS:
            name = f"data_{subject}_{sensor}_phone.txt"
            blocks = raw_blocks(REAL_SAMPLE / "raw" / "phone" / sensor / name)
            _, pub = published(sensor, subject)
            shifts = block_shifts(blocks, pub)
            out, start, written = [], 0, 0
            for (act, lines), d in zip(blocks, shifts):
                # Line p of the sample is at original position p + d; here it moves to
                # written + (p - start) - drop, which must be that position modulo 200.
                drop = 0 if d is None else (written - start - d) % N
                out.append((act, lines[drop:]))
                start += len(lines)
                written += len(lines) - drop
            (out_dir / name).write_text("".join("".join(lines) for _, lines in out))
            files[(sensor, subject)] = out
    lake = tmp_path_factory.mktemp("rephased-lake")
    run_cli("ingest", "--source", src, "--lake", lake)
    run_cli("transform", "--lake", lake)
    summary = run_features(lake, "--compat", "arffmagic")
    return feature_table(lake, summary["features_version"]), files


def test_compat_matches_all_93_values_of_every_window_the_rephased_sample_lines_up_with(
        rephased):
    table, files = rephased
    plan = {}
    for (sensor, subject), blocks in sorted(files.items()):
        lines = sum(len(b) for _, b in blocks)
        windows = table[(table.sensor == sensor) & (table.subject == subject)]
        assert list(windows["window"]) == list(range((lines - 1) // N)), (sensor, subject)
        if (sensor, subject) in COPIED:
            continue
        _, pub = published(sensor, subject)
        shifts = block_shifts(blocks, pub)
        # Every block of the sample holds published windows (the blocks are 3,500 lines and
        # more) and, re-phased, sits on the original's grid.
        assert all(d is not None and d % N == 0 for d in shifts), (sensor, subject, shifts)
        plan[(sensor, subject)] = comparable_windows(blocks, shifts)
    # Re-phased, every window whose readings and labelling record lie in one block lines up.
    for (sensor, subject), blocks in sorted(files.items()):
        if (sensor, subject) in COPIED:
            continue
        ends = np.cumsum([len(b) for _, b in blocks])
        inside = {k for k in range((ends[-1] - 1) // N)
                  if np.searchsorted(ends, k * N, side="right")
                  == np.searchsorted(ends, k * N + N, side="right")}
        assert inside <= set(plan[(sensor, subject)]), (sensor, subject)
    compared = compare(table, plan)
    print(f"\ncompat, sample re-phased: {len(table)} windows computed, "
          f"{sum(compared.values())} comparable, each equal to its published row")


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
