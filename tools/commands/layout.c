/*
 * commands/layout.c — `strata layout PID|self|FILE... [--json] [--all]`: where
 * every byte of a process lives (or of an ELF file once loaded).
 *
 * An argument of digits only is a pid ("./123" names a file called 123),
 * "self" is this strata process, anything else is an ELF file. Like size,
 * it keeps going over all arguments and exits 1 if any of them failed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output/layout.h"

static void usage(FILE *to)
{
    fprintf(to, "usage: strata layout [--json] [--all] PID|self|FILE...\n"
                "       strata layout [--svg FILE.svg] [--png FILE.png] PID|self|FILE\n"
                "\n"
                "For a process: the classic table (text, data, bss, heap, mmap, stack:\n"
                "address range, size, RSS, growth direction, static or dynamic), then\n"
                "every mapping with its smaps figures (kB) and what it holds (object,\n"
                "PT_LOAD segment, sections, bss, heap, stacks, vdso, shm, memfd, strata's\n"
                "own regions), then the totals, equal to /proc/PID/smaps_rollup.\n"
                "For an ELF FILE: the mappings it would get when loaded (segments to\n"
                "pages, sections, bss tail, gaps, RELRO).\n"
                "\n"
                "  --json   one JSON object per argument (an array for several)\n"
                "  --all    also every smaps field and VmFlags of each mapping\n"
                "  --svg F  a picture instead: one self-contained SVG (F \"-\": stdout), every\n"
                "           mapping a band coloured by kind and shaded by its resident share,\n"
                "           big gaps collapsed, the executable's sections inside its segments\n"
                "  --png F  the same picture as PNG (rendered by rsvg-convert, librsvg2-bin)\n"
                "  --help   this text\n"
                "\n"
                "Reading another user's process needs ptrace access (same user, or\n"
                "CAP_SYS_PTRACE). Exit status: 0 ok, 1 some argument failed, 2 usage,\n"
                "3 --png without rsvg-convert.\n");
}

static bool is_pid(const char *s)
{
    if (!*s)
        return false;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return strlen(s) <= 9;
}

static int open_target(const char *arg, strata_layout_t **lay, strata_err_t *err)
{
    if (!strcmp(arg, "self"))
        return strata_layout_pid(0, lay, err);
    if (is_pid(arg) && atoi(arg) == 0) { /* 0 means "self" to the library, not here */
        snprintf(err->msg, sizeof err->msg, "no such process");
        return -ESRCH;
    }
    if (is_pid(arg))
        return strata_layout_pid((pid_t)atoi(arg), lay, err);
    return strata_layout_file(arg, lay, err);
}

static int layout_one(const char *arg, bool json, bool all, cli_json_t *j, bool first)
{
    strata_layout_t *lay;
    strata_err_t err = {0};
    int rc = open_target(arg, &lay, &err);
    if (rc) {
        const char *msg = err.msg[0] ? err.msg : strerror(-rc);
        size_t alen = strlen(arg);
        /* the library's message may already start with the file name */
        if (!strncmp(msg, arg, alen) && msg[alen] == ':')
            cli_error("%s", msg);
        else
            cli_error("%s: %s", arg, msg);
        return STRATA_EXIT_FAIL;
    }
    if (json) {
        cli_layout_print_json(j, lay);
    } else {
        if (!first)
            printf("\n");
        cli_layout_print_text(lay, all);
    }
    strata_layout_close(lay);
    return STRATA_EXIT_OK;
}

int cmd_layout(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},      {"all", no_argument, NULL, 'a'},
        {"svg", required_argument, NULL, 's'}, {"png", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
    };
    bool json = false, all = false;
    const char *svg = NULL, *png = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'j')
            json = true;
        else if (c == 'a')
            all = true;
        else if (c == 's')
            svg = optarg;
        else if (c == 'p')
            png = optarg;
        else if (c == 'h')
            return usage(stdout), STRATA_EXIT_OK;
        else
            return usage(stderr), STRATA_EXIT_USAGE;
    }
    if (optind >= argc) {
        cli_error("layout: no PID, self or FILE given");
        usage(stderr);
        return STRATA_EXIT_USAGE;
    }
    if (svg || png) {
        if (argc - optind != 1 || json || all) {
            cli_error("layout: --svg and --png draw one PID or FILE (without --json or --all)");
            return STRATA_EXIT_USAGE;
        }
        return cli_picture_of(argv[optind], open_target, svg, png, "layout");
    }
    cli_json_t j;
    cli_json_init(&j, stdout);
    bool many = argc - optind > 1;
    if (json && many)
        cli_json_begin_array(&j);
    int status = STRATA_EXIT_OK;
    for (int i = optind; i < argc; i++) {
        fflush(stdout);
        if (layout_one(argv[i], json, all, &j, i == optind) != STRATA_EXIT_OK)
            status = STRATA_EXIT_FAIL;
    }
    if (json && many)
        cli_json_end_array(&j);
    return status;
}
