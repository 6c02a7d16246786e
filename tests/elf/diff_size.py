#!/usr/bin/env python3
"""diff_size.py STRATA [ROOT...] — `strata size` and `strata size -A`
against binutils `size` and `size -A` on every ELF file and archive under
the roots (default /usr/bin /usr/sbin /usr/lib /usr/libexec): stdout
byte-identical, stderr identical once the program name is swapped, same exit
status. Files are run in batches (as `size a b c ...`), two batches at a
time; a batch that differs is re-run file by file to name the culprits.
Prints the counts; exit 0 only when every file is identical."""
import concurrent.futures as cf
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402

MODES = ([], ["-A"])
# The crafted corpus is small: there every format, radix and option counts.
CRAFTED_MODES = ([], ["-A"], ["-A", "-x", "--common"], ["-G", "-o", "-t"], ["-x", "-t", "--common"])

# Crafted files where binutils and strata knowingly part ways:
KNOWN_DIVERGENCES = {
    # binutils' size runs out of memory on 66,000 program headers (killed);
    # strata reads them in milliseconds.
    "core_66000_phdrs",
    # a section count (from section 0) past the end of the file: both
    # reject the file; binutils also prints a warning first (it checks
    # section 0's own sh_offset/sh_size before it finds the table does not
    # fit; strata's open fails on the table and has no sections to warn of).
    "ext_shnum_huge",
    # SHF_LINK_ORDER pointing at SHN_BEFORE: both reject the file; binutils
    # also prints its "sh_link [65280] ... is incorrect" diagnostic first.
    "link_order_before",
}


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr


def same(strata, mode, files):
    ref = run(["size"] + mode + files)
    got = run([strata, "size"] + mode + files)
    norm = ref[2].replace(b"size: ", b"strata: ")
    return ref[0] == got[0] and ref[1] == got[1] and norm == got[2], ref, got


def check_batch(strata, mode, files):
    ok, _, _ = same(strata, mode, files)
    if ok:
        return []
    bad = []
    for f in files:
        ok1, ref, got = same(strata, mode, [f])
        if not ok1:
            bad.append((f, ref, got))
    return bad


def crafted(directory):
    """Every generated file (not only ELF: empty and text files too)."""
    names = sorted(n for n in os.listdir(directory)
                   if n != "MANIFEST" and n not in KNOWN_DIVERGENCES)
    return [os.path.join(directory, n) for n in names]


def main():
    args = sys.argv[1:]
    is_crafted = args[0] == "--crafted"
    if is_crafted:
        args = args[1:]
    strata = args[0]
    roots = args[1:] or ["/usr/bin", "/usr/sbin", "/usr/lib", "/usr/libexec"]
    if is_crafted:
        files = crafted(roots[0])
    else:
        files = corpus.collect([r for r in roots if os.path.isdir(r)])
    failures = {}
    modes = CRAFTED_MODES if is_crafted else MODES
    with cf.ThreadPoolExecutor(max_workers=2) as ex:
        jobs = [ex.submit(check_batch, strata, m, b) for m in modes
                for b in corpus.batches(files, 150)]
        for j, (m, _) in zip(jobs, [(m, b) for m in modes for b in corpus.batches(files, 150)]):
            for f, ref, got in j.result():
                failures.setdefault(f, []).append((" ".join(m) or "(berkeley)", ref, got))
    for f, fails in list(failures.items())[:10]:
        for mode, ref, got in fails:
            print(f"DIFF {mode} {f}: size rc={ref[0]} strata rc={got[0]}")
            print("  size:   " + (ref[1] + ref[2]).decode(errors="replace")[:600].replace("\n", "\n          "))
            print("  strata: " + (got[1] + got[2]).decode(errors="replace")[:600].replace("\n", "\n          "))
    n = len(files)
    what = "crafted files" if is_crafted else "files (ELF + archives)"
    names = ", ".join(" ".join(m) or "(berkeley)" for m in modes)
    print(f"size differential: {n} {what}, {n - len(failures)} identical "
          f"under every mode ({names}), {len(failures)} different")
    return 0 if not failures and n > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
