"""The one way a test may be skipped: an explicit, loud opt-out.

A test whose component (the S3 server, a tmpfs mount, ...) is missing fails, naming the
component and how to install it. Only `SENSORLAKE_TEST_OPT_OUT`, a comma-separated list of
component names, turns that failure into a skip; `make test` prints the list in its summary
and CI never sets it. Components: see docs/testing.md.
"""
import os

import pytest

ENV = "SENSORLAKE_TEST_OPT_OUT"


def opted_out(component: str) -> bool:
    names = {n.strip() for n in os.environ.get(ENV, "").split(",") if n.strip()}
    return component in names


def require(component: str, available: bool, how_to_install: str) -> None:
    """Fails the calling test when `component` is not available, unless it is opted out."""
    if available:
        return
    if opted_out(component):
        pytest.skip(f"{component} opted out by {ENV}")
    pytest.fail(f"{component} is missing: {how_to_install} "
                f"(or opt out loudly with {ENV}={component})", pytrace=False)
