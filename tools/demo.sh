#!/bin/sh
# demo.sh — the README's first command: build strata, then show all three
# parts on a real program (python3 running an allocation-heavy workload):
#   1. alloc:  the workload under strata's heap vs jemalloc (and glibc,
#              mimalloc, tcmalloc when installed), with `strata compare`
#   2. layout: the live layout of that program while it runs under strata,
#              with strata's own heap regions named, via `strata layout PID`
#   3. cow:    a copy-on-write buffer snapshotted while threads write it,
#              persisted and shared, via `strata cow demo`
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh
JOBS=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$JOBS" >/dev/null
STRATA=build/tools/strata
LIB=$(ls build/libstrata-malloc.so* | head -n1)
WORK=tools/demo/workload.py
export PYTHONMALLOC=malloc  # python's own pymalloc off: every object hits malloc

echo "== 1. alloc: python3 $WORK under each allocator (5 interleaved runs) =="
"$STRATA" compare -n 5 -- python3 "$WORK" 100000

echo
echo "== 2. layout: the same program, live, under strata's heap =="
FIFO=$(mktemp -u /tmp/strata-demo.XXXXXX)
mkfifo "$FIFO"
LD_PRELOAD="$PWD/$LIB" python3 "$WORK" 100000 --hold <"$FIFO" >"$FIFO.out" &
PID=$!
exec 3>"$FIFO"            # holds the program's stdin open until we are done
while ! grep -q records= "$FIFO.out" 2>/dev/null; do
    kill -0 "$PID" 2>/dev/null || { echo "demo: the workload exited early" >&2; exit 1; }
    sleep 0.1
done
# The classic table, then only strata's own regions and the totals: the
# full per-mapping listing is `strata layout PID` (or --json).
"$STRATA" layout "$PID" >"$FIFO.layout"
sed -n '1,/^address /p' "$FIFO.layout"
grep -E '\[strata |^total' "$FIFO.layout"
echo "($(grep -c '' "$FIFO.layout") lines in full: every mapping with its object, segment and sections)"
exec 3>&-
wait "$PID"
rm -f "$FIFO" "$FIFO.out" "$FIFO.layout"

echo
echo "== 3. cow: a buffer snapshotted while writers keep writing =="
"$STRATA" cow demo
