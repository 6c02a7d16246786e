#!/bin/sh
# layout_proc_bench.sh — reading a live process: `strata layout --all PID`
# (every smaps field of every mapping, attributed, with the rollup) against
# `pmap -X PID` and `pmap -XX PID` (the same smaps fields, unattributed), on
# a process with many mappings and on a small one. Interleaved rounds;
# prints medians and ratios; appends CSV lines to $STRATA_BENCH_CSV when set.
#   sh bench/layout_proc_bench.sh BUILD_DIR [ROUNDS] [MAPPINGS]
set -eu
BUILD=${1:-build}
ROUNDS=${2:-${STRATA_BENCH_ROUNDS:-5}}
MAPS=${3:-8000}
CLI="$BUILD/tools/strata"
MANY="$BUILD/bench/layout_proc_many_maps"
for f in "$CLI" "$MANY"; do
    [ -x "$f" ] || { echo "layout_proc_bench.sh: $f not built" >&2; exit 1; }
done
command -v pmap >/dev/null || { echo "layout_proc_bench.sh: pmap (procps) missing" >&2; exit 1; }
exec python3 - "$CLI" "$MANY" "$ROUNDS" "$MAPS" <<'PY'
import os, statistics, subprocess, sys, time
cli, many, rounds, nmaps = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
csv = os.environ.get("STRATA_BENCH_CSV")

def start(argv):
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert p.stdout.readline().strip() == b"ready"
    return p

targets = [("maps-" + nmaps, start([many, nmaps])), ("maps-small", start([many, "16"]))]
impls = [("strata", [cli, "layout", "--all"]), ("pmap-X", ["pmap", "-X"]),
         ("pmap-XX", ["pmap", "-XX"])]
print(f"strata layout vs pmap, {rounds} interleaved rounds, median [min-max] seconds")
for name, proc in targets:
    times = {i: [] for i, _ in impls}
    for _ in range(rounds):
        for impl, argv in impls:
            t0 = time.perf_counter()
            subprocess.run(argv + [str(proc.pid)], stdout=subprocess.DEVNULL, check=True)
            times[impl].append(time.perf_counter() - t0)
    base = statistics.median(times["strata"])
    for impl, _ in impls:
        v = times[impl]
        med = statistics.median(v)
        print(f"  {name:12} {impl:8} {med:.4f} [{min(v):.4f}-{max(v):.4f}]"
              f"  strata/{impl} = {base / med:.2f}")
        if csv:
            with open(csv, "a") as f:
                f.write(f"layout,proc-{name},{impl},time,s,{med:.6f},{min(v):.6f},{max(v):.6f}\n")
    proc.stdin.close()
    proc.wait()
PY
