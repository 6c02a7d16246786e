#!/usr/bin/env python3
"""report_build.py — turns a bench run's CSV into results/<stamp>/report.md.

Usage: python3 bench/report_build.py OUTDIR

Reads (all optional, so a partial run still gives a report):
  OUTDIR/data.csv     part,workload,impl,metric,unit,median,min,max lines
                      appended by every benchmark (STRATA_BENCH_CSV)
  OUTDIR/runs.tsv     script<TAB>exit status<TAB>seconds, one per bench entry point
  OUTDIR/logs/*.out   each entry point's stdout (its own tables), *.err its stderr
  OUTDIR/meta.txt     key: value lines about the machine and the commit
Writes OUTDIR/report.md and OUTDIR/charts/<part>-<workload>.png (gnuplot:
one panel per metric, median bars with min-max error bars, strata in red).

Ratios: every figure is divided by a baseline implementation, chosen per
workload as the first present of BASELINES (jemalloc for allocators, the
binutils tool for layout, fork for cow), else the first non-strata one.
Lower is better except for throughput-like metrics (unit ending in "/s").
"""
import csv
import math
import os
import re
import shutil
import subprocess
import sys
from collections import OrderedDict

BASELINES = ["jemalloc", "binutils", "size", "readelf", "fork", "memcpy", "glibc"]
PART_ORDER = ["alloc", "alloc-threads", "layout", "cow"]
# Parts with their own section builder (a module with section(outdir, data,
# charts)) and the metrics they show in the "Where strata stands" summary.
OWN_SECTIONS = {"alloc-threads": ("report_threads", ["time", "rss", "instructions"])}
METRIC_ORDER = ["time", "rss", "ns_per_page", "minflt", "instructions"]
STRATA_COLOR = "0xcc3311"
OTHER_COLOR = "0x4477aa"


def num(s):
    """A finite float, or None."""
    try:
        v = float(s)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def load_csv(path):
    """{(part, workload): {metric: {"unit": u, "impls": {impl: (med, lo, hi)}}}}
    and the number of lines that could not be used."""
    data, bad = OrderedDict(), 0
    if not os.path.exists(path):
        return data, bad
    with open(path, newline="", errors="replace") as f:
        for row in csv.reader(f):
            if not row or (row[0].strip().startswith("#")):
                continue
            if len(row) == 8 and row[0] == "part":  # a header line
                continue
            if len(row) != 8:
                bad += 1
                continue
            part, work, impl, metric, unit = (c.strip() for c in row[:5])
            med, lo, hi = (num(c) for c in row[5:])
            if not (part and work and impl and metric) or med is None:
                bad += 1
                continue
            lo = med if lo is None else min(lo, med)
            hi = med if hi is None else max(hi, med)
            w = data.setdefault((part, work), OrderedDict())
            m = w.setdefault(metric, {"unit": unit, "impls": OrderedDict()})
            m["impls"][impl] = (med, lo, hi)  # a later line replaces an earlier one
    return data, bad


def higher_is_better(metric, unit):
    return unit.endswith("/s") or "per_s" in metric or "throughput" in metric


def is_strata(impl):
    return "strata" in impl.lower()


def baseline(impls):
    names = list(impls)
    for b in BASELINES:
        for n in names:
            if n.lower() == b or n.lower().startswith(b + "-") or n.lower().startswith(b + " "):
                return n
    others = [n for n in names if not is_strata(n)]
    return others[0] if others else names[0]


def sorted_metrics(metrics):
    rank = {m: i for i, m in enumerate(METRIC_ORDER)}
    return sorted(metrics, key=lambda m: (rank.get(m, len(rank)), m))


def fmt(v):
    if v == 0:
        return "0"
    a = abs(v)
    if v == int(v) and a < 1e15:
        return f"{int(v):,}"
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 0.01:
        return f"{v:.3f}"
    return f"{v:.3g}"


def ratio(v, b):
    return v / b if b else None


def slug(s):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", s).strip("_") or "x"


def gp_str(s):
    return "'" + s.replace("'", "''") + "'"


def png_terminal(width, height):
    """gnuplot lines choosing a PNG terminal of that size (cairo when built in)."""
    return ["if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {",
            f"  set terminal pngcairo size {width},{height} noenhanced font 'sans,10'",
            "} else {",
            f"  set terminal png size {width},{height} noenhanced",
            "}"]


def run_gnuplot(outdir, name, lines):
    """Draws charts/NAME.png from gnuplot lines (a terminal from png_terminal
    first; the output file is set here); returns its path relative to
    outdir, or None (no gnuplot, or it failed: said on stderr)."""
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        return None
    os.makedirs(os.path.join(outdir, "charts"), exist_ok=True)
    rel = os.path.join("charts", f"{name}.png")
    script = os.path.join(outdir, "charts", f".{name}.gp")
    with open(script, "w") as f:
        f.write("\n".join(["set output " + gp_str(os.path.join(outdir, rel))] + lines) + "\n")
    r = subprocess.run([gnuplot, script], capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(f"report_build: gnuplot failed for {name}: "
                         f"{r.stderr.strip().splitlines()[-1:]}\n")
        return None
    os.unlink(script)
    return rel


def chart(outdir, part, work, metrics):
    """Draws one PNG for a workload; returns its path relative to outdir, or None."""
    names = sorted_metrics(metrics)
    nimpl = max(len(metrics[m]["impls"]) for m in names)
    width = max(360, min(520, 110 + 70 * nimpl)) * len(names)
    lines = png_terminal(width, 420) + [
        "set style fill solid 0.75 border -1",
        "set boxwidth 0.6",
        "set grid ytics",
        "set key off",
        "set yrange [0:*]",
        "set offsets 0, 0, graph 0.1, 0",
    ]
    if nimpl > 4:
        lines.append("set xtics rotate by -30")
    lines.append(f"set multiplot layout 1,{len(names)} title "
                 + gp_str(f"{part}: {work}  (median; bars: min-max)"))
    for i, m in enumerate(names):
        impls = metrics[m]["impls"]
        unit = metrics[m]["unit"]
        lines.append(f"$d{i} << EOD")
        for impl, (med, lo, hi) in impls.items():
            color = STRATA_COLOR if is_strata(impl) else OTHER_COLOR
            lines.append('"%s" %.9g %.9g %.9g %s "%s"' % (impl.replace('"', "'"), med, lo, hi,
                                                        color, fmt(med)))
        lines.append("EOD")
        better = "higher is better" if higher_is_better(m, unit) else "lower is better"
        lines.append("set title " + gp_str(f"{m} ({unit}), {better}"))
        big = max(v[2] for v in impls.values()) >= 1e5  # 1.6M reads better than 1.6e+06
        lines.append("set format y '%.1s%c'" if big else "set format y '% h'")
        lines.append(f"set xrange [-0.6:{len(impls) - 0.4}]")
        lines.append(
            f"plot $d{i} using 0:2:5:xtic(1) with boxes lc rgb variable, "
            f"'' using 0:2:3:4 with yerrorbars lc rgb 'black' pt 0 lw 1.5, "
            f"'' using 0:4:(stringcolumn(6)) with labels offset 0,0.8")
    lines += ["unset multiplot", "set output"]
    return run_gnuplot(outdir, f"{slug(part)}-{slug(work)}", lines)


def workload_table(metrics):
    """Markdown table: one row per implementation, median (min-max) per
    metric, then the ratio of each metric to the baseline."""
    names = sorted_metrics(metrics)
    impls = []
    for m in names:
        impls += [i for i in metrics[m]["impls"] if i not in impls]
    base = baseline(OrderedDict((i, None) for i in impls))
    head = ["impl"] + [f"{m} ({metrics[m]['unit']})" for m in names]
    head += [f"{m} ÷ {base}" for m in names]
    out = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    for impl in impls:
        cells = [f"**{impl}**" if is_strata(impl) else impl]
        for m in names:
            v = metrics[m]["impls"].get(impl)
            cells.append("–" if v is None else
                         fmt(v[0]) if v[1] == v[2] else f"{fmt(v[0])} ({fmt(v[1])}–{fmt(v[2])})")
        for m in names:
            v, b = metrics[m]["impls"].get(impl), metrics[m]["impls"].get(base)
            r = ratio(v[0], b[0]) if v and b else None
            cells.append("–" if r is None else f"{r:.2f}")
        out.append("| " + " | ".join(cells) + " |")
    return out, base


def summary_rows(data):
    """Per workload and metric: strata against the best other implementation."""
    rows = []
    order = {p: i for i, p in enumerate(PART_ORDER)}
    for (part, work), metrics in sorted(data.items(), key=lambda kv: order.get(kv[0][0], 99)):
        shown = OWN_SECTIONS.get(part, (None, None))[1]
        for m in sorted_metrics(metrics):
            if shown and m not in shown:
                continue
            impls, unit = metrics[m]["impls"], metrics[m]["unit"]
            mine = [(i, v) for i, v in impls.items() if is_strata(i)]
            others = [(i, v) for i, v in impls.items() if not is_strata(i)]
            if not mine or not others:
                continue
            hib = higher_is_better(m, unit)
            best = (max if hib else min)(others, key=lambda iv: iv[1][0])
            for name, v in mine:
                r = ratio(v[0], best[1][0])
                if r is None:
                    verdict = "–"
                else:
                    good = r >= 1 if hib else r <= 1
                    verdict = ("✅ best" if good else
                               "≈" if abs(r - 1) < 0.05 else "behind")
                who = "" if name == "strata" else f"{name} "
                rows.append(f"| {part} | {work} | {m} ({unit}) | {who}{fmt(v[0])} | "
                            f"{best[0]} {fmt(best[1][0])} | "
                            f"{'–' if r is None else f'{r:.2f}'} | {verdict} |")
    return rows


def read_text(path, limit=60000):
    try:
        with open(path, errors="replace") as f:
            s = f.read()
    except OSError:
        return ""
    return s if len(s) <= limit else s[:limit] + "\n[... truncated ...]\n"


def runs_section(outdir):
    out = []
    path = os.path.join(outdir, "runs.tsv")
    if not os.path.exists(path):
        return ["No benchmark entry point ran."]
    out += ["| entry point | exit status | seconds |", "|---|---:|---:|"]
    for line in open(path, errors="replace"):
        f = line.rstrip("\n").split("\t")
        if len(f) == 3:
            st = f[1] if f[1] in ("0", "skipped") else f"**{f[1]}** (failed)"
            out.append(f"| {f[0]} | {st} | {f[2]} |")
    return out


def as_markdown(text):
    """An entry point's stdout inside the report: Markdown (tables, headings)
    stays Markdown, its headings moved below the report's own; plain text
    goes into a code block so its columns stay aligned."""
    lines = text.splitlines()
    if not any(l.startswith("|") or l.startswith("#") for l in lines):
        return "```text\n" + text.replace("```", "'''") + "\n```"
    return "\n".join(re.sub(r"^#{1,6} ", "#### ", l) for l in lines)


def raw_outputs(outdir):
    out = []
    logs = os.path.join(outdir, "logs")
    if not os.path.isdir(logs):
        return out
    for name in sorted(os.listdir(logs)):
        if not name.endswith(".out"):
            continue
        text = read_text(os.path.join(logs, name)).strip()
        err = read_text(os.path.join(logs, name[:-4] + ".err")).strip()
        out += ["", f"<details><summary>{name[:-4]}: its own output</summary>", ""]
        out += [as_markdown(text) if text else "(no output)"]
        if err:
            out += ["", "stderr:", "", "```text", err[-8000:], "```"]
        out += ["", "</details>"]
    return out


def meta_lines(outdir):
    out = []
    for line in read_text(os.path.join(outdir, "meta.txt")).splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            out.append(f"- {k.strip()}: {v.strip()}")
    return out


def build(outdir):
    data, bad = load_csv(os.path.join(outdir, "data.csv"))
    md = ["# strata benchmark report", ""] + meta_lines(outdir) + [""]
    md += ["## Benchmark runs", ""] + runs_section(outdir) + [""]
    if bad:
        md += [f"{bad} CSV line(s) could not be read and were left out.", ""]
    if not data:
        md += ["No measurements were recorded (no CSV lines in data.csv); see the "
               "entry points' output below.", ""]
    rows = summary_rows(data)
    if rows:
        md += ["## Where strata stands", "",
               "strata's median against the best other implementation of each workload "
               "(ratio = strata ÷ best; below 1 is better for times and sizes).", "",
               "| part | workload | metric | strata | best other | ratio | |",
               "|---|---|---|---:|---:|---:|---|"] + rows + [""]
    charts_missing = not shutil.which("gnuplot")
    if charts_missing and data:
        md += ["(gnuplot is not installed, so there are no charts: "
               "apt-get install gnuplot-nox)", ""]
    order = {p: i for i, p in enumerate(PART_ORDER)}
    for part in sorted(OrderedDict((p, None) for p, _ in data), key=lambda p: order.get(p, 99)):
        if part in OWN_SECTIONS:
            module = __import__(OWN_SECTIONS[part][0])
            md += module.section(outdir, data, not charts_missing)
            continue
        md += [f"## {part}", ""]
        for (p, work), metrics in data.items():
            if p != part:
                continue
            md += [f"### {work}", ""]
            png = None if charts_missing else chart(outdir, part, work, metrics)
            if png:
                md += [f"![{part} {work}]({png})", ""]
            table, base = workload_table(metrics)
            md += table + ["", f"Ratios are to {base}.", ""]
    raw = raw_outputs(outdir)
    if raw:
        md += ["## Output of each entry point"] + raw + [""]
    with open(os.path.join(outdir, "report.md"), "w") as f:
        f.write("\n".join(md) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.stderr.write("usage: report_build.py OUTDIR (a directory)\n")
        sys.exit(2)
    build(sys.argv[1])
