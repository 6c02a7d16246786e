/*
 * commands/run.c — `strata run [--alloc NAME|PATH] [--stats] -- CMD [ARGS...]`:
 * replaces itself with CMD, an allocator preloaded, so that the exit status
 * (and signals, and the terminal) are the command's own.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "run/run.h"

static void run_usage(FILE *to)
{
    fputs("usage: strata run [--alloc NAME|PATH] [--stats] -- CMD [ARGS...]\n"
          "\n"
          "Runs CMD with an allocator preloaded (LD_PRELOAD, put before any\n"
          "LD_PRELOAD already set) and exits with CMD's status.\n"
          "\n"
          "  -a, --alloc NAME|PATH  strata (default), glibc (nothing preloaded),\n"
          "                         jemalloc, mimalloc, tcmalloc, or a shared library\n"
          "  -s, --stats            STRATA_STATS=1: libstrata-malloc prints its\n"
          "                         statistics on stderr when CMD exits\n"
          "  -h, --help             this text\n"
          "\n"
          "libstrata-malloc.so is looked for in $STRATA_MALLOC_LIB, then next to\n"
          "this strata binary (BIN/../, BIN/../lib/" CLI_MULTIARCH "/, BIN/../lib64/,\n"
          "BIN/../lib/), then in the ld.so cache. Other allocators come from the\n"
          "ld.so cache and the standard library directories.\n"
          "\n"
          "exit status: CMD's; 127 CMD not found, 126 CMD not executable,\n"
          "2 usage error or unknown allocator, 1 allocator not found.\n",
          to);
}

static int run_exec(cli_alloc_t *alloc, bool stats, char **cmd)
{
    char path[PATH_MAX];
    int err = cli_which(cmd[0], path, sizeof path);
    if (err) {
        cli_error("%s: %s", cmd[0], err == -ENOENT ? "command not found" : strerror(-err));
        return cli_which_exit_status(err);
    }
    char **env = cli_env_build(alloc->path[0] ? alloc->path : NULL, stats);
    if (!env) {
        cli_error("out of memory");
        return STRATA_EXIT_FAIL;
    }
    fflush(NULL);
    execve(path, cmd, env);
    err = -errno;
    cli_env_free(env);
    cli_error("%s: cannot execute: %s", cmd[0], strerror(-err));
    return cli_which_exit_status(err);
}

int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {{"alloc", required_argument, NULL, 'a'},
                                         {"stats", no_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *spec = "strata";
    bool stats = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+a:sh", opts, NULL)) != -1) {
        if (c == 'a')
            spec = optarg;
        else if (c == 's')
            stats = true;
        else if (c == 'h')
            return run_usage(stdout), STRATA_EXIT_OK;
        else
            return run_usage(stderr), STRATA_EXIT_USAGE;
    }
    if (optind >= argc) {
        cli_error("run: no command given");
        return run_usage(stderr), STRATA_EXIT_USAGE;
    }
    cli_alloc_t alloc;
    char why[512];
    int err = cli_alloc_resolve(spec, &alloc, why, sizeof why);
    if (err) {
        cli_error("allocator '%s': %s", spec, why);
        return cli_alloc_exit_status(err);
    }
    if (stats && strcmp(alloc.name, "strata"))
        cli_error("note: --stats only makes libstrata-malloc print statistics");
    return run_exec(&alloc, stats, argv + optind);
}
