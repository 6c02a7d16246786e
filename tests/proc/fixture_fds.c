/*
 * fixture_fds.c — a process holding one descriptor of each kind `strata
 * fds` decodes, with known properties, for the descriptor tests: a file at
 * a known offset, a deleted file, a pipe whose write end is held by a child
 * process, a Unix socketpair, a named Unix listener with a connection, a
 * TCP listener and a connected pair, a bound UDP socket and a connected
 * one, an epoll set with known masks and data (one target stale: added
 * under a dup'ed number that was then closed, one whose number now names
 * another eventfd), an eventfd (semaphore), a
 * timerfd, a signalfd, an inotify watch, a sealed memfd, a pidfd, a FIFO,
 * a directory, a device and a mapped file with no descriptor.
 *
 * It prints "key=value" lines (descriptor numbers and what the test should
 * find), then "ready", then blocks reading stdin; at EOF it exits, and so
 * does its child. argv[1]: a scratch directory it may write in.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef F_ADD_SEALS
#define F_ADD_SEALS   1033
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW   0x0004
#endif

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static int check(int fd, const char *what)
{
    if (fd < 0)
        die(what);
    return fd;
}

static void say_fd(const char *key, int fd)
{
    printf("%s=%d\n", key, fd);
}

static void files(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/fixture-file", dir);
    int f = check(open(path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0644), "open file");
    char buf[4096];
    memset(buf, 'x', sizeof buf);
    if (write(f, buf, sizeof buf) != (ssize_t)sizeof buf || lseek(f, 1234, SEEK_SET) != 1234)
        die("file");
    say_fd("file", f);
    printf("file_path=%s\n", path);
    snprintf(path, sizeof path, "%s/fixture-deleted", dir);
    int d = check(open(path, O_RDONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), "open deleted");
    unlink(path);
    say_fd("deleted", d);
    printf("deleted_path=%s\n", path);
    snprintf(path, sizeof path, "%s/fixture-fifo", dir);
    unlink(path);
    if (mkfifo(path, 0600))
        die("mkfifo");
    int fr = check(open(path, O_RDONLY | O_NONBLOCK), "fifo r");
    int fw = check(open(path, O_WRONLY | O_NONBLOCK), "fifo w");
    say_fd("fifo_r", fr);
    say_fd("fifo_w", fw);
    printf("fifo_path=%s\n", path);
    say_fd("dir", check(open(dir, O_RDONLY | O_DIRECTORY), "open dir"));
    say_fd("device", check(open("/dev/null", O_WRONLY), "open /dev/null"));
    /* a mapped file without a descriptor */
    snprintf(path, sizeof path, "%s/fixture-mapped", dir);
    int m = check(open(path, O_RDWR | O_CREAT | O_TRUNC, 0644), "mapped");
    if (ftruncate(m, 3 * 4096) || mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, m, 0) == MAP_FAILED)
        die("mmap");
    close(m);
    printf("mapped_path=%s\n", path);
}

/* A pipe whose write end lives in a child (which exits when we do). */
static int pipe_with_child(int stdin_fd)
{
    int p[2];
    if (pipe(p))
        die("pipe");
    pid_t child = fork();
    if (child < 0)
        die("fork");
    if (child == 0) {
        close(p[0]);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1); /* the test reads our stdout to its end: do not hold it */
        close(null);
        char c;
        while (read(stdin_fd, &c, 1) > 0) /* until the parent's stdin closes */
            ;
        _exit(0);
    }
    close(p[1]);
    say_fd("pipe_r", p[0]);
    printf("child=%d\n", (int)child);
    printf("child_pipe_w=%d\n", p[1]);
    int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
    if (pidfd >= 0)
        say_fd("pidfd", pidfd);
    return p[0];
}

static uint16_t port_of(int s)
{
    struct sockaddr_in a;
    socklen_t l = sizeof a;
    if (getsockname(s, (struct sockaddr *)&a, &l))
        die("getsockname");
    return ntohs(a.sin_port);
}

static void inet(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int l = check(socket(AF_INET, SOCK_STREAM, 0), "tcp");
    if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 8))
        die("listen");
    a.sin_port = htons(port_of(l));
    int c = check(socket(AF_INET, SOCK_STREAM, 0), "tcp c");
    if (connect(c, (struct sockaddr *)&a, sizeof a))
        die("connect");
    int s = check(accept(l, NULL, NULL), "accept");
    say_fd("tcp_listen", l);
    say_fd("tcp_client", c);
    say_fd("tcp_server", s);
    printf("tcp_port=%u\n", port_of(l));
    printf("tcp_client_port=%u\n", port_of(c));
    int u = check(socket(AF_INET, SOCK_DGRAM, 0), "udp");
    struct sockaddr_in b = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(u, (struct sockaddr *)&b, sizeof b))
        die("udp bind");
    say_fd("udp", u);
    printf("udp_port=%u\n", port_of(u));
    int uc = check(socket(AF_INET, SOCK_DGRAM, 0), "udp c");
    b.sin_port = htons(port_of(u));
    if (connect(uc, (struct sockaddr *)&b, sizeof b))
        die("udp connect");
    say_fd("udp_connected", uc);
    printf("udp_connected_port=%u\n", port_of(uc));
}

static void unix_sockets(const char *dir)
{
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp))
        die("socketpair");
    say_fd("pair_a", sp[0]);
    say_fd("pair_b", sp[1]);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s/fixture.sock", dir);
    unlink(a.sun_path);
    int l = check(socket(AF_UNIX, SOCK_SEQPACKET, 0), "unix");
    if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 4))
        die("unix listen");
    int c = check(socket(AF_UNIX, SOCK_SEQPACKET, 0), "unix c");
    if (connect(c, (struct sockaddr *)&a, sizeof a))
        die("unix connect");
    int s = check(accept(l, NULL, NULL), "unix accept");
    say_fd("unix_listen", l);
    say_fd("unix_client", c);
    say_fd("unix_server", s);
    printf("unix_path=%s\n", a.sun_path);
    /* an abstract-namespace datagram socket */
    struct sockaddr_un ab = {.sun_family = AF_UNIX};
    char name[64]; /* abstract names are machine-wide: made unique */
    int len = snprintf(name, sizeof name, "strata-fixture-%d", (int)getpid());
    memcpy(ab.sun_path + 1, name, (size_t)len);
    int d = check(socket(AF_UNIX, SOCK_DGRAM, 0), "abstract");
    if (bind(d, (struct sockaddr *)&ab,
             (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)len)))
        die("abstract bind");
    say_fd("unix_abstract", d);
    printf("unix_abstract_name=@%s\n", name);
}

static void anon(const char *dir, int pipe_r)
{
    int ev = check(eventfd(7, EFD_SEMAPHORE | EFD_NONBLOCK), "eventfd");
    say_fd("eventfd", ev);
    int t = check(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC), "timerfd");
    struct itimerspec its = {.it_interval = {2, 500000000}, .it_value = {1000, 0}};
    if (timerfd_settime(t, 0, &its, NULL))
        die("timerfd_settime");
    say_fd("timerfd", t);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    say_fd("signalfd", check(signalfd(-1, &set, 0), "signalfd"));
    int in = check(inotify_init1(IN_NONBLOCK), "inotify");
    if (inotify_add_watch(in, dir, IN_CREATE | IN_DELETE) < 0)
        die("inotify_add_watch");
    say_fd("inotify", in);
    int m = check(memfd_create("strata-fixture", MFD_ALLOW_SEALING), "memfd");
    if (ftruncate(m, 8192) || fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
        die("memfd seals");
    say_fd("memfd", m);
    int ep = check(epoll_create1(EPOLL_CLOEXEC), "epoll");
    struct epoll_event e1 = {.events = EPOLLIN | EPOLLET, .data.u64 = 0x1111};
    struct epoll_event e2 = {.events = EPOLLOUT | EPOLLONESHOT, .data.u64 = 0x2222};
    struct epoll_event e3 = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = 0x3333};
    int dup_ev = check(dup(ev), "dup");
    if (epoll_ctl(ep, EPOLL_CTL_ADD, pipe_r, &e1) || epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e2) ||
        epoll_ctl(ep, EPOLL_CTL_ADD, dup_ev, &e3))
        die("epoll_ctl");
    close(dup_ev); /* still registered: the eventfd file lives on through ev */
    /* a second stale one whose number now names another eventfd: same
     * (shared anonymous) inode, another file */
    struct epoll_event e4 = {.events = EPOLLPRI, .data.u64 = 0x4444};
    int dup2_ev = check(fcntl(ev, F_DUPFD, 100), "dup");
    if (epoll_ctl(ep, EPOLL_CTL_ADD, dup2_ev, &e4))
        die("epoll_ctl");
    close(dup2_ev);
    int other = check(eventfd(0, 0), "eventfd 2");
    if (dup2(other, dup2_ev) != dup2_ev)
        die("dup2");
    close(other);
    say_fd("epoll", ep);
    say_fd("epoll_stale", dup_ev);
    say_fd("epoll_reused", dup2_ev);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    int stdin_copy = check(dup(0), "dup stdin");
    files(dir);
    int pipe_r = pipe_with_child(stdin_copy);
    close(stdin_copy);
    unix_sockets(dir);
    inet();
    anon(dir, pipe_r);
    printf("ready\n");
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}
