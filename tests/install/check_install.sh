#!/bin/sh
# check_install.sh BUILD_DIR — `cmake --install` into a temporary prefix puts
# the header, libstrata and libstrata-malloc (.so and .a), the strata CLI, its
# man pages and bash completion, the pkg-config files and the CMake package
# config where users expect them, and a program builds against each of them.
set -eu
BUILD=$1
SRC=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PREFIX=$TMP/prefix
cmake --install "$BUILD" --prefix "$PREFIX" >/dev/null
LIBDIR=$PREFIX/lib
[ -d "$PREFIX/lib64" ] && LIBDIR=$PREFIX/lib64
[ -d "$PREFIX/lib/x86_64-linux-gnu" ] && LIBDIR=$PREFIX/lib/x86_64-linux-gnu

fail() { echo "check_install: $*" >&2; exit 1; }
for f in include/strata.h bin/strata; do
    [ -e "$PREFIX/$f" ] || fail "missing $PREFIX/$f"
done
for f in libstrata.so libstrata.a libstrata-malloc.so libstrata-malloc.a \
         pkgconfig/strata.pc pkgconfig/strata-malloc.pc \
         cmake/strata/strataConfig.cmake cmake/strata/strataConfigVersion.cmake \
         cmake/strata/strataTargets.cmake; do
    [ -e "$LIBDIR/$f" ] || fail "missing $LIBDIR/$f"
done
"$PREFIX/bin/strata" --version | grep -q '^strata ' || fail "installed CLI does not run"
# man pages (when built) and the bash completion; the Debian-only doc files
# (copyright, changelog.Debian.gz) go into the packages, not here
if grep -q '^STRATA_MAN:BOOL=ON' "$BUILD/CMakeCache.txt"; then
    for f in man/man1/strata.1.gz man/man3/strata.3.gz man/man3/strata-malloc.3.gz; do
        [ -e "$PREFIX/share/$f" ] || fail "missing $PREFIX/share/$f"
    done
fi
[ -e "$PREFIX/share/bash-completion/completions/strata" ] || fail "missing the bash completion"
[ ! -e "$PREFIX/share/doc/strata" ] || fail "Debian doc files installed outside the package"

cat >"$TMP/use.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <strata.h>
int main(void)
{
    char *p = strata_malloc(100);
    if (!p) return 1;
    strcpy(p, "ok");
    int good = strata_usable_size(p) >= 100;
    strata_free(p);
    printf("strata %s %s\n", strata_version(), good ? "ok" : "bad");
    return !good;
}
C
# pkg-config, shared
PKG_CONFIG_PATH=$LIBDIR/pkgconfig
export PKG_CONFIG_PATH
# shellcheck disable=SC2046
cc "$TMP/use.c" -o "$TMP/use_pc" $(pkg-config --cflags --libs strata)
LD_LIBRARY_PATH=$LIBDIR "$TMP/use_pc" | grep -q ' ok$' || fail "pkg-config build does not run"
# static
# shellcheck disable=SC2046
cc "$TMP/use.c" -o "$TMP/use_static" $(pkg-config --cflags strata) "$LIBDIR/libstrata.a" -pthread
"$TMP/use_static" | grep -q ' ok$' || fail "static build does not run"
# CMake package config
cmake -S "$SRC/tests/install/find_package" -B "$TMP/cm/b" -DCMAKE_PREFIX_PATH="$PREFIX" \
    -DUSE_SOURCE="$TMP/use.c" >/dev/null
cmake --build "$TMP/cm/b" >/dev/null
LD_LIBRARY_PATH=$LIBDIR "$TMP/cm/b/use" | grep -q ' ok$' || fail "find_package build does not run"
# libstrata-malloc replaces malloc when linked
cat >"$TMP/m.c" <<'C'
#include <stdlib.h>
#include <strata.h>
int main(void) { void *p = malloc(24); int ok = strata_usable_size(p) >= 24; free(p); return !ok; }
C
# shellcheck disable=SC2046
cc "$TMP/m.c" -o "$TMP/m" $(pkg-config --cflags --libs strata-malloc)
LD_LIBRARY_PATH=$LIBDIR "$TMP/m" || fail "program linked with -lstrata-malloc does not use strata"
echo "check_install: all installed files present and usable"
