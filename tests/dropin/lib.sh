# lib.sh — what every drop-in case shares: run a real program twice, once on
# the system allocator and once with libstrata-malloc preloaded, and demand
# the same exit status, stdout and stderr (strata's own statistics lines
# aside), plus proof that strata's heap was really in use in the second run.
#
# A case script sources this file, defines `dropin_body` (the workload; it
# runs in a fresh working directory and prefixes every program it wants under
# test with "$DROPIN", or picks its binary by $DROPIN_MODE), then calls
# `dropin_main N`, N being the fewest strata statistics summaries (processes
# that ran on strata and exited normally) the strata run must show.
#
# Arguments of every case: LIBSTRATA_MALLOC_SO [CASE ARGS...]. Extra
# VAR=VALUE words for the strata run only (STRATA_BACKEND=mmap, ...) come
# from $DROPIN_STRATA_ENV.
# shellcheck shell=sh
set -u

DROPIN_LIB=${1:?usage: CASE.sh path/to/libstrata-malloc.so [args...]}
shift
DROPIN_ARGS="$*"
DROPIN_DIR=$(cd "$(dirname "$0")" && pwd)

[ -f "$DROPIN_LIB" ] || {
    echo "dropin: FAIL: $DROPIN_LIB does not exist" >&2
    exit 1
}
DROPIN_LIB=$(cd "$(dirname "$DROPIN_LIB")" && pwd)/$(basename "$DROPIN_LIB")

# Fixed locale, hash seed and time zone: the two runs must only differ in
# their allocator.
export LC_ALL=C TZ=UTC PYTHONHASHSEED=0
unset MALLOC_CHECK_ MALLOC_PERTURB_ LD_PRELOAD

DROPIN_TMP=$(mktemp -d "${TMPDIR:-/tmp}/strata-dropin.XXXXXX")
trap 'rm -rf "$DROPIN_TMP"' EXIT INT TERM

dropin_fail()
{
    echo "dropin: FAIL: $*" >&2
    exit 1
}

# Lines of the STRATA_STATS=1 summary are strata's; everything else on
# stderr (a strata warning too) belongs to the run and must match.
dropin_program_stderr()
{
    grep -v '^strata: stats: ' "$1" || true
}

# dropin_run MODE: runs dropin_body in $DROPIN_TMP/MODE with DROPIN_MODE=MODE
# and DROPIN set for it (plain: nothing; strata: the preload and
# STRATA_STATS=1), saving out, err and status.
dropin_run()
{
    mode=$1
    DROPIN_MODE=$mode
    dir=$DROPIN_TMP/$mode
    mkdir -p "$dir/work"
    if [ "$mode" = strata ]; then
        DROPIN="env LD_PRELOAD=$DROPIN_LIB STRATA_STATS=1 ${DROPIN_STRATA_ENV:-}"
    else
        DROPIN="env"
    fi
    (cd "$dir/work" && dropin_body) >"$dir/out" 2>"$dir/err"
    echo $? >"$dir/status"
}

# The summary STRATA_STATS=1 prints at exit ("strata: stats: allocated ...",
# then one "strata: stats: CLASS BLOCK IN-USE ALLOCATIONS" line per size
# class used) proves the preloaded library initialised and served the
# program's allocations. Demand a summary from at least `want` processes
# (each program under "$DROPIN" that exits normally prints one) and small
# blocks handed out by strata.
dropin_check_active()
{
    want=$1
    err=$DROPIN_TMP/strata/err
    got=$(grep -c '^strata: stats: allocated ' "$err" || true)
    [ "$got" -ge "$want" ] ||
        dropin_fail "strata was not active: $got statistics summaries on stderr, want >= $want" \
            "(is STRATA_STATS=1 honoured?); stderr was:
$(head -n 20 "$err")"
    blocks=$(awk '/^strata: stats: +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$/ { n += $6 } END { print n + 0 }' "$err")
    [ "$blocks" -gt 0 ] || dropin_fail "strata's summaries show no small block allocated"
    echo "dropin: strata active: $got statistics summaries, $blocks small blocks allocated"
    dropin_check_backend "$err" "$got"
}

# With STRATA_BACKEND=brk|mmap asked for, every summary must report it.
dropin_check_backend()
{
    case " ${DROPIN_STRATA_ENV:-} " in
    *" STRATA_BACKEND=brk "*) want=brk ;;
    *" STRATA_BACKEND=mmap "*) want=mmap ;;
    *) return 0 ;;
    esac
    n=$(grep -c "^strata: stats: purged .*; backend $want " "$1" || true)
    [ "$n" = "$2" ] ||
        dropin_fail "STRATA_BACKEND=$want asked for, but only $n of $2 summaries report backend $want"
    echo "dropin: all $n summaries report backend $want"
}

dropin_compare()
{
    p=$DROPIN_TMP/plain
    s=$DROPIN_TMP/strata
    [ "$(cat "$p/status")" = 0 ] ||
        dropin_fail "the workload itself failed without strata (status $(cat "$p/status")):" \
            "$(tail -n 20 "$p/err")"
    [ "$(cat "$p/status")" = "$(cat "$s/status")" ] ||
        dropin_fail "exit status differs: plain $(cat "$p/status"), strata $(cat "$s/status");" \
            "strata stderr: $(tail -n 20 "$s/err")"
    cmp -s "$p/out" "$s/out" || {
        diff "$p/out" "$s/out" | head -n 40 >&2
        dropin_fail "stdout differs (diff above: < plain, > strata)"
    }
    dropin_program_stderr "$p/err" >"$p/err.prog"
    dropin_program_stderr "$s/err" >"$s/err.prog"
    cmp -s "$p/err.prog" "$s/err.prog" || {
        diff "$p/err.prog" "$s/err.prog" | head -n 40 >&2
        dropin_fail "stderr differs (diff above: < plain, > strata)"
    }
    echo "dropin: same status, $(wc -c <"$p/out") bytes of identical stdout"
}

# dropin_main MIN_ACTIVE: the whole case.
dropin_main()
{
    dropin_run plain
    dropin_run strata
    dropin_compare
    dropin_check_active "${1:-1}"
    echo "dropin: PASS"
}
