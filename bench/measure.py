"""Runs one command and prints {"wall_s", "max_rss_kb", "returncode"} as JSON on stdout.

Usage: python bench/measure.py [--timeout S] [--stdout FILE] -- CMD ARGS...

max_rss_kb is the largest peak resident set of any process of the command's tree
(getrusage(RUSAGE_CHILDREN).ru_maxrss, a maximum over processes, not a sum). This wrapper
makes itself a child subreaper, so processes that the command starts and leaves behind
(PySpark's JVM) are re-parented to it and reaped here, and count. Run one wrapper per
measured run: RUSAGE_CHILDREN accumulates over the life of the process that reads it.
The command's stdout goes to --stdout (default: discarded) and its stderr to ours.
"""
import argparse
import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def reap_orphans(grace_s):
    """Waits for every re-parented descendant; kills what is still alive after grace_s."""
    deadline = time.monotonic() + grace_s
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() > deadline:
                for child in _children():
                    try:
                        os.kill(child, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                deadline = float("inf")
            time.sleep(0.05)


def _children():
    me = str(os.getpid())
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[1] == me:
                        out.append(int(d))
            except OSError:
                pass
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=None)
    ap.add_argument("--stdout", default=None)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print(f"measure: prctl failed: {os.strerror(ctypes.get_errno())}", file=sys.stderr)
    out = open(args.stdout, "wb") if args.stdout else subprocess.DEVNULL
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, start_new_session=True)
    timed_out = False
    try:
        rc = proc.wait(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        rc = proc.wait()
    wall = time.perf_counter() - t0
    reap_orphans(grace_s=60)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    print(json.dumps({"wall_s": round(wall, 4), "max_rss_kb": rss, "returncode": rc,
                      "timed_out": timed_out}))


if __name__ == "__main__":
    main()
