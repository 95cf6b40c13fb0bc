"""The portable artifacts `make dist` ships (docs/infrastructure.md, "Portable artifacts"),
checked without AWS: every ELF within manylinux_2_28 by auditwheel's own policy file, the
tarball self-contained, and its engine run under Debian 11's glibc 2.31 loader with nothing
but its own lib/ and that old system, giving the native build's counts on the real sample.
scripts/test.sh runs scripts/dist/make-dist.sh first."""
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from sensorlake_cli import REAL_SAMPLE, REPO, sensorlake_bin

sys.path.insert(0, str(REPO / "scripts" / "dist"))
import portable  # noqa: E402

DIST = REPO / "dist"


def sysroot() -> Path:
    out = subprocess.run(["bash", str(REPO / "scripts" / "sysroot" / "build.sh")], check=True,
                         capture_output=True, text=True).stdout.strip()
    return Path(out)


@pytest.fixture(scope="module")
def tarball(tmp_path_factory) -> Path:
    archives = sorted(DIST.glob("sensorlake-*-linux-x86_64.tar.gz"))
    assert len(archives) == 1, f"expected one tarball in dist/ (make dist): {archives}"
    out = tmp_path_factory.mktemp("tarball")
    with tarfile.open(archives[0]) as t:
        t.extractall(out, filter="tar")
    (root,) = out.iterdir()
    return root


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    wheels = sorted(DIST.glob("sensorlake-*.whl"))
    assert len(wheels) == 1, wheels
    assert wheels[0].name.endswith("-cp311-cp311-manylinux_2_28_x86_64.whl"), wheels[0].name
    out = tmp_path_factory.mktemp("wheel")
    with zipfile.ZipFile(wheels[0]) as z:
        z.extractall(out)
    return out


def elfs(root: Path) -> list[Path]:
    return [p for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()
            and portable.is_elf(p)]


def newest(versions: set[str]) -> tuple:
    return max(portable.version_key(v) for v in versions)


@pytest.mark.parametrize("artifact", ["tarball", "wheel"])
def test_every_elf_needs_at_most_glibc_2_28_and_glibcxx_3_4_24(artifact, request):
    root = request.getfixturevalue(artifact)
    found = elfs(root)
    assert len(found) >= (30 if artifact == "tarball" else 20), found
    report = {}
    for path in found:
        needed, versions, libcxx = portable.dynamic_info(path)
        assert not libcxx, f"{path} references libc++ (std::__1)"
        if "GLIBC" in versions:
            assert newest(versions["GLIBC"]) <= (2, 28), (path, sorted(versions["GLIBC"]))
        if "GLIBCXX" in versions:
            assert newest(versions["GLIBCXX"]) <= (3, 4, 24), (path, sorted(versions["GLIBCXX"]))
        report[path.name] = max(versions.get("GLIBC", {"0"}), key=portable.version_key)
    print(json.dumps(report, indent=1))


def test_the_check_fails_a_library_built_for_this_machine(tmp_path):
    # The negative control: Debian 12's own libcurl needs GLIBC_2.34 and has no bundle beside it.
    proc = subprocess.run([sys.executable, str(REPO / "scripts/dist/portable.py"), "check",
                           "/usr/lib/x86_64-linux-gnu/libcurl.so.4"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "needs GLIBC_2.34 > GLIBC_2.28" in proc.stdout
    assert "is neither on the manylinux_2_28 list nor bundled" in proc.stdout


def test_every_needed_library_is_on_the_system_list_or_bundled(tarball, wheel):
    allowed = set(portable.policy()["lib_whitelist"])
    for root, libdir in ((tarball, tarball / "lib"), (wheel, wheel / "sensorlake.libs")):
        bundled = {p.name for p in libdir.iterdir()}
        arrow = {"libarrow.so.2600", "libparquet.so.2600", "libarrow_s3.so.2600"}
        for path in elfs(root):
            needed, _, _ = portable.dynamic_info(path)
            # The wheel leaves Arrow to the pinned pyarrow it depends on.
            missing = [n for n in needed if n not in allowed and n not in bundled
                       and not n.startswith("ld-linux") and not (root == wheel and n in arrow)]
            assert not missing, f"{path}: {missing}"
    runpath = subprocess.run(["readelf", "-d", str(tarball / "bin" / "sensorlake")],
                             capture_output=True, text=True, check=True).stdout
    assert "Library runpath: [$ORIGIN/../lib]" in runpath
    module = next((wheel / "sensorlake").glob("_engine*.so"))
    runpath = subprocess.run(["readelf", "-d", str(module)], capture_output=True, text=True,
                             check=True).stdout
    assert "$ORIGIN/../pyarrow" in runpath and "$ORIGIN/../sensorlake.libs" in runpath, runpath


def test_wheel_carries_the_trainer_and_the_web_assets_are_in_the_tarball(tarball, wheel):
    assert (wheel / "sensorlake" / "ml" / "train.py").is_file()
    assert (wheel / "sensorlake" / "ml" / "fusion.py").is_file()
    assert (tarball / "share" / "sensorlake" / "web" / "index.html").is_file()


def old_loader_cmd(tarball: Path, root: Path) -> list[str]:
    libdirs = [root / "lib" / "x86_64-linux-gnu", root / "usr" / "lib" / "x86_64-linux-gnu"]
    return [str(root / "lib" / "x86_64-linux-gnu" / "ld-2.31.so"), "--inhibit-cache",
            "--library-path", ":".join(map(str, libdirs)), str(tarball / "bin" / "sensorlake")]


def test_tarball_engine_loads_only_its_own_lib_and_debian_11(tarball):
    root = sysroot()
    cmd = old_loader_cmd(tarball, root)
    listing = subprocess.run([cmd[0], "--list", *cmd[1:-1], cmd[-1]], capture_output=True,
                             text=True, check=True).stdout
    resolved = [line.split("=>")[1].split("(")[0].strip() for line in listing.splitlines()
                if "=>" in line]
    assert len(resolved) >= 30, listing
    outside = [p for p in resolved if not (p.startswith(str(tarball)) or p.startswith(str(root)))]
    assert not outside, f"loaded from the host: {outside}"


def test_tarball_engine_under_glibc_2_31_gives_the_native_counts(tarball, tmp_path):
    old = old_loader_cmd(tarball, sysroot())
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}

    def run(cmd, lake):
        out = {}
        for args in (["ingest", "--source", REAL_SAMPLE, "--lake", lake],
                     ["transform", "--lake", lake]):
            proc = subprocess.run([*cmd, "--json", *map(str, args)], capture_output=True,
                                  text=True, env=env, timeout=600)
            assert proc.returncode == 0, proc.stderr
            out[args[0]] = json.loads(proc.stdout)
        return out

    old_run = run(old, tmp_path / "old")
    native = run([sensorlake_bin()], tmp_path / "native")
    version = subprocess.run([*old, "--version"], capture_output=True, text=True, env=env)
    assert version.stdout.strip() == "0.1.0"
    keys = ["lines", "rows", "quarantined", "duplicates_dropped", "conserved"]
    got = {k: old_run["transform"]["totals"][k] for k in keys}
    want = {k: native["transform"]["totals"][k] for k in keys}
    for k in ("files", "lines", "version"):
        got[f"ingest_{k}"] = old_run["ingest"][k]
        want[f"ingest_{k}"] = native["ingest"][k]
    got["curated_version"] = old_run["transform"]["curated_version"]
    want["curated_version"] = native["transform"]["curated_version"]
    print(json.dumps({"old_loader": got, "native": want}))
    assert got == want
    assert got["rows"] > 300_000 and got["conserved"] is True
