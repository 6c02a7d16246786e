#!/bin/sh
# alloc_threads_bench.sh — the allocator under threads (issue 12): threads
# that exit while their blocks live on, cross-thread frees, shared tables,
# a server-like request mix, at 1, 2, 4, 8 and 16 threads, plus the peak
# RSS workloads; under glibc, jemalloc, strata, mimalloc and tcmalloc,
# interleaved for ROUNDS rounds. Prints medians with ratios to the best peer
# (the best of the allocators other than strata, per workload and metric),
# a table of strata ÷ best peer with min–max spreads, and callgrind
# instructions per malloc+free pair in the main thread and in a second one.
#
# Run after the build (it builds nothing):
#   cmake -S . -B build && cmake --build build -j2
#   sh bench/alloc_threads_bench.sh build [ROUNDS]      (ROUNDS defaults to 3)
#   sh bench/alloc_threads_bench.sh --quick build [ROUNDS]
# --quick (or STRATA_BENCH_QUICK=1): 1, 4 and 16 threads, a quarter of the
# work, ROUNDS 1 unless given. STRATA_BENCH_THREADS="1 2 4 8 16" sets the
# thread counts; STRATA_BENCH_ONLY=REGEX keeps the workloads whose names
# match (e.g. "larson|server"); STRATA_BENCH_CALLGRIND=0 skips callgrind.
# With STRATA_BENCH_CSV=/path/file.csv every measurement is appended there
# as alloc-threads,workload,impl,metric,unit,median,min,max; workload names
# end in -Nt for N threads.
set -eu
QUICK=${STRATA_BENCH_QUICK:-0}
case "${1:-}" in
-h | --help)
    sed -n '2,21s/^# \{0,1\}//p' "$0"
    exit 0
    ;;
--quick)
    QUICK=1
    shift
    ;;
esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-${STRATA_BUILD:-$ROOT/build}}
BUILD=$(cd "$BUILD" && pwd) || {
    echo "alloc_threads_bench: no build directory $BUILD (build first)" >&2
    exit 2
}
BIN=$BUILD/bench
. "$ROOT/bench/alloc_common.sh"
if [ "$QUICK" = 1 ]; then
    ROUNDS=${2:-1}
    THREADS=${STRATA_BENCH_THREADS:-1 4 16}
    DIV=4 # every workload does a quarter of its work
else
    ROUNDS=${2:-3}
    THREADS=${STRATA_BENCH_THREADS:-1 2 4 8 16}
    DIV=1
fi
alloc_need alloc_threads_bench alloc_bench_run alloc_wl_pairs alloc_wl_larson alloc_wl_mstress \
    alloc_wl_xmalloc alloc_wl_threadlocal alloc_wl_mixed alloc_wl_server alloc_wl_espresso \
    alloc_wl_large

# ---- allocators -------------------------------------------------------------
SPECS=$(alloc_specs) # NAME=LIB lines
set -- # the workloads' -w options

# ---- workloads --------------------------------------------------------------
# The work of a workload is fixed (shared between its threads) and sized for
# about 0.2-1.5 s under glibc on 2 CPUs: more threads cut the same work
# finer, so the time says what the thread count costs.
ONLY=${STRATA_BENCH_ONLY:-.}
WORKLOADS=
workload()
{ # NAME COMMAND... -> one NAME=COMMAND line, when NAME matches ONLY
    name=$1
    shift
    printf '%s\n' "$name" | grep -Eq -- "$ONLY" || return 0
    WORKLOADS="$WORKLOADS$name=$*
"
}
for t in $THREADS; do
    workload "larson-${t}t" "$BIN/alloc_wl_larson" $((10000000 / DIV)) "$t" 1000 20000
    workload "mstress-${t}t" "$BIN/alloc_wl_mstress" $((600000 / DIV)) "$t" 10 10000
    workload "xmalloc-${t}t" "$BIN/alloc_wl_xmalloc" $((15000000 / DIV)) "$t"
    workload "threadlocal-${t}t" "$BIN/alloc_wl_threadlocal" $((8000000 / DIV / t)) "$t" 400
    workload "sh6-${t}t" "$BIN/alloc_wl_mixed" sh6 $((6000000 / DIV)) "$t"
    workload "sh8-${t}t" "$BIN/alloc_wl_mixed" sh8 $((3000000 / DIV)) "$t"
    workload "alloctest-${t}t" "$BIN/alloc_wl_mixed" alloctest $((3000000 / DIV)) "$t"
    workload "server-${t}t" "$BIN/alloc_wl_server" $((300000 / DIV)) "$t" 5000
done
workload "espresso" "$BIN/alloc_wl_espresso" $((10000 / DIV)) 20000
workload "large-1-32MiB" "$BIN/alloc_wl_large" $((40 / DIV))
while IFS= read -r w; do
    [ -n "$w" ] && set -- "$@" -w "$w"
done <<EOF
$WORKLOADS
EOF

echo "## strata allocator under threads ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(uname -r))"
echo
echo "Command: sh bench/alloc_threads_bench.sh $([ "$QUICK" = 1 ] && echo '--quick ')$BUILD $ROUNDS"
echo "(threads: $THREADS; load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
echo
status=0
alloc_run "$SPECS" -r "$ROUNDS" -b best -s strata -p alloc-threads "$@" || status=$?
echo
echo "Load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- callgrind: the fast path in a second thread ----------------------------
# A thread other than the first may pay more per malloc/free than the main
# thread (TLS access model of a preloaded library, heap lookup, lazily made
# thread heap): the same pair loop in the main thread and in a new one.
if [ "${STRATA_BENCH_CALLGRIND:-1}" != 0 ] && command -v valgrind >/dev/null; then
    N=$((200000 / DIV))
    echo
    echo "Callgrind instructions per malloc+free pair in the main thread and in a second"
    echo "thread (loop cost subtracted, call overhead included; $N vs $((2 * N)) pairs):"
    echo
    echo "| allocator | 32 B main | 32 B 2nd thread | 16–1024 B main | 16–1024 B 2nd thread |"
    echo "|---|---:|---:|---:|---:|"
    while IFS= read -r spec; do
        name=${spec%%=*}
        lib=${spec#*=}
        row="| $name |"
        for size in "32 32 32B" "16 1024 16-1024B"; do
            set -- $size
            for where in main thread; do
                v=$(per_pair "$lib" "$1" "$2" "$([ $where = thread ] && echo 1 || echo 0)" "$N")
                row="$row $v |"
                csv_instructions alloc-threads "$name" "pair-$3-$where" "$v"
            done
        done
        echo "$row"
    done <<EOF
$SPECS
EOF
fi
exit $status
