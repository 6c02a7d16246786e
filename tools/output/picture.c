/*
 * output/picture.c — `--svg FILE` and `--png FILE` of `strata layout` and
 * `strata elf`: the SVG written by layout_svg.c to FILE ("-": stdout), the
 * PNG rendered from it by rsvg-convert (librsvg), which must be on PATH.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "output/layout.h"
#include "run/run.h"

int cli_picture_check(const char *png, char *why, size_t whylen)
{
    char path[PATH_MAX];
    if (png && cli_which("rsvg-convert", path, sizeof path)) {
        snprintf(why, whylen,
                 "--png needs rsvg-convert, which is not on PATH (Debian: apt-get install "
                 "librsvg2-bin); --svg FILE writes the picture without it");
        return -ENOPKG;
    }
    return 0;
}

static int write_svg(const char *file, const cli_picture_t *pic, char *why, size_t whylen)
{
    bool out = !strcmp(file, "-");
    FILE *f = out ? stdout : fopen(file, "w");
    if (!f) {
        int err = -errno;
        snprintf(why, whylen, "cannot write %s: %s", file, strerror(errno));
        return err;
    }
    int rc = cli_layout_svg(f, pic->lay, pic->elf, pic->object, pic->bias, pic->what);
    if (out ? fflush(f) : fclose(f))
        rc = -1;
    if (rc)
        snprintf(why, whylen, "cannot write %s: %s", file, strerror(errno ? errno : ENOMEM));
    return rc ? -EIO : 0;
}

int cli_picture_write(const cli_picture_t *pic, const char *svg, const char *png, char *why,
                      size_t whylen)
{
    char tmp[PATH_MAX] = "";
    if (png && !svg) { /* the SVG only as rsvg-convert's input */
        const char *dir = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/strata-layout-XXXXXX.svg", dir && *dir ? dir : "/tmp");
        int fd = mkstemps(tmp, 4);
        if (fd < 0) {
            snprintf(why, whylen, "cannot create a temporary SVG: %s", strerror(errno));
            return -errno;
        }
        close(fd);
        svg = tmp;
    }
    int rc = svg ? write_svg(svg, pic, why, whylen) : 0;
    if (!rc && png) {
        if (!strcmp(svg, "-")) {
            snprintf(why, whylen, "--png cannot render an SVG written to stdout");
            rc = -EINVAL;
        } else {
            char *argv[] = {"rsvg-convert", "-f", "png", "-o", (char *)png, (char *)svg, NULL};
            rc = cli_run_tool("rsvg-convert", argv, why, whylen);
        }
    }
    if (tmp[0])
        unlink(tmp);
    return rc;
}

/* The executable's sections come from its ELF file (through /proc/PID/exe
 * when its path no longer opens: deleted, or another mount namespace). */
int cli_picture_draw(const strata_layout_t *lay, const char *arg, const char *svg, const char *png,
                     const char *cmd)
{
    const strata_layout_info_t *in = strata_layout_info(lay);
    strata_elf_t *elf = NULL;
    char exe[64], why[512], what[4200];
    snprintf(exe, sizeof exe, "/proc/%d/exe", (int)in->pid);
    if (in->exe[0] && strata_elf_open(in->exe, &elf, NULL) && in->pid &&
        strata_elf_open(exe, &elf, NULL))
        elf = NULL;
    snprintf(what, sizeof what, in->pid ? "%s" : "%s, as loaded (load bias 0)",
             in->pid ? in->exe : arg);
    cli_picture_t pic = {lay, elf, in->exe, in->exe_bias, what};
    int rc = cli_picture_write(&pic, svg, png, why, sizeof why);
    if (rc)
        cli_error("%s: %s", cmd, why);
    strata_elf_close(elf);
    return rc ? STRATA_EXIT_FAIL : STRATA_EXIT_OK;
}

int cli_picture_of(const char *arg, int (*open)(const char *, strata_layout_t **, strata_err_t *),
                   const char *svg, const char *png, const char *cmd)
{
    strata_layout_t *lay;
    strata_err_t err = {0};
    char why[512];
    if (cli_picture_check(png, why, sizeof why)) {
        cli_error("%s: %s", cmd, why);
        return STRATA_EXIT_UNSUPPORTED;
    }
    int rc = open(arg, &lay, &err);
    if (rc) {
        cli_error("%s: %s", arg, err.msg[0] ? err.msg : strerror(-rc));
        return STRATA_EXIT_FAIL;
    }
    rc = cli_picture_draw(lay, arg, svg, png, cmd);
    strata_layout_close(lay);
    return rc;
}
