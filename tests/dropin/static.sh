#!/bin/sh
# static.sh — a `-static` program linked with libstrata-malloc.a. Links
# static_main.c twice, against strata's archive and against glibc alone, then
# runs both: the strata build must link without duplicate symbols, carry no
# trace of glibc's malloc, pass its in-process ownership checks against
# strata's region registry and print the same output as the glibc build.
# Usage: static.sh LIBSTRATA_MALLOC_A C_COMPILER INCLUDE_DIR
. "$(dirname "$0")/lib.sh"
set -- $DROPIN_ARGS
CC=${1:?C compiler}
INC=${2:?include dir}
SRC=$DROPIN_DIR/static_main.c
BIN=$DROPIN_TMP/bin
mkdir -p "$BIN"

"$CC" -static -O2 -I"$INC" -DDROPIN_WITH_STRATA -o "$BIN/with_strata" "$SRC" \
    "$DROPIN_LIB" -lpthread 2>"$BIN/link.err" || {
    cat "$BIN/link.err" >&2
    dropin_fail "static link with $DROPIN_LIB failed (errors above)"
}
grep -i 'multiple definition' "$BIN/link.err" >&2 && dropin_fail "duplicate symbols at link time"
"$CC" -static -O2 -I"$INC" -o "$BIN/with_glibc" "$SRC" -lpthread ||
    dropin_fail "static link against glibc alone failed"

# glibc's allocator lives in malloc.o with _int_malloc; if the link pulled it
# in, two heaps would share one process.
nm "$BIN/with_strata" | grep -qw '_int_malloc' &&
    dropin_fail "glibc's malloc.o was linked in next to strata (_int_malloc present)"
nm "$BIN/with_strata" | grep -qE ' [TtWw] malloc$' ||
    dropin_fail "no malloc definition in the static binary"

dropin_body()
{
    if [ "$DROPIN_MODE" = strata ]; then
        env STRATA_STATS=1 ${DROPIN_STRATA_ENV:-} "$BIN/with_strata"
    else
        "$BIN/with_glibc"
    fi
}

dropin_main 1
