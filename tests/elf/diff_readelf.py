#!/usr/bin/env python3
"""diff_readelf.py STRATA [ROOT...] — section and program header tables
from `strata elf --json` against `readelf -lSW`, field by field, on every
ELF file and archive member under the roots (default /usr/bin /usr/sbin
/usr/lib /usr/libexec). Compared per section: index, name and type name,
address, offset, size, entsize, flag letters, link, info, alignment; per
segment: type name, offset, vaddr, paddr, filesz, memsz, flags, alignment
and the names of the sections it holds (readelf's section-to-segment map);
per file, the file type line (EXEC, DYN, PIE, REL, CORE).
readelf's output is parsed from the right, where its columns are fixed.
Prints the counts; exit 0 only when every file agrees."""
import concurrent.futures as cf
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402

SEC_RE = re.compile(
    r"^\s+\[\s*(\d+)\] (.*?)\s+([0-9a-f]{8}|[0-9a-f]{16}) ([0-9a-f]{6,16}) ([0-9a-f]{6,16}) "
    r"([0-9a-f]{2,16}) (.{3,}?) ?\s*(\d+)\s+(\d+)\s+(\d+)$")
SEG_RE = re.compile(
    r"^  (\S+)\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) "
    r"(.{3}) (?:0x)?([0-9a-f]+)$")
MAP_RE = re.compile(r"^   (\d\d)     ?(.*)$")


def parse_readelf(text):
    """{label: {"sections": [...], "segments": [...], "map": [...]}}"""
    files, cur, label, in_map = {}, None, None, False
    for line in text.splitlines():
        if line.startswith("File: "):
            label = line[6:]
            cur = files[label] = {"sections": [], "segments": [], "map": []}
            in_map = False
            continue
        if cur is None:
            continue
        if line.startswith("Elf file type is "):
            cur["type"] = line[len("Elf file type is "):]
            continue
        if line.startswith(" Section to Segment mapping"):
            in_map = True
            continue
        m = SEC_RE.match(line)
        if m and not in_map:
            g = m.groups()
            cur["sections"].append((int(g[0]), " ".join(g[1].split()), int(g[2], 16),
                                    int(g[3], 16), int(g[4], 16), int(g[5], 16), g[6].strip(),
                                    int(g[7]), int(g[8]), int(g[9])))
            continue
        m = SEG_RE.match(line)
        if m and not in_map:
            g = m.groups()
            cur["segments"].append((g[0], int(g[1], 16), int(g[2], 16), int(g[3], 16),
                                    int(g[4], 16), int(g[5], 16), g[6], int(g[7], 16)))
            continue
        m = MAP_RE.match(line)
        if m and in_map:
            cur["map"].append(m.group(2).split())
    return files


def from_strata(doc):
    secs = [(s["index"], " ".join((s["name"] + " " + s["type_name"]).split()), s["addr"],
             s["offset"], s["size"], s["entsize"], s["flags_name"], s["link"], s["info"],
             s["addralign"]) for s in doc["sections"]]
    segs = [(p["type_name"][:14], p["offset"], p["vaddr"], p["paddr"], p["filesz"], p["memsz"],
             p["flags_name"], p["align"]) for p in doc["segments"]]
    # readelf prints no section-to-segment map for a file without sections
    smap = [p["sections"] for p in doc["segments"]] if doc["sections"] else []
    h = doc["header"]
    etype = "DYN (Position-Independent Executable file)" if h["pie"] else h["type_name"]
    return {"sections": secs, "segments": segs, "map": smap, "type": etype}


def check_batch(strata, files):
    ref = subprocess.run(["readelf", "-lSW"] + files, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout.decode(errors="replace")
    # readelf only prints "File:" when given several files; give it two at least.
    want = parse_readelf(ref)
    got_p = subprocess.run([strata, "elf", "--json"] + files, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
    docs = json.loads(got_p.stdout.decode(errors="replace") or "[]")
    if isinstance(docs, dict):
        docs = [docs]
    got = {d["file"]: from_strata(d) for d in docs}
    results = []
    for label, w in want.items():
        g = got.get(label)
        if g is None:
            results.append((label, "missing from strata"))
            continue
        if "type" in w and w["type"] != g["type"]:
            results.append((label, f"file type: readelf {w['type']!r} strata {g['type']!r}"))
            continue
        for key in ("sections", "segments", "map"):
            if w[key] != g[key]:
                diff = next(((a, b) for a, b in zip(w[key], g[key]) if a != b),
                            (len(w[key]), len(g[key])))
                results.append((label, f"{key}: readelf {diff[0]} strata {diff[1]}"))
                break
        else:
            results.append((label, None))
    return results


def main():
    strata = sys.argv[1]
    roots = sys.argv[2:] or ["/usr/bin", "/usr/sbin", "/usr/lib", "/usr/libexec"]
    files = corpus.collect([r for r in roots if os.path.isdir(r)])
    ok, bad = 0, []
    with cf.ThreadPoolExecutor(max_workers=2) as ex:
        # Batches of at least two files, so readelf labels every file.
        chunks = [b if len(b) > 1 else b + b for b in corpus.batches(files, 100)]
        for res in ex.map(lambda b: check_batch(strata, b), chunks):
            for label, problem in res:
                if problem is None:
                    ok += 1
                else:
                    bad.append((label, problem))
    for label, problem in bad[:15]:
        print(f"DIFF {label}: {problem}")
    print(f"readelf differential: {len(files)} files, {ok + len(bad)} ELF objects "
          f"(archive members included), {ok} identical, {len(bad)} different")
    return 0 if not bad and ok > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
