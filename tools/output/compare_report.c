/*
 * output/compare_report.c — `strata compare`'s results as a table for people,
 * JSON and CSV for scripts. All three carry the same figures: medians with
 * min-max of wall, user, sys and peak RSS, ratios to the baseline, and each
 * allocator's exit status and stdout hash so differences can be traced.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "run/compare.h"
#include "output/json.h"

static const char *base_name(const cli_cmp_t *c)
{
    return c->e[c->base].alloc.name;
}

/* An argument as a shell would need it typed, so the line can be pasted. */
static void shell_word(const char *s, FILE *out)
{
    if (*s && s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                          "0123456789_./:=,+-@%")] == '\0') {
        fputs(s, out);
        return;
    }
    fputc('\'', out);
    for (; *s; s++)
        fputs(*s == '\'' ? "'\\''" : (char[]){*s, 0}, out);
    fputc('\'', out);
}

/* Width of the allocator column: the longest name, at least "allocator ". */
static int name_width(const cli_cmp_t *c)
{
    size_t w = 10;
    for (size_t i = 0; i < c->n; i++)
        w = strlen(c->e[i].alloc.name) > w ? strlen(c->e[i].alloc.name) : w;
    return (int)w;
}

static void table_head(const cli_cmp_t *c, FILE *out)
{
    fputs("command:", out);
    for (char **a = c->cmd; *a; a++) {
        fputc(' ', out);
        shell_word(*a, out);
    }
    fprintf(out, "\n%zu timed run%s per allocator after %zu warm-up%s, interleaved; ratios to %s",
            c->ntimed, c->ntimed == 1 ? "" : "s", c->nwarm, c->nwarm == 1 ? "" : "s", base_name(c));
    if (!c->base_is_jemalloc)
        fputs(" (jemalloc is not in this comparison)", out);
    fprintf(out, "\n\n%-*s %9s %-17s %8s %8s %9s %-15s %6s %6s %4s\n", name_width(c), "allocator",
            "wall s", "  (min-max)", "user s", "sys s", "RSS MiB", "  (min-max)", "wall x", "RSS x",
            "exit");
}

static void table_row(const cli_cmp_t *c, const cli_cmp_entry_t *e, FILE *out)
{
    const cli_cmp_entry_t *b = &c->e[c->base];
    char wall[32], rss[32];
    snprintf(wall, sizeof wall, "%.4f-%.4f", e->wall.min, e->wall.max);
    snprintf(rss, sizeof rss, "%.1f-%.1f", e->rss.min / 1024, e->rss.max / 1024);
    fprintf(out, "%-*s %9.4f   %-15s %8.4f %8.4f %9.1f   %-13s %6.2f %6.2f %4d%s\n", name_width(c),
            e->alloc.name, e->wall.median, wall, e->user.median, e->sys.median,
            e->rss.median / 1024, rss, cli_cmp_ratio(e->wall.median, b->wall.median),
            cli_cmp_ratio(e->rss.median, b->rss.median), e->runs[0].status,
            e->stable_status ? "" : " (varies)");
}

void cli_cmp_print_table(const cli_cmp_t *c, FILE *out)
{
    table_head(c, out);
    for (size_t i = 0; i < c->n; i++)
        table_row(c, &c->e[i], out);
    fputc('\n', out);
    for (size_t i = 0; i < c->n; i++)
        fprintf(out, "%-*s %s\n", name_width(c), c->e[i].alloc.name,
                c->e[i].alloc.path[0] ? c->e[i].alloc.path
                                      : "(no preload: the C library's malloc)");
    for (size_t i = 0; i < c->nmissing; i++)
        fprintf(out, "%-*s not found, not compared\n", name_width(c), c->missing[i]);
    fprintf(out, "stdout and exit status: %s\n",
            c->out_differs || c->status_differs ? "DIFFER between allocators (see stderr)"
                                                : "the same under every allocator");
}

static void json_series(cli_json_t *j, const char *key, const cli_series_t *s)
{
    cli_json_key(j, key);
    cli_json_begin_object(j);
    cli_json_kv_double(j, "median", s->median);
    cli_json_kv_double(j, "min", s->min);
    cli_json_kv_double(j, "max", s->max);
    cli_json_end_object(j);
}

static void json_runs(cli_json_t *j, const cli_cmp_t *c, const cli_cmp_entry_t *e)
{
    cli_json_key(j, "runs");
    cli_json_begin_array(j);
    for (size_t i = 0; i < e->nrun; i++) {
        const cli_measure_t *m = &e->runs[i];
        cli_json_begin_object(j);
        cli_json_kv_bool(j, "warmup", i < c->nwarm);
        cli_json_kv_double(j, "wall_s", m->wall_s);
        cli_json_kv_double(j, "user_s", m->user_s);
        cli_json_kv_double(j, "sys_s", m->sys_s);
        cli_json_kv_int(j, "peak_rss_kib", m->maxrss_kib);
        cli_json_kv_int(j, "exit_status", m->status);
        cli_json_end_object(j);
    }
    cli_json_end_array(j);
}

static void json_entry(cli_json_t *j, const cli_cmp_t *c, const cli_cmp_entry_t *e)
{
    const cli_cmp_entry_t *b = &c->e[c->base];
    char hash[24];
    snprintf(hash, sizeof hash, "%016" PRIx64, e->runs[0].out_hash);
    cli_json_begin_object(j);
    cli_json_kv_string(j, "name", e->alloc.name);
    cli_json_kv_string(j, "library", e->alloc.path[0] ? e->alloc.path : NULL);
    json_series(j, "wall_s", &e->wall);
    json_series(j, "user_s", &e->user);
    json_series(j, "sys_s", &e->sys);
    json_series(j, "peak_rss_kib", &e->rss);
    cli_json_kv_double(j, "wall_ratio", cli_cmp_ratio(e->wall.median, b->wall.median));
    cli_json_kv_double(j, "rss_ratio", cli_cmp_ratio(e->rss.median, b->rss.median));
    cli_json_kv_int(j, "exit_status", e->runs[0].status);
    cli_json_kv_uint(j, "stdout_bytes", e->runs[0].out_bytes);
    cli_json_kv_string(j, "stdout_fnv1a64", hash);
    cli_json_kv_bool(j, "stable_stdout", e->stable_out);
    cli_json_kv_bool(j, "stable_exit_status", e->stable_status);
    json_runs(j, c, e);
    cli_json_end_object(j);
}

void cli_cmp_print_json(const cli_cmp_t *c, FILE *out)
{
    cli_json_t j;
    cli_json_init(&j, out);
    cli_json_begin_object(&j);
    cli_json_key(&j, "command");
    cli_json_begin_array(&j);
    for (char **a = c->cmd; *a; a++)
        cli_json_string(&j, *a);
    cli_json_end_array(&j);
    cli_json_kv_uint(&j, "timed_runs", c->ntimed);
    cli_json_kv_uint(&j, "warmup_runs", c->nwarm);
    cli_json_kv_string(&j, "baseline", base_name(c));
    cli_json_kv_bool(&j, "stdout_differs", c->out_differs);
    cli_json_kv_bool(&j, "exit_status_differs", c->status_differs);
    cli_json_key(&j, "not_found");
    cli_json_begin_array(&j);
    for (size_t i = 0; i < c->nmissing; i++)
        cli_json_string(&j, c->missing[i]);
    cli_json_end_array(&j);
    cli_json_key(&j, "allocators");
    cli_json_begin_array(&j);
    for (size_t i = 0; i < c->n; i++)
        json_entry(&j, c, &c->e[i]);
    cli_json_end_array(&j);
    cli_json_end_object(&j);
}

/* A CSV field, quoted when it holds a separator, quote or line break. */
static void csv_field(const char *s, FILE *out)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

void cli_cmp_print_csv(const cli_cmp_t *c, FILE *out)
{
    fputs("allocator,library,timed_runs,wall_median_s,wall_min_s,wall_max_s,user_median_s,"
          "user_min_s,user_max_s,sys_median_s,sys_min_s,sys_max_s,rss_median_kib,rss_min_kib,"
          "rss_max_kib,wall_ratio,rss_ratio,baseline,exit_status,stdout_bytes,stdout_fnv1a64\n",
          out);
    const cli_cmp_entry_t *b = &c->e[c->base];
    for (size_t i = 0; i < c->n; i++) {
        const cli_cmp_entry_t *e = &c->e[i];
        csv_field(e->alloc.name, out);
        fputc(',', out);
        csv_field(e->alloc.path, out);
        fprintf(out, ",%zu,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.0f,%.0f,%.0f,%.4f,%.4f,",
                c->ntimed, e->wall.median, e->wall.min, e->wall.max, e->user.median, e->user.min,
                e->user.max, e->sys.median, e->sys.min, e->sys.max, e->rss.median, e->rss.min,
                e->rss.max, cli_cmp_ratio(e->wall.median, b->wall.median),
                cli_cmp_ratio(e->rss.median, b->rss.median));
        csv_field(base_name(c), out);
        fprintf(out, ",%d,%" PRIu64 ",%016" PRIx64 "\n", e->runs[0].status, e->runs[0].out_bytes,
                e->runs[0].out_hash);
    }
}

void cli_cmp_print_differences(const cli_cmp_t *c, FILE *err)
{
    if (!c->out_differs && !c->status_differs)
        return;
    fprintf(err,
            "\nstrata: *** %s DIFFER%s BETWEEN ALLOCATORS ***\n"
            "strata: the same command behaved differently depending on the allocator:\n"
            "strata: a bug in the program (e.g. reading freed or uninitialised memory)\n"
            "strata: or in an allocator. First run of each:\n",
            c->out_differs && c->status_differs ? "STDOUT AND EXIT STATUS"
            : c->out_differs                    ? "STDOUT"
                                                : "EXIT STATUS",
            c->out_differs && c->status_differs ? "" : "S");
    for (size_t i = 0; i < c->n; i++) {
        const cli_cmp_entry_t *e = &c->e[i];
        const cli_measure_t *m = &e->runs[0];
        fprintf(err, "strata:   %-10s exit %3d  stdout %8" PRIu64 " bytes  fnv1a64 %016" PRIx64,
                e->alloc.name, m->status, m->out_bytes, m->out_hash);
        for (size_t r = 1; !e->stable_status && r < e->nrun; r++)
            if (e->runs[r].status != m->status) {
                fprintf(err, "  (run %zu of %zu exited %d)", r + 1, e->nrun, e->runs[r].status);
                break;
            }
        fputc('\n', err);
    }
}
