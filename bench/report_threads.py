"""report_threads.py — the "alloc-threads" part of the bench report
(bench/alloc_threads_bench.sh), used by report_build.py.

Workloads named FAMILY-Nt (N threads) are shown per family as scaling
tables (allocators by thread count), with two charts: strata ÷ best peer of
every workload (time and peak RSS; lines at 1.0 and at the 1.1 target) and
time against threads per allocator for each family. The other workloads
(espresso, large blocks) get one strata-vs-best table with the rest, and the
callgrind pair-* figures one compact table.
"""
import re
from collections import OrderedDict

from report_build import STRATA_COLOR, fmt, gp_str, is_strata, png_terminal, run_gnuplot

PART = "alloc-threads"
SCALED = re.compile(r"^(.+)-(\d+)t$")
COLORS = {"glibc": "0x777777", "jemalloc": "0x4477aa", "mimalloc": "0x228833",
          "tcmalloc": "0xaa3377"}
TARGET = 1.1  # the bar: strata at most 1.1x the best peer


def split(data):
    """({family: {threads: metrics}}, {workload: metrics}) of this part."""
    families, single = OrderedDict(), OrderedDict()
    for (part, work), metrics in data.items():
        if part != PART:
            continue
        m = SCALED.match(work)
        if m:
            families.setdefault(m.group(1), OrderedDict())[int(m.group(2))] = metrics
        else:
            single[work] = metrics
    return families, single


def best_peer(impls):
    """(name, (median, min, max)) of the non-strata implementation with the
    lowest median, or None."""
    peers = [(i, v) for i, v in impls.items() if not is_strata(i)]
    return min(peers, key=lambda iv: iv[1][0]) if peers else None


def strata_of(impls):
    return next(((i, v) for i, v in impls.items() if is_strata(i)), None)


def versus(metrics, metric):
    """(strata stats, best name, best stats, ratio) for one metric, or None."""
    m = metrics.get(metric)
    if not m:
        return None
    mine, best = strata_of(m["impls"]), best_peer(m["impls"])
    if not mine or not best or not best[1][0]:
        return None
    return mine[1], best[0], best[1], mine[1][0] / best[1][0]


def ordered_workloads(families, single):
    out = [(f"{fam}-{t}t", metrics) for fam, by_t in families.items()
           for t, metrics in sorted(by_t.items())]
    return out + [(w, m) for w, m in single.items() if "time" in m or "rss" in m]


def num(v, metric):
    """Seconds with 3 decimals, MiB with 1."""
    return f"{v:.1f}" if metric == "rss" else f"{v:.3f}"


def spread(v, metric, scale=1.0):
    return (f"{num(v[0] / scale, metric)} "
            f"({num(v[1] / scale, metric)}–{num(v[2] / scale, metric)})")


def versus_table(workloads):
    out = ["| workload | strata time s | best peer time s | time ratio | strata peak RSS MiB "
           "| best peer RSS MiB | RSS ratio |", "|---|---:|---:|---:|---:|---:|---:|"]
    for work, metrics in workloads:
        cells = [work]
        for metric, scale in (("time", 1.0), ("rss", 1024.0)):
            vs = versus(metrics, metric)
            if not vs:
                cells += ["–", "–", "–"]
                continue
            mine, name, best, r = vs
            mark = f"**{r:.2f}**" if r > TARGET else f"{r:.2f}"
            cells += [spread(mine, metric, scale), f"{name} {spread(best, metric, scale)}", mark]
        out.append("| " + " | ".join(cells) + " |")
    return out


def family_table(by_threads, metric, scale):
    """Allocators by thread count: median and its ratio to the best peer."""
    threads = sorted(by_threads)
    impls = []
    for t in threads:
        m = by_threads[t].get(metric, {"impls": {}})
        impls += [i for i in m["impls"] if i not in impls]
    out = ["| allocator | " + " | ".join(f"{t} thr" for t in threads) + " |",
           "|---" + "|---:" * len(threads) + "|"]
    for impl in impls:
        cells = [f"**{impl}**" if is_strata(impl) else impl]
        for t in threads:
            m = by_threads[t].get(metric, {"impls": {}})["impls"]
            v, best = m.get(impl), best_peer(m)
            if v is None:
                cells.append("–")
            elif best and best[1][0]:
                cells.append(f"{num(v[0] / scale, metric)} ×{v[0] / best[1][0]:.2f}")
            else:
                cells.append(num(v[0] / scale, metric))
        out.append("| " + " | ".join(cells) + " |")
    return out


def instructions_table(single):
    pairs = [(w, m["instructions"]) for w, m in single.items() if "instructions" in m]
    if not pairs:
        return []
    impls = []
    for _, m in pairs:
        impls += [i for i in m["impls"] if i not in impls]
    out = ["| allocator | " + " | ".join(w for w, _ in pairs) + " |",
           "|---" + "|---:" * len(pairs) + "|"]
    for impl in impls:
        cells = [f"**{impl}**" if is_strata(impl) else impl]
        cells += [fmt(m["impls"][impl][0]) if impl in m["impls"] else "–" for _, m in pairs]
        out.append("| " + " | ".join(cells) + " |")
    return out


def ratio_chart(outdir, workloads):
    """Bars of strata ÷ best peer per workload, one panel for time, one for RSS."""
    rows = [(w, versus(m, "time"), versus(m, "rss")) for w, m in workloads]
    rows = [r for r in rows if r[1] or r[2]]
    if not rows:
        return None
    lines = png_terminal(max(700, 26 * len(rows) + 160), 760) + [
             "set style fill solid 0.75 border -1", "set boxwidth 0.7", "set grid ytics",
             "set key off", "set yrange [0:*]", "set xtics rotate by -60 font ',8'",
             f"set xrange [-0.6:{len(rows) - 0.4}]",
             "set multiplot layout 2,1 title 'alloc-threads: strata / best peer "
             f"(median; below 1 strata is best; dashed: 1.0 and the {TARGET} target)'"]
    for k, (metric, title) in enumerate((("time", "wall time"), ("rss", "peak RSS"))):
        lines.append(f"$r{k} << EOD")
        for i, row in enumerate(rows):
            vs = row[1 + k]
            r = vs[3] if vs else 0
            color = STRATA_COLOR if r > TARGET else "0x4477aa"
            lines.append('"%s" %.4f %s "%s"' % (row[0], r, color, f"{r:.2f}" if vs else "-"))
        lines += ["EOD", "set title " + gp_str(f"{title}: strata / best peer"),
                  f"plot $r{k} using 0:2:3:xtic(1) with boxes lc rgb variable, "
                  f"1 with lines dt 2 lc rgb 'black', {TARGET} with lines dt 3 lw 2 lc rgb "
                  f"'#cc3311'"]
    lines += ["unset multiplot", "set output"]
    return run_gnuplot(outdir, "alloc-threads-vs-best", lines)


def scaling_chart(outdir, families):
    """Time against threads, one panel per family, one line per allocator."""
    if not families:
        return None
    cols = min(4, len(families))
    nrows = (len(families) + cols - 1) // cols
    lines = png_terminal(330 * cols, 300 * nrows + 40) + [
             "set grid", "set logscale x 2",
             "set xtics (1, 2, 4, 8, 16, 32, 64)", "set xrange [0.8:*]", "set offsets 0, graph 0.08, graph 0.05, 0",
             "set yrange [0:*]",
             "set key top left font ',8'", "set xlabel 'threads'", "set ylabel 's'",
             f"set multiplot layout {nrows},{cols} title 'alloc-threads: wall time against "
             "threads (median; same total work at every count)'"]
    for k, (fam, by_t) in enumerate(families.items()):
        impls = []
        for t in by_t:
            impls += [i for i in by_t[t].get("time", {"impls": {}})["impls"] if i not in impls]
        plots = []
        for j, impl in enumerate(impls):
            lines.append(f"$f{k}i{j} << EOD")
            for t in sorted(by_t):
                v = by_t[t].get("time", {"impls": {}})["impls"].get(impl)
                if v:
                    lines.append(f"{t} {v[0]:.6g}")
            lines.append("EOD")
            color = STRATA_COLOR if is_strata(impl) else COLORS.get(impl, "0x999999")
            width = 3 if is_strata(impl) else 1.5
            plots.append(f"$f{k}i{j} using 1:2 with linespoints lw {width} pt 7 ps 0.6 "
                         f"lc rgb '{color.replace('0x', '#')}' title {gp_str(impl)}")
        lines += ["set title " + gp_str(fam), "plot " + ", ".join(plots)]
        if k == 0:
            lines.append("set key off")
    lines += ["unset multiplot", "set output"]
    return run_gnuplot(outdir, "alloc-threads-scaling", lines)


def section(outdir, data, charts):
    """The part's Markdown lines; charts=False leaves the charts out."""
    families, single = split(data)
    workloads = ordered_workloads(families, single)
    md = [f"## {PART}", "",
          "The thread workloads of bench/alloc_threads_bench.sh (bench/alloc/wl_*.c). "
          "Ratios are to the best peer (the best of the allocators other than strata) "
          f"of each workload; bold: above the {TARGET}× target.", ""]
    for png in (ratio_chart(outdir, workloads), scaling_chart(outdir, families)) if charts else ():
        if png:
            md += [f"![{PART}]({png})", ""]
    md += ["### strata against the best peer", "", "Medians, min–max in brackets.", ""]
    md += versus_table(workloads) + [""]
    for fam, by_t in families.items():
        md += [f"### {fam}", "", "Wall time s (× best peer at that thread count):", ""]
        md += family_table(by_t, "time", 1.0) + ["", "Peak RSS MiB (× best peer):", ""]
        md += family_table(by_t, "rss", 1024.0) + [""]
    pairs = instructions_table(single)
    if pairs:
        md += ["### Fast path: main thread and a second thread", "",
               "Callgrind instructions per malloc+free pair (loop cost subtracted).", ""]
        md += pairs + [""]
    return md
