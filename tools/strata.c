/*
 * strata.c — entry point of the `strata` command-line tool: picks the
 * command and hands it the rest of argv.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "strata.h"

struct command {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
};

static const struct command commands[] = {
    {"size", cmd_size, "text/data/bss sizes of ELF files, like binutils size"},
    {"elf", cmd_elf, "header, segments and sections of an ELF file"},
    {"layout", cmd_layout, "where every byte of a process (or a file once loaded) lives"},
    {"fds", cmd_fds, "every open file descriptor of processes, decoded (like lsof/lsfd)"},
    {"run", cmd_run, "run a command under an allocator (strata by default)"},
    {"compare", cmd_compare, "run a command under several allocators and compare"},
    {"cow", cmd_cow, "copy-on-write buffer demo and kernel support probe"},
};

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("strata: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void usage(FILE *to)
{
    fprintf(to, "usage: strata COMMAND [OPTIONS] [ARGS...]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(to, "  %-8s %s%s\n", commands[i].name, commands[i].summary,
                commands[i].fn ? "" : " (not built)");
    fprintf(to, "\n`strata COMMAND --help` describes a command.\n"
                "exit status: 0 ok, 1 some input failed, 2 usage error,\n"
                "3 unsupported by this kernel/machine, 127 command not found;\n"
                "`strata run` exits with the status of the command it ran.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return STRATA_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return STRATA_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("strata %s\n", strata_version());
        return STRATA_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name))
            continue;
        if (!commands[i].fn) {
            cli_error("%s: this command is not built into this binary", argv[1]);
            return STRATA_EXIT_UNSUPPORTED;
        }
        return commands[i].fn(argc - 1, argv + 1);
    }
    cli_error("unknown command '%s' (try strata --help)", argv[1]);
    return STRATA_EXIT_USAGE;
}
