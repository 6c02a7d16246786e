#!/usr/bin/env python3
"""check_svg.py STRATA FIXTURE [CORPUS_DIR] — the pictures of `strata layout
--svg/--png` and `strata elf --svg/--png`:

  - parsed by an XML parser (xml.etree), every mapping of `strata layout
    --json` is one band group with its kind, in order, high addresses on
    top; the resident bar's width is BAND_W * Rss/Size; each gap of 64 KiB
    or more is one break that says how many bytes it skips; the
    executable's sections are drawn inside its bands; the legend names the
    kinds present;
  - rendered by the real renderer (rsvg-convert): a PNG whose size is the
    SVG's; --png does the same through strata; without rsvg-convert on
    PATH --png exits 3 with a message;
  - hostile file names (markup characters, control bytes, invalid UTF-8)
    still give a well-formed document;
  - every file of the crafted ELF corpus either draws a well-formed picture
    or fails with a message, never a crash.
Exit 0 when every check holds."""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
BAND_W = 380
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def svg_of(strata, args):
    p = run([strata] + args + ["--svg", "-"])
    check(p.returncode == 0, f"{args}: exit {p.returncode}: {p.stderr.decode()}")
    return ET.fromstring(p.stdout), p.stdout


def groups(root, cls):
    return [g for g in root.iter(NS + "g") if g.get("class") == cls]


def check_process(strata, pid, exe_sections):
    # a first read makes the reads below agree: strata layout reads the vdso
    # through /proc/PID/mem, which faults its pages in (Rss of [vdso] grows)
    run([strata, "layout", str(pid)])
    lay = json.loads(run([strata, "layout", "--json", str(pid)]).stdout)
    root, _ = svg_of(strata, ["layout", str(pid)])
    check(root.tag == NS + "svg" and int(root.get("width")) > 0, "root is an <svg> with a size")
    bands = groups(root, "map")
    maps = lay["mappings"]
    check(len(bands) == len(maps), f"{len(bands)} bands for {len(maps)} mappings")
    # high addresses first; each band has the mapping's range and kind
    for b, m in zip(bands, reversed(maps)):
        check(int(b.get("data-start"), 16) == int(m["start"], 16) and
              int(b.get("data-end"), 16) == int(m["end"], 16), f"band {b.get('data-start')}")
        check(b.get("data-kind") == m["kind"], f"band {m['start']} kind {b.get('data-kind')}")
        size = int(m["end"], 16) - int(m["start"], 16)
        share = min(1.0, m["smaps"]["Rss"] / size) if size else 0
        bar = [r for r in b.iter(NS + "rect") if r.get("class") == "rss"]
        got = float(bar[0].get("width")) / BAND_W if len(bar) == 1 else -1
        check(abs(got - share) * BAND_W < 0.11,
              f"band {m['start']} ({m['kind']}): resident bar {got:.3f} for {share:.3f}")
    # one break per gap of 64 KiB or more, with the bytes it stands for
    gaps = [int(b["start"], 16) - int(a["end"], 16) for a, b in zip(maps, maps[1:])]
    big = sorted(g for g in gaps if g >= 65536)
    breaks = sorted(int(g.get("data-bytes")) for g in groups(root, "break"))
    check(big == breaks, f"breaks {len(breaks)} for {len(big)} big gaps")
    # the executable's SHF_ALLOC sections are inside its bands
    secs = [r for r in root.iter(NS + "rect") if r.get("class") == "sec"]
    check(len(secs) >= exe_sections, f"{len(secs)} section boxes, want >= {exe_sections}")
    text = " ".join(t.text or "" for t in root.iter(NS + "text"))
    for kind in ("text (code)", "data", "stack"):
        check(kind in text, f"legend names {kind}")
    return root


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    check(head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is a PNG")
    return struct.unpack(">II", head[16:24])


def check_render(strata, pid, tmp):
    svg = os.path.join(tmp, "p.svg")
    p = run([strata, "layout", "--svg", svg, "--png", os.path.join(tmp, "p.png"), str(pid)])
    check(p.returncode == 0, f"--svg + --png: {p.stderr.decode()}")
    root = ET.parse(svg).getroot()
    want = (int(root.get("width")), int(float(root.get("height"))))
    check(png_size(os.path.join(tmp, "p.png")) == want, "strata --png has the SVG's size")
    r = run(["rsvg-convert", "-f", "png", "-o", os.path.join(tmp, "r.png"), svg])
    check(r.returncode == 0 and not r.stderr, f"rsvg-convert: {r.stderr.decode()}")
    check(png_size(os.path.join(tmp, "r.png")) == want, "rsvg-convert's PNG has the SVG's size")
    p = run([strata, "elf", "--png", os.path.join(tmp, "e.png"), "/bin/true"])
    check(p.returncode == 0 and png_size(os.path.join(tmp, "e.png"))[0] > 0, "elf --png")
    env = dict(os.environ, PATH="/nonexistent")
    p = run([strata, "layout", "--png", os.path.join(tmp, "x.png"), str(pid)], env=env)
    check(p.returncode == 3 and b"rsvg-convert" in p.stderr, f"no renderer: {p.returncode}")
    check(not os.path.exists(os.path.join(tmp, "x.png")), "no PNG without a renderer")
    p = run([strata, "layout", "--svg", "-", str(pid), str(pid)])
    check(p.returncode == 2, "--svg with two targets is a usage error")


def check_elf(strata):
    elf = json.loads(run([strata, "elf", "--json", "/bin/true"]).stdout)
    alloc = [s for s in elf["sections"] if s["flags"] & 2 and s["size"]]
    root, _ = svg_of(strata, ["elf", "/bin/true"])
    secs = {r.find(NS + "title").text.split()[0] for r in root.iter(NS + "rect")
            if r.get("class") == "sec"}  # a section across two bands has a box in each
    check(secs == {s["name"] for s in alloc}, f"elf: section boxes {secs ^ {s['name'] for s in alloc}}")
    bands = groups(root, "map")
    # to scale: equal-sized bands are equally tall
    hs = {}
    for b in bands:
        size = int(b.get("data-end"), 16) - int(b.get("data-start"), 16)
        rect = next(r for r in b.iter(NS + "rect") if r.get("class") == "band")
        hs.setdefault(size, set()).add(round(float(rect.get("height")), 1))
    check(all(len(v) == 1 for v in hs.values()), f"elf bands to scale: {hs}")


def hostile_names(strata, tmp):
    """A process mapping a file whose name holds markup and bad bytes."""
    name = os.path.join(tmp.encode(), b"a<b>&c\"d'\x01e\xff\xfe.bin")
    with open(name, "wb") as f:
        f.write(b"x" * 8192)
    code = ("import mmap,sys,os; f=open(sys.argv[1].encode('utf-8','surrogateescape'),'rb');"
            "m=mmap.mmap(f.fileno(),8192,prot=mmap.PROT_READ); print('ready',flush=True);"
            "sys.stdin.read()")
    p = subprocess.Popen([sys.executable, "-c", code, os.fsdecode(name)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE)
    p.stdout.readline()
    try:
        root, raw = svg_of(strata, ["layout", str(p.pid)])
        check(b"a&lt;b&gt;&amp;c" in raw, "markup escaped")
        check(b"\x01" not in raw, "control bytes dropped")
        raw.decode("utf-8")  # raises when not UTF-8
    except ET.ParseError as e:
        check(False, f"hostile names: not well-formed: {e}")
    except UnicodeDecodeError as e:
        check(False, f"hostile names: not UTF-8: {e}")
    finally:
        p.stdin.close()
        p.wait()


def corpus(strata, directory):
    n = ok = 0
    for name in sorted(os.listdir(directory)):
        if name == "MANIFEST":
            continue
        n += 1
        p = run([strata, "elf", "--svg", "-", os.path.join(directory, name)], timeout=60)
        if p.returncode == 0:
            try:
                ET.fromstring(p.stdout)
                ok += 1
            except ET.ParseError as e:
                check(False, f"corpus {name}: not well-formed: {e}")
        else:
            check(p.returncode == 1 and p.stderr.startswith(b"strata: "),
                  f"corpus {name}: exit {p.returncode} {p.stderr[:200]!r}")
    print(f"corpus: {n} files, {ok} pictures, {n - ok} clear errors")


def main():
    strata, fixture = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="strata-svg-")
    fx = subprocess.Popen([fixture, tmp], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    for line in fx.stdout:
        if line.strip() == b"ready":
            break
    try:
        check_process(strata, fx.pid, 10)
        if shutil.which("rsvg-convert"):
            check_render(strata, fx.pid, tmp)
        else:
            print("SKIP rendering: rsvg-convert not installed (tools/deps.sh installs it)")
        check_elf(strata)
        hostile_names(strata, tmp)
        if len(sys.argv) > 3:
            corpus(strata, sys.argv[3])
    finally:
        fx.stdin.close()
        fx.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL", f)
    print(f"svg: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
