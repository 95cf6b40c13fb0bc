"""Model inputs: the windows of one device and sensor, or of several fused side by side.

A fused row puts the attributes of windows from different streams that cover the same
moment of the same subject and activity next to each other (names prefixed with the
stream, `phone_accel.XAVG`). How windows are paired (docs/features.md, Model baseline):

- accel + gyro of one device: both streams carry the same device clock (real data: phone
  accel and gyro of a subject end on the same timestamp), so windows are paired by time:
  each pair overlaps by at least half of the shorter window. Windows without a partner
  (a stream that runs at 40 Hz has twice as many, shorter windows) are left out.
- phone + watch: the two devices' clocks are unrelated (FACTS.md: never compare them), but
  both recorded the same minutes, so the k-th window of a subject's activity on the phone
  is paired with the k-th on the watch; the surplus of the longer stream is left out.
  This alignment is approximate (a few seconds), and both windows hold the same activity.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Columns of a features row that are not model inputs (identifiers, label, bookkeeping).
NON_FEATURES = {"subject", "activity", "block", "end_block", "window", "first_timestamp_ns",
                "last_timestamp_ns", "readings", "device", "sensor"}
# The dataset's README says the MFCC, cosine and correlation attributes "are not used in our
# published research papers"; `published` leaves them out for comparison.
UNPUBLISHED_PREFIXES = ("XMFCC", "YMFCC", "ZMFCC", "XYCOS", "XZCOS", "YZCOS", "XYCOR", "XZCOR",
                        "YZCOR")
SINGLE = ["phone/accel", "phone/gyro", "watch/accel", "watch/gyro"]
FUSED = {"phone/accel+gyro": ("phone/accel", "phone/gyro"),
         "watch/accel+gyro": ("watch/accel", "watch/gyro"),
         "phone+watch/accel+gyro": ("phone/accel+gyro", "watch/accel+gyro")}
ALL = SINGLE + list(FUSED)
# Minimum overlap of two paired windows of one device, as a share of the shorter one.
MIN_OVERLAP = 0.5


@dataclass
class Frame:
    """The model inputs of one combination: a row per window (or pair of windows)."""

    x: object  # numpy float64 (rows, features); nulls are NaN, which the trees handle
    y: object  # numpy str (rows,), the activity code
    groups: object  # numpy int64 (rows,), the subject
    first: object  # numpy int64 (rows,), device clock of the first reading (for pairing)
    last: object  # numpy int64 (rows,)
    names: list[str]
    pairing: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.y)


def attribute_names(schema, attributes: str) -> list[str]:
    import pyarrow as pa
    names = [f.name for f in schema if f.name not in NON_FEATURES and pa.types.is_floating(f.type)]
    if attributes == "published":
        names = [n for n in names if not n.startswith(UNPUBLISHED_PREFIXES)]
    return names


def frame_of(table, attributes: str) -> Frame | None:
    """The Frame of one device+sensor's windows table; None when it is empty."""
    import numpy as np
    if table.num_rows == 0:
        return None
    names = attribute_names(table.schema, attributes)
    x = np.column_stack([table[c].to_numpy(zero_copy_only=False).astype(np.float64)
                         for c in names])

    def column(name):
        return table[name].to_numpy(zero_copy_only=False).astype(np.int64)

    return Frame(x=x, y=np.asarray([str(v) for v in table["activity"].to_pylist()]),
                 groups=column("subject"), first=column("first_timestamp_ns"),
                 last=column("last_timestamp_ns"), names=names)


def _by_subject_activity(frame: Frame) -> dict:
    """(subject, activity) -> row indices in time order."""
    import numpy as np
    order = np.lexsort((frame.first, frame.y, frame.groups))
    out: dict = {}
    for i in order.tolist():
        out.setdefault((int(frame.groups[i]), str(frame.y[i])), []).append(i)
    return out


def pairs_by_time(a: list[int], b: list[int], fa: Frame, fb: Frame) -> list[tuple[int, int]]:
    """Pairs (i, j) of time-ordered windows of one device whose spans overlap by at least
    MIN_OVERLAP of the shorter one; a two-pointer sweep, each window used at most once."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        ra, rb = a[i], b[j]
        overlap = min(fa.last[ra], fb.last[rb]) - max(fa.first[ra], fb.first[rb])
        shorter = min(fa.last[ra] - fa.first[ra], fb.last[rb] - fb.first[rb])
        if overlap >= MIN_OVERLAP * max(shorter, 1):
            out.append((ra, rb))
            i, j = i + 1, j + 1
        elif fa.last[ra] <= fb.last[rb]:
            i += 1
        else:
            j += 1
    return out


def pairs_by_rank(a: list[int], b: list[int], fa: Frame, fb: Frame) -> list[tuple[int, int]]:
    """The k-th window of one device with the k-th of the other (unrelated clocks)."""
    return list(zip(a, b))


def _prefixed(stream: str, names: list[str]) -> list[str]:
    """Attribute names qualified by their stream (`phone_accel.XAVG`), once."""
    return [n if "." in n else f"{stream.replace('/', '_')}.{n}" for n in names]


def fuse(fa: Frame, fb: Frame, name_a: str, name_b: str, same_clock: bool) -> Frame | None:
    """The pairs of windows of `fa` and `fb` as one Frame (None when nothing pairs)."""
    import numpy as np
    pair = pairs_by_time if same_clock else pairs_by_rank
    ga, gb = _by_subject_activity(fa), _by_subject_activity(fb)
    pairs = []
    for key in sorted(set(ga) & set(gb)):
        pairs += pair(ga[key], gb[key], fa, fb)
    if not pairs:
        return None
    ia = np.asarray([p[0] for p in pairs])
    ib = np.asarray([p[1] for p in pairs])
    return Frame(x=np.hstack([fa.x[ia], fb.x[ib]]), y=fa.y[ia], groups=fa.groups[ia],
                 first=fa.first[ia], last=fa.last[ia],
                 names=_prefixed(name_a, fa.names) + _prefixed(name_b, fb.names),
                 pairing={"rule": "time overlap >= 50% (one device clock)" if same_clock
                          else "k-th window of each subject and activity (unrelated clocks)",
                          "pairs": len(pairs),
                          "unpaired": {name_a: len(fa) - len(pairs),
                                       name_b: len(fb) - len(pairs)}})


def build_frames(load_single, wanted: list[str]) -> tuple[dict, dict]:
    """Frames of the `wanted` combinations ({name: Frame}) and the skipped ones ({name:
    reason}); `load_single(name)` gives the Frame of a single device/sensor or None."""
    frames: dict = {}
    skipped: dict = {}

    def get(name: str) -> Frame | None:
        if name in frames:
            return frames[name]
        if name in FUSED:
            a, b = FUSED[name]
            fa, fb = get(a), get(b)
            same_clock = a.split("/")[0] == b.split("/")[0]
            frame = fuse(fa, fb, a, b, same_clock) if fa is not None and fb is not None \
                else None
        else:
            frame = load_single(name)
        frames[name] = frame
        return frame

    for name in wanted:
        if get(name) is None:
            skipped[name] = "no windows" if name in SINGLE else "no windows to pair"
    return {n: frames[n] for n in wanted if frames.get(n) is not None}, skipped
