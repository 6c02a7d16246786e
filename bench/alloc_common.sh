# alloc_common.sh — what the allocator benchmark scripts share (sourced by
# alloc_bench.sh and alloc_threads_bench.sh; not an entry point itself):
# which allocators are installed, and callgrind instructions per malloc+free
# pair. Needs $BUILD (absolute build directory) set by the caller.
ALLOC_LIBDIR=/usr/lib/x86_64-linux-gnu

# Prints NAME=LIB per allocator present, in the benchmarks' column order
# (glibc has no LIB: it is the one without a preload). Warns about strata.
alloc_specs()
{
    echo "glibc="
    [ -f "$ALLOC_LIBDIR/libjemalloc.so.2" ] && echo "jemalloc=$ALLOC_LIBDIR/libjemalloc.so.2"
    if [ -f "$BUILD/libstrata-malloc.so" ]; then
        echo "strata=$BUILD/libstrata-malloc.so"
    else
        echo "alloc bench: $BUILD/libstrata-malloc.so not built: strata left out" >&2
    fi
    [ -f "$ALLOC_LIBDIR/libmimalloc.so.2" ] && echo "mimalloc=$ALLOC_LIBDIR/libmimalloc.so.2"
    [ -f "$ALLOC_LIBDIR/libtcmalloc_minimal.so.4" ] &&
        echo "tcmalloc=$ALLOC_LIBDIR/libtcmalloc_minimal.so.4"
    return 0
}

# Total instructions of one alloc_wl_pairs run under callgrind.
pair_instructions()
{ # LIB N MIN MAX EMPTY THREAD -> total Ir (empty on failure)
    env LD_PRELOAD="$1" valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "$BUILD/bench/alloc_wl_pairs" "$2" "$3" "$4" "$5" "$6" 2>&1 |
        sed -n 's/^==[0-9]*== Collected : *\([0-9]*\)$/\1/p'
}

# Instructions per malloc+free pair: Ir(2N) - Ir(N) cancels start-up (and,
# with THREAD=1, the thread's creation and its heap's set-up); the same
# loop without malloc/free is subtracted, so the figure is the allocator's
# own malloc+free, call overhead included. Prints "-" when a run failed.
per_pair()
{ # LIB MIN MAX [THREAD=0] [N=200000]
    th=${4:-0}
    n=${5:-200000}
    a=$(pair_instructions "$1" "$n" "$2" "$3" 0 "$th")
    b=$(pair_instructions "$1" $((2 * n)) "$2" "$3" 0 "$th")
    ea=$(pair_instructions "" "$n" "$2" "$3" 1 "$th")
    eb=$(pair_instructions "" $((2 * n)) "$2" "$3" 1 "$th")
    [ -n "$a" ] && [ -n "$b" ] && [ -n "$ea" ] && [ -n "$eb" ] || {
        echo "-"
        return
    }
    echo "$a $b $ea $eb $n" | awk '{ printf "%.1f", (($2 - $1) - ($4 - $3)) / $5 }'
}

# Appends one instructions line to $STRATA_BENCH_CSV (when set).
csv_instructions()
{ # PART IMPL WORKLOAD VALUE
    [ -n "${STRATA_BENCH_CSV:-}" ] && [ "$4" != "-" ] &&
        echo "$1,$3,$2,instructions,instr,$4,$4,$4" >>"$STRATA_BENCH_CSV"
    return 0
}

# Exits with status 2 unless every PROGRAM is built in $BUILD/bench.
alloc_need()
{ # WHO PROGRAM...
    who=$1
    shift
    for prog in "$@"; do
        [ -x "$BUILD/bench/$prog" ] || {
            echo "$who: $BUILD/bench/$prog missing: build the bench targets first" >&2
            exit 2
        }
    done
}

# Runs the runner (bench/alloc/run.c) with ARGS and one -a per SPECS line.
alloc_run()
{ # SPECS ARGS...
    specs=$1
    shift
    while IFS= read -r spec; do
        [ -n "$spec" ] && set -- "$@" -a "$spec"
    done <<SPECS
$specs
SPECS
    "$BUILD/bench/alloc_bench_run" "$@"
}
