/*
 * test_cli.h — how Check suites run the strata CLI: `$STRATA_CLI args` (the
 * path ctest passes in), stdout and stderr captured together.
 */
#ifndef STRATA_TEST_CLI_H
#define STRATA_TEST_CLI_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

/* Runs `$STRATA_CLI args` in dir (NULL: the current directory), with up to
 * cap-1 bytes of its stdout+stderr in out; returns its exit status, or
 * 128 + the signal that killed it. */
static inline int test_run_cli_in(const char *dir, const char *args, char *out, size_t cap)
{
    const char *cli = getenv("STRATA_CLI");
    ck_assert_ptr_nonnull(cli);
    char cmd[4096];
    if (dir)
        snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s 2>&1", dir, cli, args);
    else
        snprintf(cmd, sizeof cmd, "%s %s 2>&1", cli, args);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#endif
