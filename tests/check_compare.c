/*
 * check_compare.c — `strata run` and `strata compare`, end to end: the CLI
 * runs the small programs of tests/compare/ and the tests check what those
 * programs saw (their preload, their stdin), the table, JSON and CSV
 * (parsed by python3), the charts' file formats, the reported differences,
 * and the exit status and message of every kind of bad input.
 *
 * Commands go through sh, so they are written with the environment
 * variables tests/compare.cmake sets ("$STRATA_CLI", "$COMPARE_PROBE", ...).
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check_run.h"

static char tmpdir[] = "/tmp/check_compare.XXXXXX";

/* What one command did. */
struct res {
    int status;      /* exit status, or 128 + signal */
    char out[65536]; /* its stdout, NUL-terminated (truncated) */
    char err[16384]; /* its stderr, likewise */
};

static void setup(void)
{
    strcpy(tmpdir, "/tmp/check_compare.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static void slurp(const char *name, char *buf, size_t cap)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
}

/* Runs a shell command line with stdout and stderr kept apart; stdin is
 * /dev/null unless the line redirects it. */
static struct res *sh(const char *fmt, ...)
{
    static struct res r;
    char line[4096], cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "cd '%s' && { %s ; } >out.txt 2>err.txt </dev/null", tmpdir, line);
    int st = system(cmd);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    slurp("out.txt", r.out, sizeof r.out);
    slurp("err.txt", r.err, sizeof r.err);
    return &r;
}

#define assert_has(hay, needle)                                                                    \
    ck_assert_msg(strstr(hay, needle) != NULL, "expected \"%s\" in:\n%s", needle, hay)

/* Runs python3 code on tmpdir/out.txt (the last command's stdout) and
 * asserts it exits 0; the code reads the file from sys.argv[1]. */
static void py_check(const char *code)
{
    char path[256], cmd[8192];
    snprintf(path, sizeof path, "%s/check.py", tmpdir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(code, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "python3 '%s' '%s/out.txt' >'%s/py.txt' 2>&1", path, tmpdir, tmpdir);
    int st = system(cmd);
    char msg[4096];
    slurp("py.txt", msg, sizeof msg);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "python check failed:\n%s", msg);
}

/* ---- strata run ------------------------------------------------------ */

START_TEST(run_preloads_and_returns_status)
{
    struct res *r = sh("\"$STRATA_CLI\" run --alloc jemalloc -- \"$COMPARE_PROBE\" 7");
    ck_assert_int_eq(r->status, 7);
    assert_has(r->out, "LD_PRELOAD=/");
    assert_has(r->out, "libjemalloc.so");
    assert_has(r->out, "mapped: libjemalloc");
    r = sh("\"$STRATA_CLI\" run --alloc jemalloc -- \"$COMPARE_PROBE\"");
    ck_assert_int_eq(r->status, 0);
}
END_TEST

START_TEST(run_defaults_to_strata)
{
    struct res *r = sh("\"$STRATA_CLI\" run -- \"$COMPARE_PROBE\" 3");
    ck_assert_int_eq(r->status, 3);
    assert_has(r->out, "mapped: libstrata-malloc");
    assert_has(r->out, "STRATA_STATS=\n");
    r = sh("\"$STRATA_CLI\" run --stats -- \"$COMPARE_PROBE\"");
    ck_assert_int_eq(r->status, 0);
    assert_has(r->out, "STRATA_STATS=1");
}
END_TEST

START_TEST(run_keeps_existing_preload)
{
    /* Any real library will do as the user's own preload: take libc's. */
    struct res *r = sh("lib=$(\"$STRATA_CLI\" run --alloc glibc -- sh -c "
                       "'grep -o \"/[^ ]*libc\\.so[^ ]*\" /proc/self/maps | head -1'); "
                       "LD_PRELOAD=$lib \"$STRATA_CLI\" run --alloc mimalloc -- "
                       "\"$COMPARE_PROBE\"; echo \"user=$lib\"");
    ck_assert_int_eq(r->status, 0);
    char want[1024];
    const char *user = strstr(r->out, "user=");
    ck_assert_ptr_nonnull(user);
    snprintf(want, sizeof want, ":%.*s\n", (int)strcspn(user + 5, "\n"), user + 5);
    assert_has(r->out, "libmimalloc.so");
    assert_has(r->out, want); /* the user's library comes after the allocator */
}
END_TEST

START_TEST(run_glibc_preloads_nothing)
{
    struct res *r = sh("\"$STRATA_CLI\" run --alloc glibc -- \"$COMPARE_PROBE\"");
    ck_assert_int_eq(r->status, 0);
    assert_has(r->out, "LD_PRELOAD=\n");
    ck_assert_ptr_null(strstr(r->out, "mapped:"));
}
END_TEST

START_TEST(run_bad_input)
{
    struct res *r = sh("\"$STRATA_CLI\" run --alloc nosuchalloc -- true");
    ck_assert_int_eq(r->status, 2);
    assert_has(r->err, "strata: allocator 'nosuchalloc': unknown allocator");
    r = sh("\"$STRATA_CLI\" run --alloc /etc/passwd -- true");
    ck_assert_int_eq(r->status, 2);
    assert_has(r->err, "not a shared library");
    r = sh("\"$STRATA_CLI\" run --alloc \"$COMPARE_PROBE\" -- true");
    ck_assert_int_eq(r->status, 2);
    assert_has(r->err, "an ELF program, not a shared library");
    r = sh("\"$STRATA_CLI\" run --alloc /no/such/libx.so -- true");
    ck_assert_int_eq(r->status, 1);
    assert_has(r->err, "strata: allocator '/no/such/libx.so': no such file");
    r = sh("\"$STRATA_CLI\" run --alloc glibc -- no-such-command-xyz");
    ck_assert_int_eq(r->status, 127);
    assert_has(r->err, "strata: no-such-command-xyz: command not found");
    r = sh("touch plain && \"$STRATA_CLI\" run --alloc glibc -- ./plain");
    ck_assert_int_eq(r->status, 126);
    assert_has(r->err, "strata: ./plain: ");
    r = sh("\"$STRATA_CLI\" run --alloc glibc");
    ck_assert_int_eq(r->status, 2);
    assert_has(r->err, "no command given");
    r = sh("\"$STRATA_CLI\" run --help");
    ck_assert_int_eq(r->status, 0);
    assert_has(r->out, "STRATA_MALLOC_LIB");
}
END_TEST

/* ---- strata compare -------------------------------------------------- */

/* Every known allocator is either compared or listed as not found, strata
 * (STRATA_MALLOC_LIB is set) and glibc always compared, figures sane. */
static const char json_check[] =
    "import json, sys\n"
    "d = json.load(open(sys.argv[1]))\n"
    "names = [a['name'] for a in d['allocators']]\n"
    "known = ['glibc', 'jemalloc', 'mimalloc', 'tcmalloc', 'strata']\n"
    "assert sorted(names + d['not_found']) == sorted(known), (names, d['not_found'])\n"
    "assert 'glibc' in names and 'strata' in names, names\n"
    "assert d['timed_runs'] == 3 and d['warmup_runs'] == 1\n"
    "assert d['baseline'] == ('jemalloc' if 'jemalloc' in names else names[0])\n"
    "assert d['stdout_differs'] is False and d['exit_status_differs'] is False\n"
    "hashes = set()\n"
    "for a in d['allocators']:\n"
    "    assert len(a['runs']) == 4 and sum(r['warmup'] for r in a['runs']) == 1\n"
    "    for k in ('wall_s', 'user_s', 'sys_s', 'peak_rss_kib'):\n"
    "        s = a[k]\n"
    "        assert 0 <= s['min'] <= s['median'] <= s['max'], (k, s)\n"
    "    assert a['wall_s']['median'] > 0 and a['peak_rss_kib']['min'] > 0\n"
    "    assert a['exit_status'] == 0 and a['stdout_bytes'] > 0\n"
    "    assert (a['library'] is None) == (a['name'] == 'glibc')\n"
    "    hashes.add(a['stdout_fnv1a64'])\n"
    "assert len(hashes) == 1\n"
    "base = [a for a in d['allocators'] if a['name'] == d['baseline']][0]\n"
    "assert abs(base['wall_ratio'] - 1) < 1e-9 and abs(base['rss_ratio'] - 1) < 1e-9\n";

START_TEST(compare_json_lists_every_allocator)
{
    struct res *r = sh("\"$STRATA_CLI\" compare --json -n 3 -- \"$COMPARE_WORKLOAD\"");
    ck_assert_msg(r->status == 0, "status %d, stderr:\n%s", r->status, r->err);
    py_check(json_check);
}
END_TEST

START_TEST(compare_table_has_a_row_per_allocator)
{
    struct res *r = sh("\"$STRATA_CLI\" compare -n 2 --allocs glibc,jemalloc,strata -- "
                       "\"$COMPARE_WORKLOAD\"");
    ck_assert_msg(r->status == 0, "status %d, stderr:\n%s", r->status, r->err);
    assert_has(r->out, "ratios to jemalloc\n");
    assert_has(r->out, "allocator ");
    assert_has(r->out, "wall s");
    assert_has(r->out, "RSS MiB");
    assert_has(r->out, "stdout and exit status: the same under every allocator");
    py_check("import sys, re\n"
             "rows = {}\n"
             "for l in open(sys.argv[1]):\n"
             "    m = re.match(r'^(\\S+) +([0-9.]+) +([0-9.]+)-([0-9.]+) +([0-9.]+) +([0-9.]+)"
             " +([0-9.]+) +([0-9.]+)-([0-9.]+) +([0-9.]+) +([0-9.]+) +(\\d+)$', l)\n"
             "    if m: rows[m.group(1)] = [float(x) for x in m.groups()[1:]]\n"
             "assert sorted(rows) == ['glibc', 'jemalloc', 'strata'], rows\n"
             "assert rows['jemalloc'][8] == 1.0 and rows['jemalloc'][9] == 1.0\n"
             "for v in rows.values(): assert v[1] <= v[0] <= v[2] and v[6] <= v[5] <= v[7]\n");
    r = sh("\"$STRATA_CLI\" compare -n 1 --allocs glibc,strata -- \"$COMPARE_WORKLOAD\"");
    ck_assert_int_eq(r->status, 0);
    assert_has(r->out, "ratios to glibc (jemalloc is not in this comparison)");
}
END_TEST

START_TEST(compare_csv_is_well_formed)
{
    struct res *r = sh("\"$STRATA_CLI\" compare --csv -n 2 -w 0 -- \"$COMPARE_WORKLOAD\"");
    ck_assert_msg(r->status == 0, "status %d, stderr:\n%s", r->status, r->err);
    py_check("import csv, sys\n"
             "rows = list(csv.reader(open(sys.argv[1])))\n"
             "head, body = rows[0], rows[1:]\n"
             "assert head[0] == 'allocator' and 'wall_median_s' in head, head\n"
             "assert all(len(r) == len(head) for r in body)\n"
             "names = [r[0] for r in body]\n"
             "assert 'glibc' in names and 'strata' in names, names\n"
             "i = head.index('wall_median_s')\n"
             "assert all(float(r[i]) > 0 for r in body)\n"
             "assert len(set(r[head.index('stdout_fnv1a64')] for r in body)) == 1\n");
}
END_TEST

START_TEST(compare_detects_planted_difference)
{
    struct res *r = sh("\"$STRATA_CLI\" compare -n 1 --allocs glibc,jemalloc -- "
                       "\"$COMPARE_PLANTED\"");
    ck_assert_int_eq(r->status, 1);
    assert_has(r->err, "STDOUT DIFFERS BETWEEN ALLOCATORS");
    assert_has(r->out, "DIFFER between allocators");
    r = sh("\"$STRATA_CLI\" compare --json -n 1 --allocs glibc,jemalloc -- "
           "\"$COMPARE_PLANTED\"");
    ck_assert_int_eq(r->status, 1);
    py_check("import json, sys\nd = json.load(open(sys.argv[1]))\n"
             "assert d['stdout_differs'] is True and d['exit_status_differs'] is False\n");
    /* An exit status that depends on the allocator is flagged too. */
    r = sh("\"$STRATA_CLI\" compare -n 1 --allocs glibc,jemalloc -- sh -c "
           "'grep -q jemalloc /proc/self/maps && exit 3; exit 0'");
    ck_assert_int_eq(r->status, 1);
    assert_has(r->err, "EXIT STATUS DIFFERS BETWEEN ALLOCATORS");
    /* So is one that fails in some runs under one allocator only (every
     * third run under jemalloc "crashes"). */
    r = sh("\"$STRATA_CLI\" compare -n 4 --allocs glibc,jemalloc -- sh -c "
           "'if grep -q jemalloc /proc/self/maps; then n=$(($(cat cnt 2>/dev/null || echo 0) + 1));"
           " echo $n > cnt; [ $((n %% 3)) = 0 ] && exit 139; fi; echo ok'");
    ck_assert_int_eq(r->status, 1);
    assert_has(r->err, "EXIT STATUS DIFFERS BETWEEN ALLOCATORS");
    assert_has(r->err, "(run 3 of 5 exited 139)");
}
END_TEST

START_TEST(compare_reports_missing_allocators)
{
    struct res *r = sh("\"$STRATA_CLI\" compare -n 1 --allocs glibc,/no/such/libx.so -- "
                       "\"$COMPARE_WORKLOAD\"");
    ck_assert_int_eq(r->status, 1);
    assert_has(r->err, "strata: allocator '/no/such/libx.so': no such file; not compared");
    assert_has(r->out, "\nglibc "); /* the others are compared */
    assert_has(r->out, "/no/such/libx.so not found, not compared");
    r = sh("\"$STRATA_CLI\" compare --json -n 1 --allocs /no/such/libx.so,jemalloc -- "
           "\"$COMPARE_WORKLOAD\"");
    ck_assert_int_eq(r->status, 1);
    py_check("import json, sys\nd = json.load(open(sys.argv[1]))\n"
             "assert d['not_found'] == ['/no/such/libx.so'], d['not_found']\n"
             "assert [a['name'] for a in d['allocators']] == ['jemalloc']\n");
    r = sh("\"$STRATA_CLI\" compare -n 1 --allocs /no/such/libx.so -- true");
    ck_assert_int_eq(r->status, 1);
    assert_has(r->err, "no allocator to compare");
    /* Discovery names what it did not find, and why. */
    /* (A copy of the CLI away from the build tree cannot find libstrata-malloc.) */
    r = sh("mkdir bin && cp \"$STRATA_CLI\" bin/strata && STRATA_MALLOC_LIB= bin/strata "
           "compare -n 1 -w 0 -- \"$COMPARE_WORKLOAD\"");
    ck_assert_int_eq(r->status, 0);
    assert_has(r->err, "strata: note: strata not found, not compared: libstrata-malloc.so "
                       "not found");
    assert_has(r->out, "strata     not found, not compared");
}
END_TEST

START_TEST(compare_bad_input)
{
    struct res *r = sh("\"$STRATA_CLI\" compare --allocs glibc,nosuch -- true");
    ck_assert_int_eq(r->status, 2);
    assert_has(r->err, "strata: allocator 'nosuch': unknown allocator");
    r = sh("\"$STRATA_CLI\" compare --allocs /etc/passwd -- true");
    ck_assert_int_eq(r->status, 2);
    assert_has(r->err, "strata: allocator '/etc/passwd': not an ELF file");
    r = sh("\"$STRATA_CLI\" compare --allocs glibc -- no-such-command-xyz");
    ck_assert_int_eq(r->status, 127);
    assert_has(r->err, "strata: no-such-command-xyz: command not found");
    r = sh("\"$STRATA_CLI\" compare -n 0 -- true");
    ck_assert_int_eq(r->status, 2);
    assert_has(r->err, "strata: -n 0: need a number of runs >= 1");
    r = sh("\"$STRATA_CLI\" compare -n x3 -- true");
    ck_assert_int_eq(r->status, 2);
    r = sh("\"$STRATA_CLI\" compare --allocs glibc");
    ck_assert_int_eq(r->status, 2);
    assert_has(r->err, "no command given");
    r = sh("\"$STRATA_CLI\" compare --plot chart.gif -- true");
    ck_assert_int_eq(r->status, 2);
    assert_has(r->err, "strata: chart.gif: --plot needs a file name ending in .png or .svg");
    r = sh("PATH=/nonexistent \"$STRATA_CLI\" compare --allocs glibc --plot c.png -- "
           "/bin/true");
    ck_assert_int_eq(r->status, 3);
    assert_has(r->err, "--plot needs gnuplot");
    r = sh("\"$STRATA_CLI\" compare --allocs glibc --plot /nonexistent/c.png -- true");
    ck_assert_int_eq(r->status, 1);
    assert_has(r->err, "strata: /nonexistent/c.png: cannot write the chart there: No such file");
    ck_assert_str_eq(r->out, ""); /* said before running anything */
    r = sh("\"$STRATA_CLI\" compare --help");
    ck_assert_int_eq(r->status, 0);
    assert_has(r->out, "--allocs");
}
END_TEST

START_TEST(compare_plot_png_and_svg)
{
    struct res *r = sh("\"$STRATA_CLI\" compare -n 2 --allocs glibc,jemalloc,strata "
                       "--plot c.png -- \"$COMPARE_WORKLOAD\"");
    ck_assert_msg(r->status == 0, "status %d, stderr:\n%s", r->status, r->err);
    char buf[4096];
    slurp("c.png", buf, sizeof buf);
    ck_assert_mem_eq(buf, "\x89PNG\r\n\x1a\n", 8);
    r = sh("\"$STRATA_CLI\" compare -n 2 --allocs glibc,strata --plot c.svg -- "
           "\"$COMPARE_WORKLOAD\"");
    ck_assert_msg(r->status == 0, "status %d, stderr:\n%s", r->status, r->err);
    r = sh("python3 -c 'import sys, xml.etree.ElementTree as E; "
           "t = E.parse(\"c.svg\").getroot(); print(t.tag)'");
    ck_assert_int_eq(r->status, 0);
    ck_assert_str_eq(r->out, "{http://www.w3.org/2000/svg}svg\n");
}
END_TEST

START_TEST(compare_replays_stdin)
{
    /* 300 bytes: stdin_len exits 300 % 256 = 44 in every run. */
    struct res *r = sh("head -c 300 /dev/zero | \"$STRATA_CLI\" compare --json -n 2 "
                       "--allocs glibc,jemalloc -- \"$COMPARE_STDIN_LEN\"");
    ck_assert_msg(r->status == 0, "status %d, stderr:\n%s", r->status, r->err);
    py_check("import json, sys\nd = json.load(open(sys.argv[1]))\n"
             "st = [r['exit_status'] for a in d['allocators'] for r in a['runs']]\n"
             "assert st == [44] * 6, st\n");
    assert_has(r->err, "exited with status 44 under every allocator");
    /* A regular file as stdin is rewound for each run. */
    r = sh("head -c 5 /dev/zero > in.bin && \"$STRATA_CLI\" compare --json -n 2 "
           "--allocs glibc,jemalloc -- \"$COMPARE_STDIN_LEN\" < in.bin");
    py_check("import json, sys\nd = json.load(open(sys.argv[1]))\n"
             "st = [r['exit_status'] for a in d['allocators'] for r in a['runs']]\n"
             "assert st == [5] * 6, st\n");
    /* A pipe nobody writes to (an inherited stdin) does not hang compare. */
    r = sh("mkfifo f && exec 3<>f && \"$STRATA_CLI\" compare --json -n 1 --allocs glibc -- "
           "\"$COMPARE_STDIN_LEN\" <f");
    ck_assert_int_eq(r->status, 0);
    assert_has(r->err, "nothing came on stdin for a second");
}
END_TEST

START_TEST(compare_warns_when_preload_cannot_work)
{
    struct res *r = sh("\"$STRATA_CLI\" compare -n 1 -w 0 --allocs glibc,jemalloc -- "
                       "\"$COMPARE_STATIC\"");
    ck_assert_int_eq(r->status, 0);
    assert_has(r->err, "is statically linked: LD_PRELOAD is ignored");
    const char *linked = getenv("COMPARE_LINKED");
    if (!linked) {
        fprintf(stderr, "compare_warns_when_preload_cannot_work: no libjemalloc to link "
                        "against; the linked-allocator warning is not tested\n");
        return;
    }
    r = sh("\"$STRATA_CLI\" compare -n 1 -w 0 --allocs glibc,jemalloc -- \"$COMPARE_LINKED\"");
    ck_assert_int_eq(r->status, 0);
    assert_has(r->err, "links an allocator itself (libjemalloc.so");
    /* Scripts are judged by their interpreter. */
    r = sh("printf '#!/usr/bin/env python3\\nprint(1)\\n' > s.py && chmod +x s.py && "
           "\"$STRATA_CLI\" compare -n 1 -w 0 --allocs glibc -- ./s.py");
    ck_assert_int_eq(r->status, 0);
    ck_assert_ptr_null(strstr(r->err, "warning"));
}
END_TEST

/* ---- the bench report builder ---------------------------------------- */

START_TEST(report_builds_from_partial_data)
{
    /* Two parts, one workload with a single implementation, a malformed
     * line, a line without a number, and an entry point that failed. */
    struct res *r = sh("mkdir -p out/logs && printf '%%s\\n' "
                       "'alloc,pairs,glibc,time,s,1.2,1.1,1.3' "
                       "'alloc,pairs,jemalloc,time,s,0.9,0.8,1.0' "
                       "'alloc,pairs,strata,time,s,0.6,0.5,0.7' "
                       "'alloc,pairs,strata,rss,KiB,1800,1700,1900' "
                       "'cow,snapshot,strata,time,ms,2.5,2.4,2.6' "
                       "'cow,snapshot,fork,time,ms,150,140,160' "
                       "'layout,only-one,strata,time,s,0.1,0.1,0.1' "
                       "'garbage' 'alloc,pairs,glibc,time,s,nan-ish,1,2' > out/data.csv && "
                       "printf 'alloc_bench\\t0\\t1.0\\ncow_bench\\t1\\t2.0\\n' "
                       "> out/runs.tsv && echo 'plain output' > out/logs/cow_bench.out && "
                       "python3 \"$COMPARE_REPORT_BUILD\" out && cat out/report.md");
    ck_assert_msg(r->status == 0, "report_build failed:\n%s", r->err);
    assert_has(r->out, "## alloc\n");
    assert_has(r->out, "## cow\n");
    assert_has(r->out, "## layout\n");
    assert_has(r->out, "2 CSV line(s) could not be read");
    assert_has(r->out, "| cow_bench | **1** (failed) |");
    assert_has(r->out, "| alloc | pairs | time (s) | 0.600 | jemalloc 0.900 | 0.67 |");
    assert_has(r->out, "| **strata** | 0.600 (0.500–0.700) |");
    assert_has(r->out, "Ratios are to jemalloc.");
    assert_has(r->out, "Ratios are to fork.");
    assert_has(r->out, "```text\nplain output\n```");
    assert_has(r->out, "![alloc pairs](charts/alloc-pairs.png)");
    char buf[16];
    slurp("out/charts/alloc-pairs.png", buf, sizeof buf);
    ck_assert_mem_eq(buf, "\x89PNG\r\n\x1a\n", 8);
    /* No data at all still gives a report that says so. */
    r = sh("mkdir empty && python3 \"$COMPARE_REPORT_BUILD\" empty && cat empty/report.md");
    ck_assert_int_eq(r->status, 0);
    assert_has(r->out, "No measurements were recorded");
}
END_TEST

static Suite *compare_suite(void)
{
    Suite *s = suite_create("compare");
    TCase *run = tcase_create("run");
    tcase_add_checked_fixture(run, setup, teardown);
    tcase_add_test(run, run_preloads_and_returns_status);
    tcase_add_test(run, run_defaults_to_strata);
    tcase_add_test(run, run_keeps_existing_preload);
    tcase_add_test(run, run_glibc_preloads_nothing);
    tcase_add_test(run, run_bad_input);
    suite_add_tcase(s, run);
    TCase *cmp = tcase_create("compare");
    tcase_add_checked_fixture(cmp, setup, teardown);
    tcase_set_timeout(cmp, 120);
    tcase_add_test(cmp, compare_json_lists_every_allocator);
    tcase_add_test(cmp, compare_table_has_a_row_per_allocator);
    tcase_add_test(cmp, compare_csv_is_well_formed);
    tcase_add_test(cmp, compare_detects_planted_difference);
    tcase_add_test(cmp, compare_reports_missing_allocators);
    tcase_add_test(cmp, compare_bad_input);
    tcase_add_test(cmp, compare_plot_png_and_svg);
    tcase_add_test(cmp, compare_replays_stdin);
    tcase_add_test(cmp, compare_warns_when_preload_cannot_work);
    suite_add_tcase(s, cmp);
    TCase *rep = tcase_create("report");
    tcase_add_checked_fixture(rep, setup, teardown);
    tcase_add_test(rep, report_builds_from_partial_data);
    suite_add_tcase(s, rep);
    return s;
}

int main(void)
{
    return check_run(compare_suite(), CK_FORK_GETENV);
}
