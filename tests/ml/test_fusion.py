"""How the trainer pairs windows of different streams (python/sensorlake/ml/fusion.py):
by time on one device's clock, by rank across devices; unpaired windows are counted."""
import sys

import numpy as np

from sensorlake_cli import trainer_python_path

sys.path[:0] = trainer_python_path()

from sensorlake.ml import fusion  # noqa: E402

SECOND = 1_000_000_000


def frame(spans, subject=1600, activity="A", value=0.0):
    """A Frame with one window per (first, last) span in seconds, one attribute."""
    n = len(spans)
    return fusion.Frame(x=np.full((n, 1), value), y=np.asarray([activity] * n),
                        groups=np.full(n, subject, dtype=np.int64),
                        first=np.asarray([int(a * SECOND) for a, _ in spans], dtype=np.int64),
                        last=np.asarray([int(b * SECOND) for _, b in spans], dtype=np.int64),
                        names=["XAVG"])


def test_time_pairing_matches_concurrent_windows():
    accel = frame([(0, 10), (10, 20), (20, 30)], value=1.0)
    gyro = frame([(0.5, 10.5), (10.5, 20.5), (20.5, 30.5)], value=2.0)
    fused = fusion.fuse(accel, gyro, "phone/accel", "phone/gyro", same_clock=True)
    assert fused.pairing["pairs"] == 3
    assert fused.names == ["phone_accel.XAVG", "phone_gyro.XAVG"]
    assert fused.x.tolist() == [[1.0, 2.0]] * 3


def test_time_pairing_leaves_out_windows_without_a_partner():
    # A 40 Hz accel stream: 200 readings span 5 s, so two accel windows per gyro window;
    # only the one overlapping at least half of it pairs, the other is counted unpaired.
    accel = frame([(0, 5), (5, 10), (10, 15), (15, 20)])
    gyro = frame([(0, 10), (10, 20)])
    fused = fusion.fuse(accel, gyro, "phone/accel", "phone/gyro", same_clock=True)
    assert fused.pairing["pairs"] == 2
    assert fused.pairing["unpaired"] == {"phone/accel": 2, "phone/gyro": 0}
    assert fused.first.tolist() == [0, 10 * SECOND]
    # Windows that barely touch do not pair.
    assert fusion.fuse(frame([(0, 10)]), frame([(9, 19)]), "a/x", "a/y", True) is None


def test_pairs_stay_inside_one_subject_and_activity():
    a = frame([(0, 10)], subject=1600, activity="A")
    b = frame([(0, 10)], subject=1601, activity="A")
    c = frame([(0, 10)], subject=1600, activity="B")
    assert fusion.fuse(a, b, "phone/accel", "phone/gyro", True) is None
    assert fusion.fuse(a, c, "phone/accel", "phone/gyro", True) is None


def test_rank_pairing_across_devices_ignores_the_clocks():
    phone = frame([(100, 110), (110, 120), (120, 130)], value=1.0)
    watch = frame([(5, 15), (15, 25)], value=2.0)  # another clock, one window fewer
    fused = fusion.fuse(phone, watch, "phone/accel", "watch/accel", same_clock=False)
    assert fused.pairing["pairs"] == 2
    assert fused.pairing["unpaired"] == {"phone/accel": 1, "watch/accel": 0}
    assert fused.first.tolist() == [100 * SECOND, 110 * SECOND]


def test_build_frames_fuses_what_it_needs_and_names_what_it_skips():
    singles = {"phone/accel": frame([(0, 10)], value=1.0),
               "phone/gyro": frame([(0, 10)], value=2.0)}
    loaded = []

    def load(name):
        loaded.append(name)
        return singles.get(name)

    frames, skipped = fusion.build_frames(load, ["phone/accel+gyro", "watch/accel+gyro",
                                                 "phone/accel"])
    assert list(frames) == ["phone/accel+gyro", "phone/accel"]
    assert frames["phone/accel+gyro"].x.tolist() == [[1.0, 2.0]]
    assert skipped == {"watch/accel+gyro": "no windows to pair"}
    assert sorted(loaded) == ["phone/accel", "phone/gyro", "watch/accel", "watch/gyro"]
