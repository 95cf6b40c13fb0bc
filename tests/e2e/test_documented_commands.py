"""Every command the README documents works as written: each `make` target exists and
expands, each `PRESET=<name>` has the configure, build and test presets that `make test`
needs, each `sensorlake` subcommand of the command table answers `--help` with the flags the
table names, and the single-test recipes select tests that exist."""
import json
import pathlib
import re
import subprocess

import pytest

from sensorlake_cli import REPO, sensorlake_bin

README = (REPO / "README.md").read_text()


def documented(pattern):
    return sorted(set(re.findall(pattern, README)))


def makefile_targets():
    text = (REPO / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z-]*):", text, flags=re.M))


MAKE_TARGETS = documented(r"\bmake ([a-z][a-z-]*)")
PRESETS = documented(r"\bPRESET=([a-z]+)")


def test_the_readme_documents_the_commands_this_test_reads():
    # The parsing below must find the README's own commands, or every check passes vacuously.
    assert {"run", "test", "build", "lint", "dist", "bench", "format"} <= set(MAKE_TARGETS)
    assert {"asan", "debug"} <= set(PRESETS)


@pytest.mark.parametrize("target", MAKE_TARGETS)
def test_documented_make_target_exists_and_expands(target):
    assert target in makefile_targets(), f"README names `make {target}`: no such target"
    # -n prints the recipe without running it: a broken prerequisite or recipe fails here.
    proc = subprocess.run(["make", "-n", target], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("preset", PRESETS)
def test_documented_preset_has_configure_build_and_test_presets(preset):
    presets = json.loads((REPO / "CMakePresets.json").read_text())
    for kind in ("configurePresets", "buildPresets", "testPresets"):
        names = {p["name"] for p in presets.get(kind, [])}
        assert preset in names, f"`PRESET={preset} make test` needs a {kind} entry {preset}"
    # CMake itself accepts the file and lists the preset for each step.
    for kind in ("configure", "build", "test"):
        out = subprocess.run(["cmake", f"--list-presets={kind}"], cwd=REPO,
                             capture_output=True, text=True, check=True).stdout
        assert f'"{preset}"' in out, out
    recipe = subprocess.run(["make", "-n", "test", f"PRESET={preset}"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout
    assert f"cmake --preset {preset}" in recipe
    assert f"scripts/test.sh \"{preset}\"" in recipe


def command_table():
    """(subcommand, flags) of each `sensorlake <sub>` row in the README's command table."""
    rows = []
    for line in README.splitlines():
        m = re.match(r"\| `sensorlake ([a-z]+)([^`]*)`", line)
        if m:
            rows.append((m.group(1), sorted(set(re.findall(r"--[a-z][a-z-]*", m.group(2))))))
    return rows


def test_the_command_table_is_read():
    subs = {sub for sub, _ in command_table()}
    assert {"generate", "ingest", "transform", "run", "check", "features", "publish",
            "serve", "runs", "train"} <= subs


@pytest.mark.parametrize("sub,flags", command_table(), ids=lambda v: str(v))
def test_documented_subcommand_takes_its_documented_flags(sub, flags):
    proc = subprocess.run([sensorlake_bin(), sub, "--help"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    for flag in flags:
        assert re.search(rf"{flag}\b", proc.stdout), f"`sensorlake {sub} --help` lacks {flag}"


def test_the_single_test_recipe_selects_tests():
    m = re.search(r"build/release/tests/sensorlake_tests --gtest_filter='([^']+)'", README)
    assert m, "the README's one-test recipe is gone"
    # The same build as the CLI under test (build/<preset>/src/sensorlake).
    tests = pathlib.Path(sensorlake_bin()).parents[1] / "tests" / "sensorlake_tests"
    out = subprocess.run([str(tests), "--gtest_list_tests", f"--gtest_filter={m.group(1)}"],
                         capture_output=True, text=True, check=True).stdout
    assert re.search(r"^  \w", out, flags=re.M), f"--gtest_filter='{m.group(1)}' selects nothing"
