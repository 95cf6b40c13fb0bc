#!/usr/bin/env bash
# Builds the sysroot the release engine is compiled against (docs/infrastructure.md,
# "Portable artifacts"): Debian 11's glibc 2.31 and GCC 10's libstdc++, the C libraries the
# engine links (bullseye-packages.txt), the header-only libraries of this machine's Debian 12
# (bookworm-headers.txt) and cpp-httplib's single header from Debian's source archive.
# Packages are fetched by name with apt-get pointed at a private state folder (the machine's
# own apt state is untouched) and the .deb files are cached: Debian 11 left LTS on 2026-08-31.
# Prints the sysroot's path. A second run with the same package lists returns at once.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${SENSORLAKE_CACHE:-$HOME/.cache/sensorlake}
key=$(cat "$here"/bullseye-packages.txt "$here"/bookworm-headers.txt "$0" | sha256sum | cut -c1-12)
sysroot=$cache/sysroot-bullseye-$key
if [ -f "$sysroot/.complete" ]; then echo "$sysroot"; exit 0; fi

debs=$cache/debs
state=$cache/apt-bullseye
mkdir -p "$debs/bullseye" "$debs/bookworm" "$state/lists/partial" "$state/cache"
names() { grep -v '^\s*#' "$1" | grep -v '^\s*$'; }

# Debian 11 from the same archive as this machine, with its own lists and cache.
cat >"$state/sources.list" <<SOURCES
deb [signed-by=/usr/share/keyrings/debian-archive-bullseye-stable.gpg] http://deb.debian.org/debian bullseye main
deb [signed-by=/usr/share/keyrings/debian-archive-bullseye-security-automatic.gpg] http://deb.debian.org/debian-security bullseye-security main
SOURCES
apt_bullseye=(-o "Dir::Etc::sourcelist=$state/sources.list" -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$state/lists" -o "Dir::Cache=$state/cache" -o "Dir::State::status=/dev/null"
  -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root" -o "APT::Architecture=amd64" -o "APT::Architectures=amd64")

fetch() {  # fetch SUITE LIST [apt options...]: downloads the listed packages not yet cached
  local suite=$1 list=$2; shift 2
  local missing=()
  for p in $(names "$list"); do
    compgen -G "$debs/$suite/${p}_*.deb" >/dev/null || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "sysroot: fetching ${#missing[@]} $suite packages" >&2
  if [ "$suite" = bullseye ] && [ ! -f "$state/.updated" ]; then
    apt-get "$@" update -qq >&2 && touch "$state/.updated"
  fi
  # This machine's own lists may be older than its archive (or absent): refresh once, retry.
  if ! (cd "$debs/$suite" && apt-get -o APT::Sandbox::User=root "$@" download -qq "${missing[@]}" >&2); then
    [ "$suite" = bookworm ] || return 1
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq >&2
    (cd "$debs/$suite" && apt-get -o APT::Sandbox::User=root download -qq "${missing[@]}" >&2)
  fi
}
fetch bullseye "$here/bullseye-packages.txt" "${apt_bullseye[@]}"
fetch bookworm "$here/bookworm-headers.txt"
httplib=$debs/cpp-httplib_0.11.4+ds.orig.tar.xz
if [ ! -f "$httplib" ]; then
  curl -fsSL --retry 3 -o "$httplib.part" \
    http://deb.debian.org/debian/pool/main/c/cpp-httplib/cpp-httplib_0.11.4+ds.orig.tar.xz
  mv "$httplib.part" "$httplib"
fi

tmp=$sysroot.tmp
rm -rf "$tmp" && mkdir -p "$tmp"
for p in $(names "$here/bullseye-packages.txt"); do dpkg-deb -x "$(ls "$debs"/bullseye/"${p}"_*.deb | tail -1)" "$tmp"; done
for p in $(names "$here/bookworm-headers.txt"); do dpkg-deb -x "$(ls "$debs"/bookworm/"${p}"_*.deb | tail -1)" "$tmp"; done
tar -xJf "$httplib" -C "$tmp/usr/include" --strip-components=1 --wildcards '*/httplib.h'

# Absolute symlinks point at the host's files: make each relative to the sysroot.
find "$tmp" -type l | while read -r link; do
  target=$(readlink "$link")
  case $target in /*) ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$tmp$target")" "$link" ;; esac
done
# The linker scripts libc.so and libpthread.so name absolute paths; the sysroot prefix is
# applied to them only when they are relative to it, which '=' marks.
for script in "$tmp"/usr/lib/x86_64-linux-gnu/lib{c,pthread,m}.so; do
  [ -f "$script" ] && grep -q GNU "$script" && sed -i -E 's#( |\()/(usr/)?lib/#\1=/\2lib/#g' "$script"
done
# GCC 10's headers call pthread_cond_clockwait (GLIBC_2.30) when glibc has it; manylinux_2_28
# allows GLIBC_2.28, so the timed waits use pthread_cond_timedwait instead.
sed -i 's/^#define _GLIBCXX_USE_PTHREAD_COND_CLOCKWAIT 1/\/\* not on glibc 2.28: #undef _GLIBCXX_USE_PTHREAD_COND_CLOCKWAIT \*\//' \
  "$tmp"/usr/include/x86_64-linux-gnu/c++/10/bits/c++config.h
sed -i 's/^#define _GLIBCXX_USE_PTHREAD_MUTEX_CLOCKLOCK 1/\/\* not on glibc 2.28 \*\//; s/^#define _GLIBCXX_USE_PTHREAD_RWLOCK_CLOCKLOCK 1/\/\* not on glibc 2.28 \*\//' \
  "$tmp"/usr/include/x86_64-linux-gnu/c++/10/bits/c++config.h
touch "$tmp/.complete"
rm -rf "$sysroot" "$cache"/sysroot-bullseye-*[!p] && mv "$tmp" "$sysroot"
echo "$sysroot"
