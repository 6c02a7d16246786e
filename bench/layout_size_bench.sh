#!/bin/sh
# layout_size_bench.sh — `strata size` over every ELF file and archive of
# the machine against size, size -A, readelf -lSW and eu-size (one run,
# interleaved rounds, medians, ratios; CSV to $STRATA_BENCH_CSV when set).
#   sh bench/layout_size_bench.sh BUILD_DIR [ROUNDS]
set -eu
BUILD=${1:-build}
ROUNDS=${2:-${STRATA_BENCH_ROUNDS:-5}}
CLI="$BUILD/tools/strata"
[ -x "$CLI" ] || { echo "layout_size_bench.sh: $CLI not built" >&2; exit 1; }
exec python3 "$(dirname "$0")/layout_size.py" "$CLI" "$ROUNDS"
