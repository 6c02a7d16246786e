/*
 * run/compare_stats.c — what the runs of `strata compare` add up to.
 *
 * Medians rather than means: one run disturbed by the machine (a cron job,
 * a page-cache miss) should not move the figure; min-max shows the spread
 * honestly instead of a standard deviation over five samples. Only timed
 * runs count for the statistics, but warm-ups count for agreement: a
 * difference in output is a finding whenever it happens.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "run/compare.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The series of one quantity over runs [first, first + n). */
static void series_of(const cli_cmp_entry_t *e, size_t first, size_t n, double *tmp,
                      double (*pick)(const cli_measure_t *), cli_series_t *s)
{
    for (size_t i = 0; i < n; i++)
        tmp[i] = pick(&e->runs[first + i]);
    qsort(tmp, n, sizeof *tmp, cmp_double);
    s->min = tmp[0];
    s->max = tmp[n - 1];
    s->median = n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static double pick_wall(const cli_measure_t *m)
{
    return m->wall_s;
}
static double pick_user(const cli_measure_t *m)
{
    return m->user_s;
}
static double pick_sys(const cli_measure_t *m)
{
    return m->sys_s;
}
static double pick_rss(const cli_measure_t *m)
{
    return (double)m->maxrss_kib;
}

static void entry_stability(cli_cmp_entry_t *e)
{
    e->stable_out = e->stable_status = true;
    for (size_t i = 1; i < e->nrun; i++) {
        if (e->runs[i].out_hash != e->runs[0].out_hash ||
            e->runs[i].out_bytes != e->runs[0].out_bytes)
            e->stable_out = false;
        if (e->runs[i].status != e->runs[0].status)
            e->stable_status = false;
    }
}

/* Differences between allocators only mean something when each allocator
 * agrees with itself: a program that prints the time differs every run, so
 * stdout is compared only when it is stable under every allocator. An exit
 * status that is stable under some allocators but varies under others is a
 * finding in itself (a crash in one run out of five). */
static void cross_differences(cli_cmp_t *c)
{
    bool all_out = true;
    size_t nstable = 0;
    const cli_measure_t *rs = NULL; /* first run of the first status-stable entry */
    for (size_t i = 0; i < c->n; i++) {
        const cli_measure_t *r = &c->e[i].runs[0];
        all_out &= c->e[i].stable_out;
        if (!c->e[i].stable_status)
            continue;
        nstable++;
        if (!rs)
            rs = r;
        else if (r->status != rs->status)
            c->status_differs = true;
    }
    if (nstable && nstable < c->n)
        c->status_differs = true;
    const cli_measure_t *r0 = &c->e[0].runs[0];
    for (size_t i = 1; all_out && i < c->n; i++) {
        const cli_measure_t *r = &c->e[i].runs[0];
        if (r->out_hash != r0->out_hash || r->out_bytes != r0->out_bytes)
            c->out_differs = true;
    }
}

int cli_cmp_summarize(cli_cmp_t *c)
{
    double *tmp = malloc(c->ntimed * sizeof *tmp);
    if (!tmp)
        return -ENOMEM;
    for (size_t i = 0; i < c->n; i++) {
        cli_cmp_entry_t *e = &c->e[i];
        series_of(e, c->nwarm, c->ntimed, tmp, pick_wall, &e->wall);
        series_of(e, c->nwarm, c->ntimed, tmp, pick_user, &e->user);
        series_of(e, c->nwarm, c->ntimed, tmp, pick_sys, &e->sys);
        series_of(e, c->nwarm, c->ntimed, tmp, pick_rss, &e->rss);
        entry_stability(e);
    }
    free(tmp);
    cross_differences(c);
    return 0;
}

double cli_cmp_ratio(double v, double base)
{
    return base > 0 ? v / base : 0;
}
