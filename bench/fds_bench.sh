#!/bin/sh
# fds_bench.sh — reading descriptors: `strata fds` against lsof and
# util-linux lsfd on the same machine state, interleaved rounds, medians
# with min-max and ratios, then how far the tools agree:
#   - every process (`strata fds --all` / `lsof -n -P` / `lsfd`), and
#   - one process holding 10,000 descriptors of mixed kinds
#     (bench/fds/many_fds.c: files, pipes, socketpairs, eventfds, epoll
#     sets), `strata fds PID` (peers looked up machine-wide, mapped files)
#     and `--no-peers` / `lsof -n -P -p PID` / `lsfd -p PID`.
# Agreement: (pid, fd) -> inode from each tool's machine-readable output
# (--json, lsof -F pfi, lsfd -J), taken one right after the other (so the
# processes that start and stop in between differ; lsof also lists the
# descriptor numbers of processes whose links it may not read, which strata
# skips and counts, and prints descriptors >= 10000 only as *NNN).
# Appends CSV lines to $STRATA_BENCH_CSV when set. Run as root (10,000
# descriptors need a raised RLIMIT_NOFILE; other users' processes).
#   sh bench/fds_bench.sh BUILD_DIR [ROUNDS] [DESCRIPTORS]
set -eu
BUILD=${1:-build}
ROUNDS=${2:-${STRATA_BENCH_ROUNDS:-5}}
NFDS=${3:-10000}
CLI="$BUILD/tools/strata"
MANY="$BUILD/bench/fds_many_fds"
for f in "$CLI" "$MANY"; do
    [ -x "$f" ] || { echo "fds_bench.sh: $f not built" >&2; exit 1; }
done
for t in lsof lsfd; do
    command -v $t >/dev/null || { echo "fds_bench.sh: $t missing (tools/deps.sh)" >&2; exit 1; }
done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
python3 - "$CLI" "$MANY" "$ROUNDS" "$NFDS" <<'PY'
import json, os, statistics, subprocess, sys, time
cli, many, rounds, nfds = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
csv = os.environ.get("STRATA_BENCH_CSV")

proc = subprocess.Popen([many, nfds], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
assert proc.stdout.readline().strip() == b"ready"
pid = str(proc.pid)

def timed(argv):
    t0 = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0

workloads = [
    ("all", [("strata", [cli, "fds", "--all"]),
             ("strata-nopeers", [cli, "fds", "--all", "--no-peers"]),
             ("lsof", ["lsof", "-n", "-P"]), ("lsfd", ["lsfd"])]),
    (f"{nfds}-fds", [("strata", [cli, "fds", pid]),
                     ("strata-nopeers", [cli, "fds", "--no-peers", "--no-maps", pid]),
                     ("lsof", ["lsof", "-n", "-P", "-p", pid]), ("lsfd", ["lsfd", "-p", pid])]),
]
seen = subprocess.run([cli, "fds", "--all", "--no-maps"], stdout=subprocess.DEVNULL,
                      stderr=subprocess.PIPE).stderr.decode().strip()
print(f"machine state: {seen or 'every process read'}")
print(f"strata fds vs lsof and lsfd, {rounds} interleaved rounds, median [min-max] seconds")
for name, impls in workloads:
    times = {i: [] for i, _ in impls}
    for _ in range(rounds):
        for impl, argv in impls:
            times[impl].append(timed(argv))
    base = statistics.median(times["strata"])
    for impl, _ in impls:
        v = times[impl]
        med = statistics.median(v)
        print(f"  {name:12} {impl:15} {med:.4f} [{min(v):.4f}-{max(v):.4f}]"
              f"  strata/{impl} = {base / med:.2f}")
        if csv:
            with open(csv, "a") as f:
                f.write(f"layout,fds-{name},{impl},time,s,{med:.6f},{min(v):.6f},{max(v):.6f}\n")

def strata_map(args):
    out = subprocess.run([cli, "fds", "--json", "--no-maps"] + args, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout
    return {(o["pid"], o["fd"]): o["ino"] for o in json.loads(out)}

def lsof_map(args):
    out = subprocess.run(["lsof", "-n", "-P", "-F", "pfi"] + args, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout.decode(errors="replace")
    m, p, fd = {}, None, None
    for line in out.splitlines():
        if line[:1] == "p":
            p = int(line[1:])
        elif line[:1] == "f":
            fd = int(line[1:]) if line[1:].isdigit() else None
        elif line[:1] == "i" and fd is not None:
            m[(p, fd)] = int(line[1:])
    return m

truncated = {"n": 0}

def lsof_fds(args):
    out = subprocess.run(["lsof", "-n", "-P", "-F", "pf"] + args, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout.decode(errors="replace")
    s, p = set(), None
    truncated["n"] = 0
    for line in out.splitlines():
        if line[:1] == "p":
            p = int(line[1:])
        elif line[:1] == "f" and line[1:].isdigit():
            s.add((p, int(line[1:])))
        elif line[:2] == "f*":
            truncated["n"] += 1  # lsof prints descriptors >= 10000 as *NNN
    return s

def lsfd_map(args):
    out = subprocess.run(["lsfd", "-J", "-o", "PID,FD,ASSOC,INODE"] + args,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    return {(r["pid"], r["fd"]): r["inode"] for r in json.loads(out)["lsfd"]
            if r["assoc"].isdigit()}

def agree(name, ours, tool, theirs_fds, theirs_ino):
    both = ours.keys() & theirs_fds
    same = sum(1 for k in both if k not in theirs_ino or theirs_ino[k] == ours[k])
    only_us, only_them = len(ours.keys() - theirs_fds), len(theirs_fds - ours.keys())
    pids = {p for p, _ in ours}
    other = sum(1 for p, _ in theirs_fds - ours.keys() if p not in pids)
    print(f"  {name:12} vs {tool:5}: strata {len(ours)}, {tool} {len(theirs_fds)} descriptors;"
          f" {len(both)} in both, inode equal on {same}; only strata {only_us},"
          f" only {tool} {only_them} ({other} of them in processes strata did not list:"
          f" unreadable, or started between the listings)")

print("agreement ((pid, fd) and inode; listings taken one after the other)")
for name, args, pargs in (("all", ["--all"], []), (f"{nfds}-fds", [pid], ["-p", pid])):
    ours = strata_map(args)
    lf = lsfd_map(pargs)
    agree(name, ours, "lsfd", set(lf), lf)
    agree(name, ours, "lsof", lsof_fds(pargs), lsof_map(pargs))
    if truncated["n"]:
        print(f"  {'':12}    lsof listed {truncated['n']} descriptors >= 10000 only as *NNN "
              "(their numbers cut to 3 digits): not comparable")
proc.stdin.close()
proc.wait()
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
