/*
 * run/compare.h — `strata compare`: the results of running one command
 * under several allocators, and what is done with them. One file each:
 *   run/compare_stats.c   medians, min-max, and agreement between runs
 *   run/compare_stdin.c   the command's stdin, given once to every run
 *   output/compare_report.c  the table, JSON and CSV
 *   output/plot.c            the gnuplot chart (--plot)
 *   commands/compare.c         options, discovery, the interleaved runs
 */
#ifndef STRATA_TOOLS_CLI_COMPARE_H
#define STRATA_TOOLS_CLI_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "run/run.h"

/* Median and spread of one quantity over the timed runs. */
typedef struct cli_series {
    double median; /* of the timed runs; the mean of the middle two for even counts */
    double min;    /* <= median */
    double max;    /* >= median */
} cli_series_t;

/* One allocator's runs. */
typedef struct cli_cmp_entry {
    cli_alloc_t alloc;                 /* what was preloaded */
    cli_measure_t *runs;               /* every run, warm-ups first: nwarm + ntimed entries */
    size_t nrun;                       /* runs done so far */
    cli_series_t wall, user, sys, rss; /* of the timed runs; rss in KiB */
    bool stable_out;                   /* every run printed the same stdout */
    bool stable_status;                /* every run exited with the same status */
    char err_tail[512]; /* end of stderr of the first run that exited non-zero, or "" */
} cli_cmp_entry_t;

/* A whole comparison. */
typedef struct cli_cmp {
    char **cmd;            /* the command and its arguments, NULL-terminated */
    cli_cmp_entry_t *e;    /* the allocators, in the order asked for */
    size_t n;              /* entries in e; >= 1 */
    size_t ntimed;         /* timed runs per allocator; >= 1 */
    size_t nwarm;          /* warm-up runs per allocator, not in the statistics */
    size_t base;           /* entry the ratios are relative to */
    bool base_is_jemalloc; /* false: jemalloc was not compared, base is e[0] */
    bool out_differs;      /* stdout differs between allocators (each being stable) */
    bool status_differs;   /* exit status differs between allocators (likewise) */
    const char **missing;  /* allocators not found (names or paths, malloc'd) */
    size_t nmissing;       /* entries in missing */
    bool explicit_missing; /* one of them was asked for by --allocs */
} cli_cmp_t;

/* ---- run/compare_stats.c --------------------------------------------- */

/* Fills every entry's series and stability flags, and the cross-allocator
 * differences. -ENOMEM or 0. */
int cli_cmp_summarize(cli_cmp_t *c);
/* Ratio of entry i's value to the baseline's (0 when the baseline's is 0). */
double cli_cmp_ratio(double v, double base);

/* ---- run/compare_stdin.c --------------------------------------------- */

/* An fd every run can read from the start: /dev/null when our stdin is a
 * terminal, stdin itself when it is a regular file, else a memfd holding
 * all of stdin, read once now; /dev/null with *idle set when a pipe stayed
 * silent for a second. -errno on failure (-EFBIG: over 1 GiB of input). */
int cli_stdin_prepare(bool *idle);

/* ---- output/compare_report.c -------------------------------------------- */

void cli_cmp_print_table(const cli_cmp_t *c, FILE *out);
void cli_cmp_print_json(const cli_cmp_t *c, FILE *out);
void cli_cmp_print_csv(const cli_cmp_t *c, FILE *out);
/* The loud message on stderr when runs disagree between allocators. */
void cli_cmp_print_differences(const cli_cmp_t *c, FILE *err);

/* ---- output/plot.c ------------------------------------------------------ */

/* 0 when a chart can be drawn into file; -EINVAL when file does not end in
 * .png or .svg, -ENOPKG when gnuplot is not on PATH (why says how to get
 * it), or the errno that keeps file from being written. */
int cli_plot_check(const char *file, char *why, size_t whylen);
/* Draws wall time and peak RSS per allocator with min-max bars into file.
 * 0, or -errno (why says what gnuplot reported). */
int cli_plot_write(const cli_cmp_t *c, const char *file, char *why, size_t whylen);

#endif
