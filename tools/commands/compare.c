/*
 * commands/compare.c — `strata compare`: runs a command under several
 * allocators, interleaved (A B C A B C ...) so that a machine slowing down
 * or speeding up over time hits every allocator alike, after warm-up rounds
 * that fill the page cache; then prints the figures and checks that every
 * allocator made the command print and exit the same.
 *
 * Exit status: 0; 1 when stdout or exit status differ between allocators,
 * or an allocator given in --allocs is not installed (the table of the
 * others is still printed); 2 usage (bad option, unknown allocator, a file that is not a
 * shared library, -n 0); 3 --plot without gnuplot; 126/127 the command is
 * not executable / not found.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "run/compare.h"

/* What the options asked for. */
struct cmp_opts {
    const char *allocs; /* comma-separated list, or NULL: discover */
    size_t runs;        /* timed runs per allocator, >= 1 */
    size_t warmup;      /* warm-up runs per allocator */
    char format;        /* 't'able, 'j'son, 'c'sv */
    const char *plot;   /* chart file, or NULL */
};

static void compare_usage(FILE *to)
{
    fputs("usage: strata compare [--allocs LIST] [-n RUNS] [--warmup N] [--json|--csv]\n"
          "                      [--plot FILE.png|FILE.svg] -- CMD [ARGS...]\n"
          "\n"
          "Runs CMD under each allocator, interleaved, and prints median wall, user\n"
          "and sys time and peak RSS (wait4 rusage) with min-max, and ratios to\n"
          "jemalloc (to the first allocator when jemalloc is not compared).\n"
          "\n"
          "  -a, --allocs LIST  comma-separated names or paths; default: every one of\n"
          "                     glibc,jemalloc,mimalloc,tcmalloc,strata that is installed\n"
          "  -n, --runs N       timed runs per allocator (default 5)\n"
          "  -w, --warmup N     untimed warm-up runs per allocator first (default 1)\n"
          "      --json, --csv  machine-readable output instead of the table\n"
          "  -p, --plot FILE    chart of time and peak RSS (gnuplot), PNG or SVG\n"
          "  -h, --help         this text\n"
          "\n"
          "CMD's stdout is hashed and discarded; its stderr is discarded too, except\n"
          "the end of a failed run's (use strata run to see everything). CMD's\n"
          "stdin is /dev/null when strata's stdin is a terminal (or a pipe silent\n"
          "for a second); otherwise stdin is read once (up to 1 GiB) and given\n"
          "whole to every run. When stdout or the exit status differ between\n"
          "allocators, that is reported on stderr and strata exits 1. A progress\n"
          "line is shown when stderr is a terminal.\n"
          "\n"
          "exit status: 0 ok, 1 outputs differ or an allocator is not installed,\n"
          "2 usage, 3 gnuplot missing for --plot, 126/127 CMD not executable/found.\n",
          to);
}

/* Strict non-negative integer; -1 when s is not one. */
static long parse_count(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return (errno || end == s || *end || v < 0 || v > 1000000) ? -1 : v;
}

/* 0, or the exit status for bad options. */
static int compare_parse(int argc, char **argv, struct cmp_opts *o)
{
    static const struct option opts[] = {
        {"allocs", required_argument, NULL, 'a'}, {"runs", required_argument, NULL, 'n'},
        {"warmup", required_argument, NULL, 'w'}, {"json", no_argument, NULL, 'j'},
        {"csv", no_argument, NULL, 'c'},          {"plot", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    *o = (struct cmp_opts){.runs = 5, .warmup = 1, .format = 't'};
    int c;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+a:n:w:p:h", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            o->allocs = optarg;
            break;
        case 'j':
        case 'c':
            o->format = (char)c;
            break;
        case 'p':
            o->plot = optarg;
            break;
        case 'h':
            compare_usage(stdout);
            return -1;
        case 'n':
        case 'w':
            if ((v = parse_count(optarg)) < (c == 'n')) {
                cli_error("-%c %s: %s", c, optarg,
                          c == 'n' ? "need a number of runs >= 1" : "need a number >= 0");
                return STRATA_EXIT_USAGE;
            }
            *(c == 'n' ? &o->runs : &o->warmup) = (size_t)v;
            break;
        default:
            compare_usage(stderr);
            return STRATA_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_error("compare: no command given");
        compare_usage(stderr);
        return STRATA_EXIT_USAGE;
    }
    return 0;
}

/* True for the jemalloc entry, whether named or given as a path. */
static bool is_jemalloc(const cli_alloc_t *a)
{
    return !strcmp(a->name, "jemalloc") || !strncmp(a->name, "libjemalloc", 11);
}

static int compare_add(cli_cmp_t *c, const char *spec, bool explicit)
{
    char why[512];
    int err = cli_alloc_resolve(spec, &c->e[c->n].alloc, why, sizeof why);
    if (!err) {
        c->n++;
        return 0;
    }
    if (explicit && err != -ENOENT) { /* not an allocator at all: a usage error */
        cli_error("allocator '%s': %s", spec, why);
        return cli_alloc_exit_status(err);
    }
    /* Missing: the others are still compared, and an explicit one makes the
     * exit status 1 at the end. */
    if (explicit)
        cli_error("allocator '%s': %s; not compared", spec, why);
    else
        cli_error("note: %s not found, not compared: %s", spec, why);
    if (!(c->missing[c->nmissing] = strdup(spec)))
        return STRATA_EXIT_FAIL;
    c->nmissing++;
    c->explicit_missing |= explicit;
    return 0;
}

/* The allocators of --allocs (each must resolve) or, without it, every
 * known one that is installed. 0 or an exit status. */
static int compare_allocs(const struct cmp_opts *o, cli_cmp_t *c)
{
    size_t cap = cli_alloc_name_count;
    for (const char *p = o->allocs; p && *p; p++)
        cap += *p == ',';
    c->e = calloc(cap + 1, sizeof *c->e);
    c->missing = calloc(cap + 1, sizeof *c->missing);
    char *list = o->allocs ? strdup(o->allocs) : NULL;
    if (!c->e || !c->missing || (o->allocs && !list)) {
        free(list);
        cli_error("out of memory");
        return STRATA_EXIT_FAIL;
    }
    int st = 0;
    char *save = NULL;
    if (list) {
        for (char *t = strtok_r(list, ",", &save); t && !st; t = strtok_r(NULL, ",", &save))
            st = compare_add(c, t, true);
    } else {
        for (size_t i = 0; i < cli_alloc_name_count; i++)
            compare_add(c, cli_alloc_names[i], false);
    }
    free(list);
    if (!st && c->n == 0) {
        cli_error("no allocator to compare");
        st = c->explicit_missing ? STRATA_EXIT_FAIL : STRATA_EXIT_USAGE;
    }
    for (size_t i = 0; i < c->n && !st; i++)
        if (is_jemalloc(&c->e[i].alloc) && !c->base_is_jemalloc) {
            c->base = i;
            c->base_is_jemalloc = true;
        }
    return st;
}

/* Preloading cannot compare allocators for a static program, and a program
 * that loads its own allocator may keep using it: say so before the runs. */
static void compare_warn_linked(const char *path)
{
    cli_libs_verdict_t v;
    if (cli_libs_inspect(path, &v))
        return;
    if (v.is_static)
        cli_error("warning: %s is statically linked: LD_PRELOAD is ignored, so every "
                  "allocator below measures the program's own malloc",
                  v.inspected);
    else if (v.allocator[0])
        cli_error("warning: %s links an allocator itself (%s): preloading another one may "
                  "change nothing, or mix two allocators",
                  v.inspected, v.allocator);
}

/* "run 7/15, timed jemalloc, ~12 s left" on a terminal; the estimate is the
 * mean run time so far times the runs still to do. */
static void progress(bool on, const cli_cmp_t *c, size_t round, size_t i, size_t done)
{
    if (!on)
        return;
    size_t total = (c->nwarm + c->ntimed) * c->n;
    double spent = 0;
    for (size_t k = 0; k < c->n; k++)
        for (size_t r = 0; r < c->e[k].nrun; r++)
            spent += c->e[k].runs[r].wall_s;
    fprintf(stderr, "\rstrata compare: run %zu/%zu, %s %s", done + 1, total,
            round < c->nwarm ? "warm-up" : "timed", c->e[i].alloc.name);
    if (done)
        fprintf(stderr, ", ~%.0f s left", spent / (double)done * (double)(total - done));
    fputs("\033[K", stderr);
    fflush(stderr);
}

/* Keeps the end of a failed run's stderr: why it failed under that allocator
 * (e.g. ld.so's "symbol lookup error") is the first thing one wants to see. */
static void keep_err_tail(cli_cmp_entry_t *e, const cli_measure_t *m, int err_fd)
{
    if (err_fd < 0 || m->status == 0 || e->err_tail[0])
        return;
    off_t end = lseek(err_fd, 0, SEEK_END);
    off_t from = end > (off_t)sizeof e->err_tail - 1 ? end - (off_t)sizeof e->err_tail + 1 : 0;
    ssize_t n = end > 0 ? pread(err_fd, e->err_tail, (size_t)(end - from), from) : 0;
    e->err_tail[n > 0 ? n : 0] = '\0';
}

/* An empty stderr file for the next run (-1 when there is none). */
static void rewind_err(int err_fd)
{
    if (err_fd >= 0 && ftruncate(err_fd, 0) == 0)
        lseek(err_fd, 0, SEEK_SET);
}

/* All rounds, interleaved. 0 or an exit status (the command could not run). */
static int compare_rounds(cli_cmp_t *c, const char *path, char **envs[], int in_fd, int err_fd)
{
    bool on = isatty(2);
    size_t done = 0;
    for (size_t r = 0; r < c->nwarm + c->ntimed; r++) {
        for (size_t i = 0; i < c->n; i++, done++) {
            cli_cmp_entry_t *e = &c->e[i];
            cli_spawn_t sp = {.path = path,
                              .argv = c->cmd,
                              .envp = envs[i],
                              .stdin_fd = in_fd,
                              .hash_stdout = true,
                              .stderr_fd = err_fd};
            progress(on, c, r, i, done);
            rewind_err(err_fd);
            int err = cli_spawn_measure(&sp, &e->runs[e->nrun]);
            if (err) {
                fputs(on ? "\r\033[K" : "", stderr);
                cli_error("%s: cannot run under %s: %s", c->cmd[0], e->alloc.name, strerror(-err));
                return cli_which_exit_status(err);
            }
            keep_err_tail(e, &e->runs[e->nrun++], err_fd);
        }
    }
    fputs(on ? "\r\033[K" : "", stderr);
    return 0;
}

/* Sets up environments, stdin and run records, then runs every round. */
static int compare_execute(cli_cmp_t *c, const char *path)
{
    char ***envs = calloc(c->n, sizeof *envs);
    int st = envs ? 0 : STRATA_EXIT_FAIL;
    for (size_t i = 0; i < c->n && !st; i++) {
        c->e[i].runs = calloc(c->nwarm + c->ntimed, sizeof *c->e[i].runs);
        envs[i] = cli_env_build(c->e[i].alloc.path[0] ? c->e[i].alloc.path : NULL, false);
        if (!c->e[i].runs || !envs[i])
            st = STRATA_EXIT_FAIL;
    }
    if (st)
        cli_error("out of memory");
    bool idle = false;
    int in_fd = st ? -1 : cli_stdin_prepare(&idle);
    if (in_fd < 0 && !st) {
        cli_error("stdin: cannot keep a copy for every run: %s", strerror(-in_fd));
        st = STRATA_EXIT_FAIL;
    }
    if (idle)
        cli_error("note: nothing came on stdin for a second, so %s gets /dev/null "
                  "(redirect input from a file to give it some)",
                  c->cmd[0]);
    int err_fd = st ? -1 : memfd_create("strata-compare-stderr", MFD_CLOEXEC);
    if (!st)
        st = compare_rounds(c, path, envs, in_fd, err_fd);
    if (in_fd >= 0)
        close(in_fd);
    if (err_fd >= 0)
        close(err_fd);
    for (size_t i = 0; envs && i < c->n; i++)
        cli_env_free(envs[i]);
    free(envs);
    return st;
}

static void compare_notes(const cli_cmp_t *c)
{
    size_t unstable = 0;
    for (size_t i = 0; i < c->n; i++)
        unstable += !c->e[i].stable_out;
    if (unstable == c->n)
        cli_error("note: stdout varies from run to run under every allocator, so it is not "
                  "compared");
    for (size_t i = 0; unstable < c->n && i < c->n; i++)
        if (!c->e[i].stable_out)
            cli_error("note: stdout varies between runs under %s, so stdout is not "
                      "compared between allocators",
                      c->e[i].alloc.name);
    if (!c->status_differs && c->e[0].stable_status && c->e[0].runs[0].status)
        cli_error("note: %s exited with status %d under every allocator", c->cmd[0],
                  c->e[0].runs[0].status);
    for (size_t i = 0; i < c->n; i++)
        if (c->e[i].err_tail[0])
            cli_error("stderr of a failed run under %s ends with:\n%s%s", c->e[i].alloc.name,
                      c->e[i].err_tail,
                      c->e[i].err_tail[strlen(c->e[i].err_tail) - 1] == '\n' ? "" : "\n");
}

static int compare_report(cli_cmp_t *c, const struct cmp_opts *o)
{
    if (cli_cmp_summarize(c)) {
        cli_error("out of memory");
        return STRATA_EXIT_FAIL;
    }
    if (o->format == 'j')
        cli_cmp_print_json(c, stdout);
    else if (o->format == 'c')
        cli_cmp_print_csv(c, stdout);
    else
        cli_cmp_print_table(c, stdout);
    fflush(stdout);
    compare_notes(c);
    cli_cmp_print_differences(c, stderr);
    bool failed = c->out_differs || c->status_differs || c->explicit_missing;
    int st = failed ? STRATA_EXIT_FAIL : STRATA_EXIT_OK;
    char why[512];
    if (o->plot && cli_plot_write(c, o->plot, why, sizeof why)) {
        cli_error("%s: %s", o->plot, why);
        st = STRATA_EXIT_FAIL;
    }
    return st;
}

static void compare_free(cli_cmp_t *c)
{
    for (size_t i = 0; c->e && i < c->n; i++)
        free(c->e[i].runs);
    free(c->e);
    for (size_t i = 0; c->missing && i < c->nmissing; i++)
        free((char *)c->missing[i]);
    free(c->missing);
}

int cmd_compare(int argc, char **argv)
{
    struct cmp_opts o;
    int st = compare_parse(argc, argv, &o);
    if (st)
        return st < 0 ? STRATA_EXIT_OK : st;
    char **cmd = argv + optind, path[PATH_MAX], why[512];
    int err = cli_which(cmd[0], path, sizeof path);
    if (err) {
        cli_error("%s: %s", cmd[0], err == -ENOENT ? "command not found" : strerror(-err));
        return cli_which_exit_status(err);
    }
    if (o.plot && (err = cli_plot_check(o.plot, why, sizeof why))) {
        cli_error("%s: %s", o.plot, why);
        return err == -EINVAL   ? STRATA_EXIT_USAGE
               : err == -ENOPKG ? STRATA_EXIT_UNSUPPORTED
                                : STRATA_EXIT_FAIL;
    }
    cli_cmp_t c = {.cmd = cmd, .ntimed = o.runs, .nwarm = o.warmup};
    st = compare_allocs(&o, &c);
    if (!st) {
        compare_warn_linked(path);
        st = compare_execute(&c, path);
    }
    if (!st)
        st = compare_report(&c, &o);
    compare_free(&c);
    return st;
}
