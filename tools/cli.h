/*
 * cli.h — what the strata command-line tool's commands share.
 *
 * The CLI only parses options and formats; everything it shows is computed
 * by libstrata (include/strata.h). Each command lives in
 * tools/commands/NAME.c as `int cmd_NAME(int argc, char **argv)`, where
 * argv[0] is the command name (see tools/README.md for the whole folder).
 *
 * Exit codes (documented in README.md and `strata --help`):
 */
#ifndef STRATA_TOOLS_CLI_H
#define STRATA_TOOLS_CLI_H

#include <stdio.h>

enum {
    STRATA_EXIT_OK = 0,       /* everything asked for was done */
    STRATA_EXIT_FAIL = 1,     /* some input failed (bad file, no process, ...) */
    STRATA_EXIT_USAGE = 2,    /* bad options or arguments */
    STRATA_EXIT_UNSUPPORTED = 3, /* the kernel or machine lacks a feature */
    STRATA_EXIT_EXEC = 127,   /* a command to run was not found / not executable */
};

/* Commands; a command that is not built into this binary is a weak NULL. */
int cmd_size(int argc, char **argv) __attribute__((weak));
int cmd_elf(int argc, char **argv) __attribute__((weak));
int cmd_layout(int argc, char **argv) __attribute__((weak));
int cmd_fds(int argc, char **argv) __attribute__((weak));
int cmd_run(int argc, char **argv) __attribute__((weak));
int cmd_compare(int argc, char **argv) __attribute__((weak));
int cmd_cow(int argc, char **argv) __attribute__((weak));

/* "strata: " + message on stderr, printf-style. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
