/*
 * output/plot.c — `strata compare --plot`: a chart of median wall time and
 * median peak RSS per allocator, with min-max error bars, drawn by gnuplot
 * (a script in a temporary file, run by run/tool.c, which keeps its stderr
 * for the error message). PNG (pngcairo when this gnuplot has it, else png)
 * or SVG, chosen by the file's extension.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "run/compare.h"

/* 'p' for .png, 's' for .svg, 0 otherwise. */
static char plot_kind(const char *file)
{
    const char *dot = strrchr(file, '.');
    if (dot && !strcasecmp(dot, ".png"))
        return 'p';
    if (dot && !strcasecmp(dot, ".svg"))
        return 's';
    return 0;
}

/* Whether file can be written, checked before a long comparison rather
 * than after it: the directory must accept a new file, or the file exist
 * and be writable. */
static int plot_writable(const char *file, char *why, size_t whylen)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", file);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir] = '\0'; /* "/x.png" -> "/" */
    int ok =
        access(file, W_OK) == 0 || (errno == ENOENT && access(slash ? dir : ".", W_OK | X_OK) == 0);
    if (ok)
        return 0;
    int err = -errno;
    snprintf(why, whylen, "cannot write the chart there: %s", strerror(errno));
    return err;
}

int cli_plot_check(const char *file, char *why, size_t whylen)
{
    char path[PATH_MAX];
    if (!plot_kind(file)) {
        snprintf(why, whylen, "--plot needs a file name ending in .png or .svg");
        return -EINVAL;
    }
    if (cli_which("gnuplot", path, sizeof path)) {
        snprintf(why, whylen,
                 "--plot needs gnuplot, which is not on PATH "
                 "(Debian: apt-get install gnuplot-nox)");
        return -ENOPKG;
    }
    return plot_writable(file, why, whylen);
}

/* s as a gnuplot single-quoted string (where only ' needs doubling). */
static void plot_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++)
        fputs(*s == '\'' ? "''" : (char[]){*s, 0}, f);
    fputc('\'', f);
}

static void plot_data(FILE *f, const cli_cmp_t *c)
{
    fputs("$data << EOD\n", f);
    for (size_t i = 0; i < c->n; i++) {
        const cli_cmp_entry_t *e = &c->e[i];
        fputc('"', f);
        for (const char *p = e->alloc.name; *p; p++)
            fputc(*p == '"' ? '\'' : *p, f);
        fprintf(f, "\" %.6f %.6f %.6f %.3f %.3f %.3f\n", e->wall.median, e->wall.min, e->wall.max,
                e->rss.median / 1024, e->rss.min / 1024, e->rss.max / 1024);
    }
    fputs("EOD\n", f);
}

static void plot_panel(FILE *f, const char *title, int col, const char *fmt, const char *color)
{
    fprintf(f, "set title '%s'\nset yrange [0:*]\n", title);
    fprintf(f,
            "plot $data using 0:%d:xtic(1) with boxes fs solid 0.7 lc rgb '%s' notitle, \\\n"
            "  '' using 0:%d:%d:%d with yerrorbars lc rgb 'black' pt 0 lw 1.5 notitle, \\\n"
            "  '' using 0:%d:(sprintf('%s', $%d)) with labels offset 0,0.8 notitle\n",
            col, color, col, col + 1, col + 2, col + 2, fmt, col);
}

static void plot_script(FILE *f, const cli_cmp_t *c, const char *file)
{
    if (plot_kind(file) == 'p')
        fputs("if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
              "  set terminal pngcairo size 1100,480 noenhanced font 'sans,10'\n"
              "} else {\n  set terminal png size 1100,480 noenhanced\n}\n",
              f);
    else
        fputs("set terminal svg size 1100,480 dynamic noenhanced font 'sans,10'\n", f);
    fputs("set output ", f);
    plot_quote(f, file);
    fputc('\n', f);
    plot_data(f, c);
    fprintf(f,
            "set style fill solid 0.7 border -1\nset boxwidth 0.6\nset grid ytics\n"
            "set xrange [-0.6:%.1f]\nset key off\n"
            "set offsets 0, 0, graph 0.1, 0\n", /* room above the tallest bar's label */
            (double)c->n - 0.4);
    fputs("set multiplot layout 1,2 title ", f);
    char title[1024];
    int n = snprintf(title, sizeof title, "strata compare:");
    for (char **a = c->cmd; *a && n > 0 && (size_t)n < sizeof title; a++)
        n += snprintf(title + n, sizeof title - (size_t)n, " %s", *a);
    size_t len = strlen(title);
    snprintf(title + len, sizeof title - len, "  (median of %zu runs; bars: min-max)", c->ntimed);
    plot_quote(f, title);
    fputc('\n', f);
    plot_panel(f, "wall time (s)", 2, "%.3g", "#4477aa");
    plot_panel(f, "peak RSS (MiB)", 5, "%.1f", "#cc6677");
    fputs("unset multiplot\nset output\n", f);
}

/* Runs gnuplot on script; the last line of its stderr goes to why on
 * failure (gnuplot names the script line there). */
static int plot_run(const char *script, char *why, size_t whylen)
{
    char *argv[] = {"gnuplot", (char *)script, NULL};
    return cli_run_tool("gnuplot", argv, why, whylen);
}

int cli_plot_write(const cli_cmp_t *c, const char *file, char *why, size_t whylen)
{
    const char *tmpdir = getenv("TMPDIR");
    char script[PATH_MAX];
    snprintf(script, sizeof script, "%s/strata-plot-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(script);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(why, whylen, "cannot write the gnuplot script: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -errno;
    }
    plot_script(f, c, file);
    int err = fclose(f) ? -errno : 0;
    if (!err)
        err = plot_run(script, why, whylen);
    else
        snprintf(why, whylen, "cannot write the gnuplot script: %s", strerror(-err));
    unlink(script);
    return err;
}
