#!/bin/sh
# run-all.sh — THE benchmark entry point: builds everything, runs every
# part's benchmarks against its peers in one go, and writes a Markdown
# report with tables and charts to results/<UTC timestamp>/report.md.
#
#   sh bench/run-all.sh [--rounds N] [--build DIR] [--only PART[,PART]]
#
#   --rounds N   rounds per measurement, passed on to each entry point (default 5)
#   --build DIR  build directory (default: build, as tools/test.sh)
#   --only LIST  run only the entry points whose name starts with these
#                (alloc, alloc_threads, layout, cow, compare; alloc matches
#                both alloc_bench and alloc_threads_bench)
#
# Entry points are discovered: every bench/*_bench.sh, run as
#   sh bench/NAME_bench.sh BUILD_DIR ROUNDS
# with STRATA_BENCH_CSV pointing at results/<stamp>/data.csv (each appends
# part,workload,impl,metric,unit,median,min,max lines), STRATA_BENCH_BUILD
# and STRATA_BENCH_ROUNDS set (STRATA_BENCH_* names, which libstrata-malloc
# knows are not its options). One that fails is reported as failed and the
# others still run; the report is built from whatever was measured. Besides
# them, `strata compare` itself is run on a python3 workload, as a user
# would (bench/report_compare.sh; CSV part "alloc", workload
# "strata-compare-python3"; --only compare selects it).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
ROUNDS=5
BUILD=build
ONLY=""
while [ $# -gt 0 ]; do
    case $1 in
    --rounds) ROUNDS=${2:?--rounds needs a number}; shift 2 ;;
    --build) BUILD=${2:?--build needs a directory}; shift 2 ;;
    --only) ONLY=${2:?--only needs a list}; shift 2 ;;
    -h | --help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-all: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
case $ROUNDS in '' | *[!0-9]* | 0) echo "run-all: --rounds needs a number >= 1" >&2; exit 2 ;; esac

wanted() { # NAME -> true when --only allows it
    [ -z "$ONLY" ] && return 0
    for p in $(echo "$ONLY" | tr ',' ' '); do
        case $1 in "$p"*) return 0 ;; esac
    done
    return 1
}

# ---- build --------------------------------------------------------------------
sh tools/deps.sh || echo "run-all: could not install every dependency; going on" >&2
JOBS=$(nproc 2>/dev/null || echo 2)
BUILDLOG=${TMPDIR:-/tmp}/strata-run-all-build.log
echo "run-all: building in $BUILD (log: $BUILDLOG)" >&2
if ! cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILDLOG" 2>&1; then
    tail -20 "$BUILDLOG" >&2
    echo "run-all: cmake could not configure $BUILD; nothing to run" >&2
    exit 1
fi
# -k: a target that fails to build costs only the benchmarks that need it;
# the failure is said on stderr and in the report.
BUILT=ok
if ! cmake --build "$BUILD" -j"$JOBS" -- -k >>"$BUILDLOG" 2>&1; then
    BUILT="FAILED for some targets (see $BUILDLOG); benchmarks that need them fail or are skipped"
    grep -E 'error|Error' "$BUILDLOG" | head -10 >&2
    echo "run-all: the build $BUILT" >&2
fi
BUILD=$(cd "$BUILD" && pwd)

# ---- output folder ------------------------------------------------------------
STAMP=$(date -u +%Y%m%d-%H%M%S)
OUT=$ROOT/results/$STAMP
mkdir -p "$OUT/logs"
CSV=$OUT/data.csv
: >"$CSV"
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "machine: $(uname -srm), $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
    echo "build: $BUILT"
    echo "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "command: sh bench/run-all.sh --rounds $ROUNDS${ONLY:+ --only $ONLY}"
} >"$OUT/meta.txt"

# ---- entry points -------------------------------------------------------------
run_one() { # NAME COMMAND... : runs with the CSV set, records status and time
    name=$1
    shift
    echo "run-all: $name ..." >&2
    t0=$(date +%s.%N)
    STRATA_BENCH_CSV=$CSV STRATA_BENCH_BUILD=$BUILD STRATA_BENCH_ROUNDS=$ROUNDS \
        "$@" >"$OUT/logs/$name.out" 2>"$OUT/logs/$name.err" </dev/null
    st=$?
    t1=$(date +%s.%N)
    secs=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
    printf '%s\t%s\t%s\n' "$name" "$st" "$secs" >>"$OUT/runs.tsv"
    [ "$st" = 0 ] || echo "run-all: $name failed (exit $st); see $OUT/logs/$name.err" >&2
}

found=0
for script in bench/*_bench.sh; do
    [ -f "$script" ] || continue
    name=$(basename "$script" .sh)
    wanted "$name" || continue
    found=1
    run_one "$name" sh "$script" "$BUILD" "$ROUNDS"
done
[ "$found" = 1 ] || echo "run-all: no bench/*_bench.sh entry point matched" >&2

# `strata compare` as a user runs it, with its CSV turned into report lines.
if wanted compare; then
    run_one compare sh bench/report_compare.sh "$BUILD" "$ROUNDS" "$OUT"
fi

# ---- report -------------------------------------------------------------------
if ! python3 bench/report_build.py "$OUT"; then
    echo "run-all: the report builder failed" >&2
    exit 1
fi
ln -sfn "$STAMP" "$ROOT/results/latest"
echo "run-all: report written to $OUT/report.md" >&2
echo "$OUT/report.md"
