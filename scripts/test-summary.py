#!/usr/bin/env python3
"""`make test`'s bookkeeping: each suite's JUnit XML in build/test-results/, and the summary
printed at the end (passed, failed and skipped per suite, each skipped and failed test by
name, the opt-outs in force). Standard library only: it runs before and without .venv.

  test-summary.py record DIR SUITE EXIT_CODE SECONDS   after each suite
  test-summary.py summarize DIR                        at the end; exit 1 if anything failed
"""
import json
import os
import pathlib
import sys
import xml.etree.ElementTree as ET

OPT_OUT_ENV = "SENSORLAKE_TEST_OPT_OUT"


def suite_files(results: pathlib.Path, suite: str):
    """The JUnit files a suite wrote: SUITE.xml or SUITE-<part>.xml."""
    return sorted(p for p in results.glob("*.xml")
                  if p.stem == suite or p.stem.startswith(suite + "-"))


def cases(path: pathlib.Path):
    """(name, outcome, message) of every test case in one JUnit file (pytest, ctest, ours)."""
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        name = case.get("name", "?")
        classname = case.get("classname")
        if classname and classname != name:  # ctest repeats the name as its class
            name = f"{classname}::{name}"
        outcome, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error"):
                outcome, message = "failed", child.get("message", "") or (child.text or "")
                break
            if child.tag == "skipped":
                outcome, message = "skipped", child.get("message", "") or (child.text or "")
        # ctest marks tests it did not run (disabled, or a SKIP_REGULAR_EXPRESSION match).
        if outcome == "passed" and case.get("status") in ("notrun", "disabled"):
            outcome = "skipped"
        if outcome == "passed" and case.get("status") == "fail":
            outcome = "failed"
        yield name, outcome, message.strip().splitlines()[0] if message.strip() else ""


def write_junit(path: pathlib.Path, suite: str, case_name: str, failure: str | None):
    root = ET.Element("testsuite", name=suite, tests="1", failures="1" if failure else "0")
    case = ET.SubElement(root, "testcase", classname=suite, name=case_name)
    if failure:
        ET.SubElement(case, "failure", message=failure)
    ET.ElementTree(root).write(path, encoding="unicode")


def record(results: pathlib.Path, suite: str, rc: int, seconds: int):
    """A suite that wrote no JUnit file counts as one test case. A suite that exited non-zero
    without a failed case in its files (a crash, a set-up step) gets a failed case, so a
    failure never goes uncounted."""
    files = suite_files(results, suite)
    if not files:
        write_junit(results / f"{suite}.xml", suite, suite,
                    f"exited {rc}" if rc != 0 else None)
    elif rc != 0 and not any(o == "failed" for f in files for _, o, _ in cases(f)):
        write_junit(results / f"{suite}-exit.xml", suite, f"{suite} (exit status)",
                    f"exited {rc} with no failed test case recorded")
    meta = results / "suites.json"
    data = json.loads(meta.read_text()) if meta.exists() else []
    data.append({"suite": suite, "exit": rc, "seconds": seconds})
    meta.write_text(json.dumps(data))


def summarize(results: pathlib.Path) -> int:
    meta = results / "suites.json"
    suites = json.loads(meta.read_text()) if meta.exists() else []
    print("\n== summary ==")
    print(f"{'suite':<14}{'passed':>8}{'failed':>8}{'skipped':>9}{'seconds':>9}")
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    skipped, failed = [], []
    for s in suites:
        counts = {"passed": 0, "failed": 0, "skipped": 0}
        for f in suite_files(results, s["suite"]):
            for name, outcome, message in cases(f):
                counts[outcome] += 1
                if outcome == "skipped":
                    skipped.append(f"{s['suite']}: {name}: {message}")
                elif outcome == "failed":
                    failed.append(f"{s['suite']}: {name}: {message}")
        for k in totals:
            totals[k] += counts[k]
        print(f"{s['suite']:<14}{counts['passed']:>8}{counts['failed']:>8}"
              f"{counts['skipped']:>9}{s['seconds']:>9}")
    opt_out = os.environ.get(OPT_OUT_ENV, "").strip()
    print(f"opt-outs ({OPT_OUT_ENV}): {opt_out or 'none'}")
    if opt_out:
        print("!! components opted out: their tests were SKIPPED, this is not a full run !!")
    print("skipped tests:" + ("" if skipped else " none"))
    for line in skipped:
        print(f"  {line}")
    if failed:
        print("failed tests:")
        for line in failed:
            print(f"  {line}")
    print(f"total: {totals['passed']} passed, {totals['failed']} failed, "
          f"{totals['skipped']} skipped")
    return 1 if totals["failed"] or not suites else 0


def main(argv):
    if len(argv) == 6 and argv[1] == "record":
        record(pathlib.Path(argv[2]), argv[3], int(argv[4]), int(argv[5]))
        return 0
    if len(argv) == 3 and argv[1] == "summarize":
        return summarize(pathlib.Path(argv[2]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
