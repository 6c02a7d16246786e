#!/usr/bin/env python3
"""layout_size.py STRATA [ROUNDS] — `strata size` over the whole differential
corpus (every ELF file and ar archive under /usr/bin, /usr/sbin, /usr/lib,
/usr/libexec) against binutils `size`, `size -A`, `readelf -lSW` and
elfutils `eu-size`, in one run: one warm-up pass (hot page cache), then
ROUNDS interleaved rounds (the order rotates each round). Each tool gets the
same file list in batches of 1000 arguments, output to /dev/null. Prints
median [min-max] wall seconds, median CPU seconds (user+sys of the tool's
processes, less disturbed by other load on the machine) and the ratio of
each tool to `strata size`. With STRATA_BENCH_CSV=/path.csv set, appends
`layout,size-corpus,IMPL,time,s,median,min,max` and the same with metric
`cpu` per tool."""
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "elf"))
import corpus  # noqa: E402

BATCH = 1000


def run_tool(argv, files):
    """Wall and CPU seconds for the tool over every file, in batches."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    for i in range(0, len(files), BATCH):
        subprocess.run(argv + files[i:i + BATCH], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu


def main():
    strata = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else int(os.environ.get(
        "STRATA_BENCH_ROUNDS", "5"))
    files = corpus.collect([r for r in ("/usr/bin", "/usr/sbin", "/usr/lib", "/usr/libexec")
                            if os.path.isdir(r)])
    impls = [("strata-size", [strata, "size"]), ("strata-size-A", [strata, "size", "-A"]),
             ("size", ["size"]), ("size-A", ["size", "-A"]), ("readelf-lSW", ["readelf", "-lSW"]),
             ("eu-size", ["eu-size"])]
    impls = [(n, a) for n, a in impls if shutil.which(a[0])]
    for _, argv in impls:  # warm-up: every file in the page cache
        run_tool(argv, files)
    wall = {n: [] for n, _ in impls}
    cpu = {n: [] for n, _ in impls}
    for r in range(rounds):
        order = impls[r % len(impls):] + impls[:r % len(impls)]
        for name, argv in order:
            w, c = run_tool(argv, files)
            wall[name].append(w)
            cpu[name].append(c)
    base_w = statistics.median(wall["strata-size"])
    base_c = statistics.median(cpu["strata-size"])
    print(f"strata size vs binutils/elfutils over {len(files)} files (ELF + archives), "
          f"{rounds} interleaved rounds after a warm-up; load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{'tool':<16}{'wall median [min-max] s':>30}{'x strata':>10}{'cpu s':>9}{'x strata':>10}")
    csv = os.environ.get("STRATA_BENCH_CSV")
    for name, _ in impls:
        mw, mc = statistics.median(wall[name]), statistics.median(cpu[name])
        rng = f"{mw:.3f} [{min(wall[name]):.3f}-{max(wall[name]):.3f}]"
        print(f"{name:<16}{rng:>30}{mw / base_w:>10.2f}{mc:>9.3f}{mc / base_c:>10.2f}")
        if csv:
            with open(csv, "a") as fh:
                fh.write(f"layout,size-corpus,{name},time,s,{mw:.6f},{min(wall[name]):.6f},"
                         f"{max(wall[name]):.6f}\n")
                fh.write(f"layout,size-corpus,{name},cpu,s,{mc:.6f},{min(cpu[name]):.6f},"
                         f"{max(cpu[name]):.6f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
