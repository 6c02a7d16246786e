/*
 * cli_plot.c — `strata compare --plot`: a chart of median wall time and
 * median peak RSS per allocator, with min-max error bars, drawn by gnuplot
 * (a script in a temporary file, run as a child whose stderr is kept for
 * the error message). PNG (pngcairo when this gnuplot has it, else png)
 * or SVG, chosen by the file's extension.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_compare.h"

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
        return -ENOENT;
    }
    return 0;
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
            "set xrange [-0.6:%.1f]\nset key off\n",
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

/* Runs gnuplot on script; its stderr's first line goes to why on failure. */
static int plot_run(const char *script, char *why, size_t whylen)
{
    int p[2];
    if (pipe(p))
        return -errno;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 2);
        execlp("gnuplot", "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char err[1024];
    size_t len = 0;
    ssize_t n;
    while (pid > 0 && len < sizeof err - 1 && (n = read(p[0], err + len, sizeof err - 1 - len)) > 0)
        len += (size_t)n;
    err[len] = '\0';
    close(p[0]);
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0)
        return -errno;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    while (len && err[len - 1] == '\n') /* the last line says what was wrong */
        err[--len] = '\0';
    char *line = strrchr(err, '\n') ? strrchr(err, '\n') + 1 : err;
    snprintf(why, whylen, "gnuplot failed: %s", line);
    return -EIO;
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
