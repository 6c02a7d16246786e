/*
 * many_fds.c — a process holding N descriptors of mixed kinds for the
 * descriptor benchmark: a tenth regular files (at distinct offsets), two
 * tenths pipe ends, two tenths Unix socketpair ends, a tenth eventfds, a
 * tenth epoll sets watching one pipe each, and the rest /dev/null. Prints
 * "ready", then blocks reading stdin until EOF.
 *   many_fds N [DIR]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static void need(int ok, const char *what)
{
    if (!ok) {
        perror(what);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10000;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    struct rlimit rl = {(rlim_t)n + 64, (rlim_t)n + 64};
    need(setrlimit(RLIMIT_NOFILE, &rl) == 0, "setrlimit (run as root for > 1024)");
    char path[4096];
    snprintf(path, sizeof path, "%s/strata-many-fds-%d", dir, (int)getpid());
    int file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    need(file >= 0 && ftruncate(file, 1 << 20) == 0, "file");
    unlink(path);
    int made = 0, last_pipe = -1;
    for (int i = 0; made < n - 1; i++) {
        int k = i % 10, fds[2];
        if (k == 0) {
            int f = open("/proc/self/fd/3", O_RDONLY); /* reopen: own offset */
            need(f >= 0, "reopen");
            lseek(f, (off_t)i * 17, SEEK_SET);
            made++;
        } else if (k == 1 || k == 2) {
            need(pipe(fds) == 0, "pipe");
            last_pipe = fds[0];
            made += 2;
        } else if (k == 3 || k == 4) {
            need(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0, "socketpair");
            made += 2;
        } else if (k == 5) {
            need(eventfd((unsigned)i, 0) >= 0, "eventfd");
            made++;
        } else if (k == 6 && last_pipe >= 0) {
            int ep = epoll_create1(0);
            struct epoll_event e = {.events = EPOLLIN, .data.u64 = (uint64_t)i};
            need(ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, last_pipe, &e) == 0, "epoll");
            made++;
        } else {
            need(open("/dev/null", O_RDONLY) >= 0, "/dev/null");
            made++;
        }
    }
    printf("ready\n");
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}
