#!/bin/sh
# cow_bench.sh — cow's benchmark entry point (run by bench/run-all.sh):
#   sh bench/cow_bench.sh BUILD_DIR [ROUNDS] [SIZE_MIB]
# Runs cow_bench (snapshot after 1% written vs fork and memcpy, first-write
# cost per page vs the kernel's COW fault, persist while writers dirty 10%
# vs fork+write, metadata). SIZE_MIB defaults to $STRATA_COW_BENCH_MIB or
# 1024 (the quoted figures); use 64 for a quick run. Appends CSV lines to
# $STRATA_BENCH_CSV when set.
set -eu
BUILD=${1:-build}
ROUNDS=${2:-${STRATA_BENCH_ROUNDS:-5}}
SIZE=${3:-${STRATA_COW_BENCH_MIB:-1024}}
BIN="$BUILD/bench/cow_bench"
[ -x "$BIN" ] || { echo "cow_bench.sh: $BIN not built" >&2; exit 1; }
DIR=/dev/shm
[ -d "$DIR" ] && [ -w "$DIR" ] || DIR=${TMPDIR:-/tmp}
exec "$BIN" --size "$SIZE" --rounds "$ROUNDS" --dir "$DIR"
