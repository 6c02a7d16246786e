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
"$STRATA" compare -n 5 -- python3 "$WORK" 200000

echo
echo "== 2. layout: the same program, live, under strata's heap =="
FIFO=$(mktemp -u /tmp/strata-demo.XXXXXX)
mkfifo "$FIFO"
LD_PRELOAD="$PWD/$LIB" python3 "$WORK" 200000 --hold <"$FIFO" >"$FIFO.out" &
PID=$!
exec 3>"$FIFO"            # holds the program's stdin open until we are done
while ! grep -q records= "$FIFO.out" 2>/dev/null; do sleep 0.1; done
"$STRATA" layout "$PID"
exec 3>&-
wait "$PID"
rm -f "$FIFO" "$FIFO.out"

echo
echo "== 3. cow: a buffer snapshotted while writers keep writing =="
"$STRATA" cow demo
