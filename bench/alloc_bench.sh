#!/bin/sh
# alloc_bench.sh — the allocator benchmarks in one run: every workload under
# glibc, jemalloc and strata (plus mimalloc and tcmalloc when installed),
# interleaved for ROUNDS rounds, medians of wall time, peak RSS and minor
# page faults with ratios to jemalloc (Markdown table on stdout); then
# callgrind instructions per malloc+free pair.
#
# Run after the build (it builds nothing):
#   cmake -S . -B build && cmake --build build -j2
#   sh bench/alloc_bench.sh build [ROUNDS]        (ROUNDS defaults to 5)
# The build directory may also come from $STRATA_BUILD. With
# STRATA_BENCH_CSV=/path/file.csv every measurement is appended there as
# alloc,workload,impl,metric,unit,median,min,max. STRATA_BENCH_ONLY=REGEX
# runs only the workloads whose names match; STRATA_BENCH_CALLGRIND=0 skips
# the callgrind part.
set -eu
case "${1:-}" in
-h | --help)
    sed -n '2,17s/^# \{0,1\}//p' "$0"
    exit 0
    ;;
esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-${STRATA_BUILD:-$ROOT/build}}
ROUNDS=${2:-5}
BUILD=$(cd "$BUILD" && pwd) || {
    echo "alloc_bench: no build directory $BUILD (build first)" >&2
    exit 2
}
BIN=$BUILD/bench
DROPIN=$ROOT/tests/dropin
. "$ROOT/bench/alloc_common.sh"

alloc_need alloc_bench alloc_bench_run alloc_wl_pairs

# ---- allocators -------------------------------------------------------------
SPECS=$(alloc_specs) # NAME=LIB lines
set -- # the workloads' -w options

# ---- workloads --------------------------------------------------------------
# STRATA_BENCH_ONLY=REGEX keeps the workloads whose name matches (e.g. "pairs|large").
WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
ONLY=${STRATA_BENCH_ONLY:-.}
W=$WORK/workloads
: >"$W"
workload()
{ # NAME=COMMAND
    printf '%s\n' "${1%%=*}" | grep -Eq -- "$ONLY" && printf '%s\n' "$1" >>"$W"
    return 0
}
workload "pairs-16-1024=$BIN/alloc_wl_pairs 50000000 16 1024"
workload "batch-1000=$BIN/alloc_wl_batch 20000 1000"
workload "xthread-2x2=$BIN/alloc_wl_xthread 4000000 2"
workload "churn-8threads=$BIN/alloc_wl_churn 2000000 8"
workload "realloc-growth=$BIN/alloc_wl_realloc 4"
workload "large-1-32MiB=$BIN/alloc_wl_large 400"
workload "fragmentation=$BIN/alloc_wl_frag 30 150000"
# Debian's python3 first: a version-manager shim on PATH would add shells.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3) || PYTHON=
[ -n "$PYTHON" ] &&
    workload "python3=PYTHONMALLOC=malloc PYTHONHASHSEED=0 $PYTHON $DROPIN/workload.py 2"
command -v sqlite3 >/dev/null && workload "sqlite3=sqlite3 :memory: <$DROPIN/workload.sql"
workload "gcc-O2=gcc -O2 -g -c $DROPIN/prog.c -o $WORK/prog.o"
workload "g++-O2=g++ -std=c++17 -O2 -g -I$ROOT/include -I$DROPIN -c $DROPIN/cxx_threads.cpp -o $WORK/cxx.o"
while IFS= read -r w; do
    set -- "$@" -w "$w"
done <"$W"

echo "## strata allocator benchmarks ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(uname -r))"
echo
echo "Command: sh bench/alloc_bench.sh $BUILD $ROUNDS"
echo
status=0
alloc_run "$SPECS" -r "$ROUNDS" -b jemalloc "$@" || status=$?

# ---- callgrind: instructions per malloc+free pair ---------------------------
if [ "${STRATA_BENCH_CALLGRIND:-1}" != 0 ] && command -v valgrind >/dev/null; then
    echo
    echo "Callgrind instructions per malloc+free pair (loop cost subtracted):"
    echo
    echo "| allocator | 32 B pair | 16–1024 B pair |"
    echo "|---|---:|---:|"
    while IFS= read -r spec; do
        name=${spec%%=*}
        lib=${spec#*=}
        fixed=$(per_pair "$lib" 32 32)
        mixed=$(per_pair "$lib" 16 1024)
        echo "| $name | $fixed | $mixed |"
        csv_instructions alloc "$name" pair-32B "$fixed"
        csv_instructions alloc "$name" pair-16-1024B "$mixed"
    done <<EOF
$SPECS
EOF
fi
exit $status
