/*
 * commands/fds.c — `strata fds [--json] [--no-peers] [--no-maps] PID|self...`
 * and `strata fds --all`: every open descriptor of processes, decoded
 * (libstrata's strata_fds_*), with the files they hold mapped.
 *
 * Like layout, it keeps going over all PIDs and exits 1 if any of them
 * failed (no such process, exited while being read, zombie, no
 * permission). --all never fails for a process: the unreadable and the
 * exited are skipped and counted on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output/fds.h"

static void usage(FILE *to)
{
    fprintf(to, "usage: strata fds [--json] [--no-peers] [--no-maps] PID|self...\n"
                "       strata fds --all [--json] [--no-peers] [--no-maps]\n"
                "\n"
                "Every open file descriptor of the processes, decoded: files (path, device,\n"
                "inode, size, offset, \" (deleted)\"), pipes and FIFOs with every other\n"
                "process and descriptor holding them, sockets (family, protocol, state,\n"
                "addresses, the Unix peer), epoll sets with their targets (stale ones\n"
                "marked), eventfd, timerfd, signalfd, inotify, memfd (seals), pidfd and\n"
                "other anonymous inodes; then the files mapped into memory (FD \"mem\",\n"
                "the executable \"txt\"), which hold a file open without a descriptor.\n"
                "\n"
                "  --all       every process this user may read (skipped ones are counted)\n"
                "  --json      one array of objects, one per descriptor or mapped file\n"
                "  --no-peers  do not look for the other ends of pipes and Unix sockets\n"
                "              (that reads every process's descriptor links)\n"
                "  --no-maps   do not list mapped files\n"
                "  --help      this text\n"
                "\n"
                "Reading another user's process needs ptrace access (same user, or\n"
                "CAP_SYS_PTRACE); peers in processes this user may not read are not found.\n"
                "Exit status: 0 ok, 1 some PID failed (no such process, exited while being\n"
                "read, zombie, permission denied), 2 usage.\n");
}

struct fds_opts {
    bool json, all, maps;
    unsigned flags;
};

static int parse_pid(const char *arg, pid_t *pid)
{
    if (!strcmp(arg, "self")) {
        *pid = 0;
        return 0;
    }
    char *end;
    long v = strtol(arg, &end, 10);
    if (!*arg || *end || v <= 0 || v > 0x3fffffff)
        return -1;
    *pid = (pid_t)v;
    return 0;
}

static void show(const struct fds_opts *o, const strata_fds_t *set, cli_json_t *j, bool first)
{
    if (o->json)
        cli_fds_print_json(j, set, o->maps);
    else
        cli_fds_print_text(stdout, set, o->maps, first);
}

static int one(const struct fds_opts *o, const char *arg, cli_json_t *j, bool *first)
{
    pid_t pid;
    if (parse_pid(arg, &pid)) {
        cli_error("fds: '%s' is not a process id (digits, or self)", arg);
        return STRATA_EXIT_USAGE;
    }
    strata_fds_t *set;
    strata_err_t err = {0};
    int rc = strata_fds_pid(pid, o->flags, &set, &err);
    if (rc) {
        cli_error("%s: %s", arg, err.msg[0] ? err.msg : strerror(-rc));
        return STRATA_EXIT_FAIL;
    }
    show(o, set, j, *first);
    *first = false;
    strata_fds_close(set);
    return STRATA_EXIT_OK;
}

static int all(const struct fds_opts *o, cli_json_t *j)
{
    strata_fds_t *set;
    strata_err_t err = {0};
    int rc = strata_fds_all(o->flags, &set, &err);
    if (rc) {
        cli_error("fds --all: %s", err.msg[0] ? err.msg : strerror(-rc));
        return STRATA_EXIT_FAIL;
    }
    show(o, set, j, true);
    const strata_fds_info_t *in = strata_fds_info(set);
    if (in->unreadable || in->exited)
        cli_error("fds: %zu processes read; skipped %zu that may not be read (need ptrace "
                  "access) and %zu that exited while being read",
                  in->processes, in->unreadable, in->exited);
    strata_fds_close(set);
    return STRATA_EXIT_OK;
}

int cmd_fds(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},     {"all", no_argument, NULL, 'a'},
        {"no-peers", no_argument, NULL, 'P'}, {"no-maps", no_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},     {NULL, 0, NULL, 0},
    };
    struct fds_opts o = {.maps = true};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'j')
            o.json = true;
        else if (c == 'a')
            o.all = true;
        else if (c == 'P')
            o.flags |= STRATA_FDS_NO_PEERS;
        else if (c == 'M')
            o.maps = false, o.flags |= STRATA_FDS_NO_MAPPINGS;
        else if (c == 'h')
            return usage(stdout), STRATA_EXIT_OK;
        else
            return usage(stderr), STRATA_EXIT_USAGE;
    }
    if (o.all == (optind < argc)) {
        cli_error(o.all ? "fds: --all takes no PID" : "fds: no PID given (or --all)");
        usage(stderr);
        return STRATA_EXIT_USAGE;
    }
    cli_json_t j;
    cli_json_init(&j, stdout);
    if (o.json)
        cli_json_begin_array(&j);
    int status = STRATA_EXIT_OK;
    bool first = true;
    if (o.all)
        status = all(&o, &j);
    for (int i = optind; i < argc; i++) {
        fflush(stdout);
        int rc = one(&o, argv[i], &j, &first);
        if (rc > status)
            status = rc;
    }
    if (o.json)
        cli_json_end_array(&j);
    return status;
}
