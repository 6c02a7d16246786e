#!/bin/sh
# report_compare.sh — `strata compare` run the way a user would, for the
# bench report: a Python workload under every allocator it finds, the
# JSON printed as a Markdown table, the chart saved, each median appended to
# $STRATA_BENCH_CSV as alloc,strata-compare-python3,ALLOC,{time,rss},...
#
#   sh bench/report_compare.sh BUILD_DIR [ROUNDS] [OUTDIR]
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-${STRATA_BENCH_BUILD:-$ROOT/build}}
ROUNDS=${2:-5}
OUTDIR=${3:-}
STRATA=$BUILD/tools/strata
[ -x "$STRATA" ] || { echo "report_compare: $STRATA not built" >&2; exit 2; }
TMP=$(mktemp "${TMPDIR:-/tmp}/strata-compare.XXXXXX")
trap 'rm -f "$TMP"' EXIT INT TERM

set -- --json -n "$ROUNDS"
if [ -n "$OUTDIR" ] && command -v gnuplot >/dev/null; then
    mkdir -p "$OUTDIR/charts"
    set -- "$@" --plot "$OUTDIR/charts/strata-compare-python3.png"
fi
status=0
"$STRATA" compare "$@" -- python3 "$ROOT/bench/report_compare_workload.py" 1 >"$TMP" ||
    status=$?

# The JSON of `strata compare --json` as a Markdown table and CSV lines.
python3 - "$TMP" "$ROUNDS" "${STRATA_BENCH_CSV:-}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"## strata compare -n {sys.argv[2]} -- python3 bench/report_compare_workload.py")
print()
print(f"| allocator | wall s (min–max) | user s | sys s | peak RSS KiB (min–max) "
      f"| wall ÷ {d['baseline']} | RSS ÷ {d['baseline']} | exit |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
lines = []
for a in d["allocators"]:
    w, r = a["wall_s"], a["peak_rss_kib"]
    print(f"| {a['name']} | {w['median']:.3f} ({w['min']:.3f}–{w['max']:.3f}) "
          f"| {a['user_s']['median']:.3f} | {a['sys_s']['median']:.3f} "
          f"| {r['median']:.0f} ({r['min']:.0f}–{r['max']:.0f}) | {a['wall_ratio']:.2f} "
          f"| {a['rss_ratio']:.2f} | {a['exit_status']} |")
    if a["exit_status"] != 0 or not a["stable_exit_status"]:
        continue  # a failed run measures the failure, not the allocator
    for metric, unit, s in (("time", "s", w), ("rss", "KiB", r)):
        lines.append(f"alloc,strata-compare-python3,{a['name']},{metric},{unit},"
                     f"{s['median']:.6g},{s['min']:.6g},{s['max']:.6g}\n")
if d["not_found"]:
    print(f"\nNot found, not compared: {', '.join(d['not_found'])}.")
failed = [a["name"] for a in d["allocators"] if a["exit_status"] != 0]
if failed:
    print(f"\n**The command failed under {', '.join(failed)}**: left out of the "
          "report's figures (see this entry point's stderr).")
if d["stdout_differs"] or d["exit_status_differs"]:
    print("\n**stdout or exit status differed between allocators** (see stderr).")
if sys.argv[3]:
    with open(sys.argv[3], "a") as f:
        f.writelines(lines)
PY
[ -n "$OUTDIR" ] && [ -f "$OUTDIR/charts/strata-compare-python3.png" ] &&
    printf '\n![strata compare](charts/strata-compare-python3.png)\n'
[ "$status" = 0 ] || echo "report_compare: strata compare exited $status (see its stderr)" >&2
exit "$status"
