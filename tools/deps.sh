#!/bin/sh
# deps.sh — install, with apt-get, the Debian packages strata's build, tests,
# benchmarks and demo need, when they are missing. Safe to run again: it only
# installs what `dpkg -s` does not already report as installed.
set -eu

PKGS="cmake make gcc g++ pkg-config check libsubunit-dev git binutils elfutils
procps python3 sqlite3 time valgrind clang libclang-rt-14-dev gnuplot-nox
libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev redis-server redis-tools
lsof util-linux-extra librsvg2-bin
scdoc groff-base man-db bash-completion dpkg-dev file lintian"

missing=""
for p in $PKGS; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "strata: installing missing packages:$missing" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "strata: need root (or sudo) to apt-get install:$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
