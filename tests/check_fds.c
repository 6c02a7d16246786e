/*
 * check_fds.c — the descriptor reader (layout/fd_*.c) and `strata fds`:
 * the /proc text parsers on hostile input; every field of every kind of
 * descriptor of a fixture process (tests/proc/fixture_fds.c) through the
 * API; peers across processes; stale epoll targets; mapped files; the
 * errors (no such process, zombie, another user's process, processes that
 * exit while being read) with their messages and exit statuses; --all.
 *
 * Kernel-dependent checks (kcmp for a reused stale number, sock_diag for
 * Unix peers, open_by_handle_at for inotify paths, pidfd_open) are made
 * after a probe; what is left out is printed with the reason.
 */
#define _GNU_SOURCE
#include <check.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_run.h"
#include "internal.h"
#include "proc/spawn.h"
#include "strata.h"

static const char *env(const char *name)
{
    const char *v = getenv(name);
    ck_assert_msg(v != NULL, "%s is not set (run through ctest)", name);
    return v;
}

/* ---- parsers ------------------------------------------------------------ */

/* The last row a parser emitted, and how many it emitted. */
struct rows {
    struct fd_sock_row r;
    int n;
};

static int count_rows(const struct fd_sock_row *r, void *arg)
{
    struct rows *c = arg;
    c->r = *r;
    c->n++;
    return 0;
}

START_TEST(parse_links)
{
    uint64_t ino = 0;
    const char *anon;
    ck_assert_uint_eq(fd_parse_link("pipe:[12345]", S_IFIFO, &ino, &anon), STRATA_FD_PIPE);
    ck_assert_uint_eq(ino, 12345);
    ck_assert_uint_eq(fd_parse_link("socket:[7]", S_IFSOCK, &ino, &anon), STRATA_FD_SOCKET);
    ck_assert_uint_eq(fd_parse_link("anon_inode:[eventpoll]", 0, &ino, &anon), STRATA_FD_EPOLL);
    ck_assert_uint_eq(fd_parse_link("anon_inode:inotify", 0, &ino, &anon), STRATA_FD_INOTIFY);
    ck_assert_uint_eq(fd_parse_link("anon_inode:[io_uring]", 0, &ino, &anon), STRATA_FD_IO_URING);
    ck_assert_uint_eq(fd_parse_link("anon_inode:[something]", 0, &ino, &anon), STRATA_FD_ANON);
    ck_assert_str_eq(anon, "[something]");
    ck_assert_uint_eq(fd_parse_link("/memfd:x (deleted)", S_IFREG, &ino, &anon), STRATA_FD_MEMFD);
    ck_assert_uint_eq(fd_parse_link("/etc/passwd", S_IFREG, &ino, &anon), STRATA_FD_FILE);
    ck_assert_uint_eq(fd_parse_link("/dev/null", S_IFCHR, &ino, &anon), STRATA_FD_DEVICE);
    ck_assert_uint_eq(fd_parse_link("/tmp", S_IFDIR, &ino, &anon), STRATA_FD_DIR);
    /* garbled: not a pipe */
    ck_assert_uint_ne(fd_parse_link("pipe:[12a]", 0, &ino, &anon), STRATA_FD_PIPE);
    ck_assert_uint_ne(fd_parse_link("pipe:[99999999999999999999999]", 0, &ino, &anon),
                      STRATA_FD_PIPE);
    ck_assert_uint_ne(fd_parse_link("pipe:[", 0, &ino, &anon), STRATA_FD_PIPE);
}
END_TEST

/* Runs the fdinfo parser over text as the reader does (a copy with room);
 * info lines point into the copy, freed by done(). */
static char *parse_fdinfo(const char *text, strata_fd_t *fd, struct fd_fdinfo *fi)
{
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    memcpy(copy, text, len + 1);
    memset(fi, 0, sizeof *fi);
    ck_assert_int_eq(fd_parse_fdinfo(copy, len, fd, fi), 0);
    return copy;
}

static void done(struct fd_fdinfo *fi, char *copy)
{
    fd_fdinfo_free(fi);
    free(copy);
}

START_TEST(parse_fdinfo_kinds)
{
    strata_fd_t fd = {.type = STRATA_FD_EPOLL};
    struct fd_fdinfo fi;
    char *c;
    c = parse_fdinfo(
        "pos:\t0\nflags:\t02000002\nmnt_id:\t17\nino:\t1038\n"
        "tfd:        3 events: 80000019 data:                3  pos:0 ino:39303 sdev:f\n"
        "tfd: garbage\n"
        "tfd:        5 events:       1 data: ffffffffffffffff  pos:0 ino:2a sdev:fe00001\n",
        &fd, &fi);
    ck_assert_uint_eq(fd.flags, 02000002);
    ck_assert_int_eq(fd.mnt_id, 17);
    ck_assert_uint_eq(fi.ntargets, 2);
    ck_assert_int_eq(fi.targets[0].fd, 3);
    ck_assert_uint_eq(fi.targets[0].events, 0x80000019u);
    ck_assert_uint_eq(fi.targets[0].ino, 0x39303);
    ck_assert_uint_eq(fi.targets[0].dev_minor, 15);
    ck_assert_uint_eq(fi.targets[1].data, UINT64_MAX);
    ck_assert_uint_eq(fi.targets[1].dev_major, 0xfe);
    ck_assert_uint_eq(fi.targets[1].dev_minor, 1);
    done(&fi, c);

    strata_fd_t t = {.type = STRATA_FD_TIMERFD};
    c = parse_fdinfo("clockid: 7\nticks: 3\nsettime flags: 01\nit_value: (99, 998299117)\n"
                     "it_interval: (1, 500)\n",
                     &t, &fi);
    ck_assert_int_eq(t.timer_clock, 7);
    ck_assert_uint_eq(t.timer_ticks, 3);
    ck_assert_uint_eq(t.timer_settime_flags, 1);
    ck_assert_uint_eq(t.timer_remaining_ns, 99998299117ull);
    ck_assert_uint_eq(t.timer_interval_ns, 1000000500ull);
    done(&fi, c);

    strata_fd_t e = {.type = STRATA_FD_EVENTFD, .eventfd_semaphore = -1};
    c = parse_fdinfo("eventfd-count:               1f\neventfd-id: 4\neventfd-semaphore: 1\n", &e,
                     &fi);
    ck_assert_uint_eq(e.eventfd_count, 0x1f); /* the kernel prints it in hex */
    ck_assert_int_eq(e.eventfd_id, 4);
    ck_assert_int_eq(e.eventfd_semaphore, 1);
    done(&fi, c);

    strata_fd_t in = {.type = STRATA_FD_INOTIFY};
    c = parse_fdinfo("inotify wd:1 ino:3c51a sdev:fe00000 mask:300 ignored_mask:0 fhandle-bytes:8 "
                     "fhandle-type:1 f_handle:1ac5030000000000\n"
                     "inotify wd:2 ino:zz\n",
                     &in, &fi);
    ck_assert_uint_eq(fi.nwatches, 1);
    ck_assert_uint_eq(fi.watches[0].ino, 0x3c51a);
    ck_assert_uint_eq(fi.watches[0].mask, 0x300);
    ck_assert_uint_eq(fi.watches[0].dev_major, 254);
    ck_assert_uint_eq(fi.handles[0].len, 8);
    ck_assert_uint_eq(fi.handles[0].bytes[0], 0x1a);
    done(&fi, c);

    strata_fd_t s = {.type = STRATA_FD_SIGNALFD};
    c = parse_fdinfo("sigmask:\t0000000000000a00\n", &s, &fi);
    ck_assert_uint_eq(s.signal_mask, 0xa00);
    done(&fi, c);

    strata_fd_t pf = {.type = STRATA_FD_PIDFD};
    c = parse_fdinfo("Pid:\t-1\nNSpid:\t-1\nweird line without colon\n:\n", &pf, &fi);
    ck_assert_int_eq(pf.pidfd_pid, -1);
    ck_assert_uint_eq(fi.ninfo, 2); /* Pid and NSpid kept as lines */
    ck_assert_str_eq(fi.info[1].name, "NSpid");
    done(&fi, c);
}
END_TEST

START_TEST(parse_hostile_fdinfo)
{
    /* overflowing numbers, cut lines, binary bytes, no newline at the end */
    static const char *const texts[] = {
        "pos:\t99999999999999999999999999\nflags:\t0777777777777777777777\n",
        "tfd: 99999999999 events: 1 data: 1\ntfd:",
        "inotify wd:1 ino:1 sdev:1 mask:1 fhandle-bytes:ffff fhandle-type:1 f_handle:00",
        "inotify wd:1 ino:1 sdev:1 mask:1 fhandle-bytes:8 fhandle-type:1 f_handle:0",
        "it_value: (1\nit_interval: (, )\nclockid:",
        "\x01\x02\xff:\xfe\n\n\n::::\n",
        "",
    };
    for (unsigned type = 0; type < STRATA_FD_TYPE_COUNT; type++)
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
            strata_fd_t fd = {.type = type};
            struct fd_fdinfo fi;
            char *c = parse_fdinfo(texts[i], &fd, &fi);
            for (size_t k = 0; k < fi.nwatches; k++)
                ck_assert_uint_le(fi.handles[k].len, sizeof fi.handles[k].bytes);
            done(&fi, c);
        }
}
END_TEST

START_TEST(parse_net_tables)
{
    struct rows c = {0};
    struct fd_sock_row *r = &c.r;
    const char *tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"
                      "   uid  timeout inode\n"
                      "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000002 00:00000000 "
                      "00000000     0        0 12345 1 0000000000000000 100 0 0 10 0\n"
                      "   1: garbage\n"
                      "   2: 0100007F:1F90 0100007F:C350 01 00000010:00000000 00:00000000 "
                      "00000000  1000        0 0 1\n"; /* inode 0: no descriptor, skipped */
    ck_assert_int_eq(fd_parse_net_inet(tcp, strlen(tcp), false, "tcp", count_rows, &c), 0);
    ck_assert_int_eq(c.n, 1);
    ck_assert_uint_eq(r->rx_queue, 2);
    ck_assert_uint_eq(r->ino, 12345);
    ck_assert_int_eq(r->state, 10);
    ck_assert_str_eq(r->local, "127.0.0.1:8080");
    ck_assert_str_eq(r->remote, "");
    const char *tcp6 = "header\n 0: 00000000000000000000000001000000:0016 "
                       "00000000000000000000000001000000:D431 01 00000000:00000000 00:00000000 "
                       "00000000     0        0 777 1\n";
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(fd_parse_net_inet(tcp6, strlen(tcp6), true, "tcp", count_rows, &c), 0);
    ck_assert_str_eq(r->local, "[::1]:22");
    ck_assert_str_eq(r->remote, "[::1]:54321");
    const char *unx = "Num       RefCount Protocol Flags    Type St Inode Path\n"
                      "0000000000000000: 00000002 00000000 00010000 0005 01 4242 /run/x.sock\n"
                      "0000000000000000: 00000003 00000000 00000000 0001 03 4243\n"
                      "0000000000000000: 00000002 00000000 00000000 0002 01 4244 @abs\n";
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(fd_parse_net_unix(unx, strlen(unx), count_rows, &c), 0);
    ck_assert_int_eq(c.n, 3);
    ck_assert_uint_eq(r->ino, 4244);
    ck_assert_str_eq(r->local, "@abs");
    ck_assert_str_eq(r->proto, "dgram");
    ck_assert_int_eq(r->state, 7);
    const char *nl = "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    "
                     "Drops    Inode\n"
                     "0000000000000000 0   1234       00000001 0        0        0     2        0"
                     "        9999\n";
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(fd_parse_net_netlink(nl, strlen(nl), count_rows, &c), 0);
    ck_assert_str_eq(r->proto, "route");
    ck_assert_str_eq(r->local, "1234");
    ck_assert_uint_eq(r->ino, 9999);
    const char *pk = "sk       RefCnt Type Proto  Iface R Rmem   User   Inode\n"
                     "0000000000000000 3      3    0003   2     1 0      0      5555\n";
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(fd_parse_net_packet(pk, strlen(pk), count_rows, &c), 0);
    ck_assert_str_eq(r->proto, "raw");
    ck_assert_str_eq(r->local, "0x0003@if2");
    /* hostile: truncated and huge */
    const char *bad[] = {"h\n 0: 0100007F", "h\n 0: FFFFFFFFFFFFFFFFFFFF:1F90 x", "h\n\n\n\n",
                         "h\n 0: 0100007F:FFFFF 00000000:0000 0A"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&c, 0, sizeof c);
        ck_assert_int_eq(fd_parse_net_inet(bad[i], strlen(bad[i]), false, "tcp", count_rows, &c),
                         0);
        ck_assert_int_eq(c.n, 0);
        ck_assert_int_eq(fd_parse_net_unix(bad[i], strlen(bad[i]), count_rows, &c), 0);
        ck_assert_int_eq(fd_parse_net_netlink(bad[i], strlen(bad[i]), count_rows, &c), 0);
        ck_assert_int_eq(fd_parse_net_packet(bad[i], strlen(bad[i]), count_rows, &c), 0);
    }
}
END_TEST

START_TEST(parse_mountinfo)
{
    const char *mi = "22 1 0:21 / /proc rw - proc proc rw\n"
                     "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
                     "27 26 8:1 / /mnt/with\\040space rw - ext4 /dev/sda1 rw\n"
                     "garbage line\n";
    char out[256];
    ck_assert_int_eq(fd_parse_mount_point(mi, strlen(mi), 254, 0, out, sizeof out), 0);
    ck_assert_str_eq(out, "/");
    ck_assert_int_eq(fd_parse_mount_point(mi, strlen(mi), 8, 1, out, sizeof out), 0);
    ck_assert_str_eq(out, "/mnt/with space");
    ck_assert_int_eq(fd_parse_mount_point(mi, strlen(mi), 9, 9, out, sizeof out), -ENOENT);
    ck_assert_int_eq(fd_parse_mount_point(mi, strlen(mi), 8, 1, out, 4), -ENAMETOOLONG);
}
END_TEST

START_TEST(names_from_tables)
{
    char b[256];
    ck_assert_str_eq(strata_fd_flags_name(O_RDWR | O_APPEND | O_NONBLOCK | O_CLOEXEC, b, sizeof b),
                     "O_RDWR|O_APPEND|O_NONBLOCK|O_CLOEXEC");
    ck_assert_str_eq(strata_fd_flags_name(0, b, sizeof b), "O_RDONLY");
    ck_assert_str_eq(strata_fd_epoll_events_name(0x80000001u | 0x40000000u, b, sizeof b),
                     "EPOLLIN|EPOLLONESHOT|EPOLLET");
    ck_assert_str_eq(strata_fd_epoll_events_name(0x08000000u, b, sizeof b), "0x8000000");
    ck_assert_str_eq(strata_fd_signals_name((1u << 9) | (1u << 11), b, sizeof b),
                     "SIGUSR1|SIGUSR2");
    ck_assert_str_eq(strata_signal_name(SIGRTMIN + 3, b, sizeof b), "SIGRTMIN+3");
    ck_assert_str_eq(strata_fd_seals_name(0x6, b, sizeof b), "F_SEAL_SHRINK|F_SEAL_GROW");
    ck_assert_str_eq(strata_fd_inotify_mask_name(0x300, b, sizeof b), "IN_CREATE|IN_DELETE");
    ck_assert_str_eq(strata_clock_name(1, b, sizeof b), "CLOCK_MONOTONIC");
    ck_assert_str_eq(strata_clock_name(99, b, sizeof b), "99");
    ck_assert_str_eq(strata_sock_state_name(STRATA_SOCK_INET, "tcp", 10), "LISTEN");
    ck_assert_str_eq(strata_sock_state_name(STRATA_SOCK_INET, "udp", 7), "UNCONNECTED");
    ck_assert_str_eq(strata_sock_state_name(STRATA_SOCK_UNIX, "stream", 1), "ESTABLISHED");
    ck_assert_str_eq(strata_fd_type_name(STRATA_FD_TYPE_COUNT), "unknown");
    /* a buffer too small is cut, never overrun */
    char small[8];
    strata_fd_flags_name(O_RDWR | O_APPEND | O_NONBLOCK, small, sizeof small);
    ck_assert_uint_lt(strlen(small), sizeof small);
}
END_TEST

/* ---- the fixture ------------------------------------------------------------ */

static struct fixture fx;
static char scratch[] = "/tmp/strata-fds-XXXXXX";
static strata_fds_t *set;
static const strata_fds_proc_t *proc;

static int fx_fd(const char *key)
{
    const char *v = fixture_get(&fx, key);
    ck_assert_msg(v != NULL, "fixture did not print %s", key);
    return atoi(v);
}

static const strata_fd_t *fd_of(const char *key)
{
    int n = fx_fd(key);
    for (size_t i = 0; i < proc->nfds; i++)
        if (proc->fds[i].fd == n)
            return &proc->fds[i];
    ck_abort_msg("descriptor %s (%d) not listed", key, n);
    return NULL;
}

static void fixture_up(void)
{
    strcpy(scratch, "/tmp/strata-fds-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(scratch));
    char *argv[] = {(char *)env("FDS_FIXTURE"), scratch, NULL};
    ck_assert_int_eq(fixture_start(&fx, argv), 0);
    strata_err_t err = {0};
    int rc = strata_fds_pid(fx.pid, 0, &set, &err);
    ck_assert_msg(rc == 0, "strata_fds_pid: %d %s", rc, err.msg);
    ck_assert_uint_eq(strata_fds_process_count(set), 1);
    proc = strata_fds_process(set, 0);
}

static void fixture_down(void)
{
    strata_fds_close(set);
    fixture_stop(&fx);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0)
        fprintf(stderr, "check_fds: could not remove %s\n", scratch);
}

static void path_in(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", scratch, name);
}

START_TEST(kind_files)
{
    char p[4200];
    struct stat st;
    const strata_fd_t *f = fd_of("file");
    path_in(p, sizeof p, "fixture-file");
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_uint_eq(f->type, STRATA_FD_FILE);
    ck_assert_str_eq(f->path, p);
    ck_assert_int_eq(f->deleted, 0);
    ck_assert_int_eq(f->has_pos, 1);
    ck_assert_uint_eq(f->pos, 1234);
    ck_assert_uint_eq(f->size, 4096);
    ck_assert_uint_eq(f->ino, st.st_ino);
    ck_assert_uint_eq(f->dev_major, major(st.st_dev));
    ck_assert_uint_eq(f->dev_minor, minor(st.st_dev));
    ck_assert_uint_eq(f->flags & (O_ACCMODE | O_APPEND | O_CLOEXEC), O_RDWR | O_APPEND);
    f = fd_of("deleted");
    path_in(p, sizeof p, "fixture-deleted (deleted)");
    ck_assert_str_eq(f->path, p);
    ck_assert_int_eq(f->deleted, 1);
    ck_assert_uint_eq(f->flags & (O_ACCMODE | O_CLOEXEC), O_RDONLY | O_CLOEXEC);
    f = fd_of("dir");
    ck_assert_uint_eq(f->type, STRATA_FD_DIR);
    ck_assert_str_eq(f->path, scratch);
    f = fd_of("device");
    ck_assert_uint_eq(f->type, STRATA_FD_DEVICE);
    ck_assert_str_eq(f->path, "/dev/null");
    ck_assert_uint_eq(f->rdev_major, 1);
    ck_assert_uint_eq(f->rdev_minor, 3);
    ck_assert_uint_eq(f->flags & O_ACCMODE, O_WRONLY);
}
END_TEST

static bool has_peer(const strata_fd_peer_t *v, size_t n, pid_t pid, int fd, int access)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].pid == pid && v[i].fd == fd && v[i].access == access)
            return true;
    return false;
}

START_TEST(kind_pipes_and_fifos)
{
    const strata_fd_t *f = fd_of("pipe_r");
    pid_t child = (pid_t)fx_fd("child");
    ck_assert_uint_eq(f->type, STRATA_FD_PIPE);
    char want[64];
    snprintf(want, sizeof want, "pipe:[%llu]", (unsigned long long)f->ino);
    ck_assert_str_eq(f->link, want);
    ck_assert_uint_eq(f->npeers, 1); /* the write end, in the child only */
    ck_assert(has_peer(f->peers, f->npeers, child, fx_fd("child_pipe_w"), O_WRONLY));
    ck_assert_str_eq(f->peers[0].comm, "fds_fixture");
    f = fd_of("fifo_r");
    ck_assert_uint_eq(f->type, STRATA_FD_FIFO);
    char p[4200];
    path_in(p, sizeof p, "fixture-fifo");
    ck_assert_str_eq(f->path, p);
    ck_assert(has_peer(f->peers, f->npeers, fx.pid, fx_fd("fifo_w"), O_WRONLY));
    ck_assert(has_peer(f->peers, f->npeers, child, fx_fd("fifo_w"), O_WRONLY)); /* inherited */
    ck_assert(has_peer(f->peers, f->npeers, child, fx_fd("fifo_r"), O_RDONLY));
    ck_assert_uint_eq(f->npeers, 3);
    ck_assert_int_eq(strata_fds_info(set)->peers, 1);
}
END_TEST

static void expect_sock(const char *key, unsigned family, const char *proto, int state,
                        const char *local, const char *remote)
{
    const strata_fd_t *f = fd_of(key);
    ck_assert_uint_eq(f->type, STRATA_FD_SOCKET);
    ck_assert_msg(f->sock.family == family, "%s: family %u", key, f->sock.family);
    ck_assert_str_eq(f->sock.proto, proto);
    ck_assert_msg(f->sock.state == state, "%s: state %d, want %d", key, f->sock.state, state);
    ck_assert_str_eq(f->sock.local, local);
    ck_assert_str_eq(f->sock.remote, remote);
}

static bool sock_diag_here(void)
{
    if (strata_fds_info(set)->sock_diag)
        return true;
    printf("check_fds: SKIP Unix peer checks: sock_diag did not answer (no UNIX_DIAG)\n");
    return false;
}

START_TEST(kind_unix_sockets)
{
    char path[4200], port[64];
    path_in(path, sizeof path, "fixture.sock");
    expect_sock("pair_a", STRATA_SOCK_UNIX, "stream", 1, "", "");
    expect_sock("unix_listen", STRATA_SOCK_UNIX, "seqpacket", 10, path, "");
    expect_sock("unix_abstract", STRATA_SOCK_UNIX, "dgram", 7,
                fixture_get(&fx, "unix_abstract_name"), "");
    (void)port;
    if (!sock_diag_here())
        return;
    expect_sock("unix_client", STRATA_SOCK_UNIX, "seqpacket", 1, "", path);
    expect_sock("unix_server", STRATA_SOCK_UNIX, "seqpacket", 1, path, "");
    const strata_fd_t *a = fd_of("pair_a"), *b = fd_of("pair_b");
    ck_assert_uint_eq(a->sock.peer_ino, b->ino);
    ck_assert_int_eq(a->sock.peer.pid, fx.pid);
    ck_assert_int_eq(a->sock.peer.fd, b->fd);
    ck_assert_int_eq(b->sock.peer.fd, a->fd);
    ck_assert_int_eq(fd_of("unix_client")->sock.peer.fd, fx_fd("unix_server"));
    ck_assert_int_eq(fd_of("unix_server")->sock.peer.fd, fx_fd("unix_client"));
    ck_assert_str_eq(a->sock.source, "sock_diag");
}
END_TEST

START_TEST(kind_inet_sockets)
{
    char l[64], c[64], u[64], uc[64];
    snprintf(l, sizeof l, "127.0.0.1:%s", fixture_get(&fx, "tcp_port"));
    snprintf(c, sizeof c, "127.0.0.1:%s", fixture_get(&fx, "tcp_client_port"));
    snprintf(u, sizeof u, "127.0.0.1:%s", fixture_get(&fx, "udp_port"));
    snprintf(uc, sizeof uc, "127.0.0.1:%s", fixture_get(&fx, "udp_connected_port"));
    expect_sock("tcp_listen", STRATA_SOCK_INET, "tcp", 10, l, "");
    expect_sock("tcp_client", STRATA_SOCK_INET, "tcp", 1, c, l);
    expect_sock("tcp_server", STRATA_SOCK_INET, "tcp", 1, l, c);
    expect_sock("udp", STRATA_SOCK_INET, "udp", 7, u, "");
    expect_sock("udp_connected", STRATA_SOCK_INET, "udp", 1, uc, u);
}
END_TEST

static bool kcmp_works(void)
{
    long r = syscall(SYS_kcmp, getpid(), getpid(), 0 /* KCMP_FILE */, 0, 0);
    if (r >= 0)
        return true;
    printf("check_fds: SKIP reused-number stale check: kcmp: %s\n", strerror(errno));
    return false;
}

static const strata_fd_epoll_target_t *target(const strata_fd_t *ep, int fd)
{
    for (size_t i = 0; i < ep->ntargets; i++)
        if (ep->targets[i].fd == fd)
            return &ep->targets[i];
    ck_abort_msg("no epoll target %d", fd);
    return NULL;
}

START_TEST(kind_epoll)
{
    const strata_fd_t *ep = fd_of("epoll");
    ck_assert_uint_eq(ep->type, STRATA_FD_EPOLL);
    ck_assert_uint_eq(ep->ntargets, 4);
    /* the kernel adds EPOLLERR|EPOLLHUP to every registration */
    const uint32_t eh = 0x8 | 0x10;
    const strata_fd_epoll_target_t *t = target(ep, fx_fd("pipe_r"));
    ck_assert_uint_eq(t->events, 0x1u | 0x80000000u | eh);
    ck_assert_uint_eq(t->data, 0x1111);
    ck_assert_uint_eq(t->ino, fd_of("pipe_r")->ino);
    ck_assert_int_eq(t->stale, 0);
    t = target(ep, fx_fd("eventfd"));
    ck_assert_uint_eq(t->events, 0x4u | 0x40000000u | eh);
    ck_assert_uint_eq(t->data, 0x2222);
    ck_assert_int_eq(t->stale, 0);
    t = target(ep, fx_fd("epoll_stale"));
    ck_assert_uint_eq(t->events, 0x1u | 0x2000u | eh);
    ck_assert_uint_eq(t->data, 0x3333);
    ck_assert_int_eq(t->stale, 1);
    t = target(ep, fx_fd("epoll_reused"));
    ck_assert_uint_eq(t->data, 0x4444);
    if (kcmp_works())
        ck_assert_int_eq(t->stale, 1); /* same anonymous inode, another file */
}
END_TEST

START_TEST(kind_anon_inodes)
{
    const strata_fd_t *f = fd_of("eventfd");
    ck_assert_uint_eq(f->type, STRATA_FD_EVENTFD);
    ck_assert_uint_eq(f->eventfd_count, 7);
    ck_assert_msg(f->eventfd_semaphore == 1 || f->eventfd_semaphore == -1, "semaphore %d",
                  f->eventfd_semaphore);
    if (f->eventfd_semaphore < 0)
        printf("check_fds: SKIP eventfd semaphore: this kernel's fdinfo does not say\n");
    ck_assert_uint_eq(f->flags & O_NONBLOCK, O_NONBLOCK);
    f = fd_of("timerfd");
    ck_assert_uint_eq(f->type, STRATA_FD_TIMERFD);
    ck_assert_int_eq(f->timer_clock, CLOCK_MONOTONIC);
    ck_assert_uint_eq(f->timer_interval_ns, 2500000000ull);
    ck_assert_uint_le(f->timer_remaining_ns, 1000000000000ull);
    ck_assert_uint_gt(f->timer_remaining_ns, 900000000000ull);
    ck_assert_uint_eq(f->timer_ticks, 0);
    ck_assert_uint_eq(f->flags & O_CLOEXEC, O_CLOEXEC);
    f = fd_of("signalfd");
    ck_assert_uint_eq(f->type, STRATA_FD_SIGNALFD);
    ck_assert_uint_eq(f->signal_mask, (1ull << (SIGUSR1 - 1)) | (1ull << (SIGUSR2 - 1)));
    f = fd_of("inotify");
    ck_assert_uint_eq(f->type, STRATA_FD_INOTIFY);
    ck_assert_uint_eq(f->nwatches, 1);
    struct stat st;
    ck_assert_int_eq(stat(scratch, &st), 0);
    ck_assert_uint_eq(f->watches[0].ino, st.st_ino);
    ck_assert_uint_eq(f->watches[0].mask, 0x100u | 0x200u); /* IN_CREATE|IN_DELETE */
    if (geteuid() == 0)
        ck_assert_str_eq(f->watches[0].path, scratch);
    else
        printf("check_fds: SKIP inotify path: open_by_handle_at needs CAP_DAC_READ_SEARCH\n");
    f = fd_of("memfd");
    ck_assert_uint_eq(f->type, STRATA_FD_MEMFD);
    ck_assert_str_eq(f->memfd_name, "strata-fixture");
    ck_assert_str_eq(f->path, "/memfd:strata-fixture (deleted)");
    ck_assert_uint_eq(f->size, 8192);
    ck_assert_int_eq(f->seals, 0x2 | 0x4); /* F_SEAL_SHRINK|F_SEAL_GROW */
    if (!fixture_get(&fx, "pidfd")) {
        printf("check_fds: SKIP pidfd: pidfd_open is not available\n");
        return;
    }
    f = fd_of("pidfd");
    ck_assert_uint_eq(f->type, STRATA_FD_PIDFD);
    ck_assert_int_eq(f->pidfd_pid, fx_fd("child"));
}
END_TEST

START_TEST(mapped_files)
{
    char p[4200];
    path_in(p, sizeof p, "fixture-mapped");
    const strata_fd_mapping_t *m = NULL;
    bool exe = false;
    for (size_t i = 0; i < proc->nmaps; i++) {
        if (!strcmp(proc->maps[i].path, p))
            m = &proc->maps[i];
        exe |= proc->maps[i].exe && strstr(proc->maps[i].path, "fds_fixture");
    }
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(m->size_known, 1);
    ck_assert_uint_eq(m->size, 3 * 4096);
    ck_assert_uint_eq(m->mappings, 1);
    ck_assert_uint_eq(m->bytes, 2 * 4096);
    ck_assert(exe);
    ck_assert_int_eq(proc->maps_error, 0);
}
END_TEST

/* ---- errors ------------------------------------------------------------------ */

static void expect_error(pid_t pid, int code, const char *needle)
{
    strata_fds_t *s = (strata_fds_t *)1;
    strata_err_t err = {0};
    int rc = strata_fds_pid(pid, 0, &s, &err);
    ck_assert_msg(rc == code, "rc %d (%s), want %d", rc, err.msg, code);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err.msg, needle), "message '%s' lacks '%s'", err.msg, needle);
}

static char *run(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t cap = 1 << 20, n = 0;
    char *out = malloc(cap);
    size_t r;
    while ((r = fread(out + n, 1, cap - n - 1, p)) > 0)
        n += r;
    out[n] = '\0';
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    return out;
}

START_TEST(no_such_process)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    expect_error(pid, -ESRCH, "no such process");
    char cmd[512];
    int st;
    snprintf(cmd, sizeof cmd, "%s fds %d 2>&1", env("STRATA_CLI"), (int)pid);
    char *out = run(cmd, &st), want[96];
    snprintf(want, sizeof want, "strata: %d: no such process", (int)pid);
    ck_assert_msg(strstr(out, want), "%s", out);
    ck_assert_int_eq(st, 1);
    free(out);
}
END_TEST

START_TEST(zombie)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    char path[64], text[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    for (int i = 0; i < 400; i++) {
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
        if (f)
            fclose(f);
        text[n] = '\0';
        if (strstr(text, ") Z "))
            break;
        usleep(5000);
    }
    expect_error(pid, -ENODATA, "zombie");
    waitpid(pid, NULL, 0);
}
END_TEST

static void *block_forever(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

/* The leader thread exited, another runs: the process still has its
 * descriptors, read through the live thread. */
START_TEST(zombie_leader_with_live_thread)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (dup2(0, 77) != 77)
            _exit(1);
        pthread_t t;
        pthread_create(&t, NULL, block_forever, NULL);
        pthread_exit(NULL);
    }
    char path[64], text[512] = {0};
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    for (int i = 0; i < 400 && !strstr(text, ") Z "); i++) {
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
        if (f)
            fclose(f);
        text[n] = '\0';
        usleep(5000);
    }
    ck_assert_ptr_nonnull(strstr(text, ") Z "));
    strata_fds_t *s;
    strata_err_t err = {0};
    int rc = strata_fds_pid(pid, 0, &s, &err);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    ck_assert_msg(rc == 0, "rc %d: %s", rc, err.msg);
    const strata_fds_proc_t *p = strata_fds_process(s, 0);
    ck_assert_int_eq(p->pid, pid);
    bool found = false;
    for (size_t i = 0; i < p->nfds; i++)
        found |= p->fds[i].fd == 77;
    ck_assert(found);
    strata_fds_close(s);
}
END_TEST

static int fds_as(void *arg, char *msg, size_t cap)
{
    strata_fds_t *s;
    strata_err_t err = {0};
    (void)arg;
    int rc = strata_fds_pid(fx.pid, 0, &s, &err);
    snprintf(msg, cap, "%s", err.msg);
    return rc;
}

START_TEST(other_users_process)
{
    if (geteuid() != 0) {
        printf("check_fds: SKIP permission test: needs root to become uid 65534\n");
        return;
    }
    char buf[512] = {0}, want[256];
    ck_assert_int_eq(as_nobody(fds_as, NULL, buf, sizeof buf), 0);
    ck_assert_int_eq(atoi(buf), -EACCES);
    snprintf(want, sizeof want,
             "permission denied reading /proc/%d/fd (need ptrace access: same user or "
             "CAP_SYS_PTRACE)",
             (int)fx.pid);
    ck_assert_msg(strstr(buf, want), "got: %s", buf);
    char cmd[512];
    int st;
    snprintf(cmd, sizeof cmd, "setpriv --reuid=65534 --regid=65534 --clear-groups %s fds %d 2>&1",
             env("STRATA_CLI"), (int)fx.pid);
    char *out = run(cmd, &st);
    snprintf(want, sizeof want, "strata: %d: permission denied reading /proc/%d/fd", (int)fx.pid,
             (int)fx.pid);
    ck_assert_msg(strstr(out, want), "%s", out);
    ck_assert_int_eq(st, 1);
    free(out);
    /* --all as nobody: the fixture is skipped and counted, status 0 */
    snprintf(cmd, sizeof cmd,
             "setpriv --reuid=65534 --regid=65534 --clear-groups %s fds --all 2>&1 >/dev/null",
             env("STRATA_CLI"));
    out = run(cmd, &st);
    ck_assert_int_eq(st, 0);
    ck_assert_msg(strstr(out, "that may not be read"), "%s", out);
    free(out);
}
END_TEST

/* A child with many descriptors that exits us microseconds after it has
 * opened them (and said so on a pipe when ready is not NULL): reading it
 * takes longer than that, so reads see it go. */
static pid_t short_lived(int nfds, int us, int *ready)
{
    int p[2];
    if (ready && pipe(p))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < nfds; i++)
            if (open("/dev/null", O_RDONLY) < 0)
                break;
        if (ready && write(p[1], "r", 1) != 1)
            _exit(1);
        usleep((useconds_t)us);
        _exit(0);
    }
    if (ready) {
        close(p[1]);
        char c;
        if (read(p[0], &c, 1) != 1)
            c = 0;
        close(p[0]);
        *ready = c == 'r';
    }
    return pid;
}

START_TEST(exits_while_being_read)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rlim_t want = rl.rlim_max < 8192 ? rl.rlim_max : 8192;
    rl.rlim_cur = want;
    setrlimit(RLIMIT_NOFILE, &rl);
    int whole = 0, midway = 0, other = 0;
    for (int i = 0; i < 40 && (midway == 0 || i < 10); i++) {
        int ready;
        pid_t pid = short_lived((int)want - 64, 500 + (i % 8) * 1000, &ready);
        ck_assert_int_gt(pid, 0);
        strata_fds_t *s;
        strata_err_t err = {0};
        int rc = strata_fds_pid(pid, STRATA_FDS_NO_PEERS, &s, &err);
        if (rc == 0) {
            ck_assert_uint_gt(strata_fds_process(s, 0)->nfds, 0);
            strata_fds_close(s);
            whole++;
        } else {
            ck_assert_msg(rc == -ESRCH || rc == -ENODATA, "rc %d: %s", rc, err.msg);
            ck_assert_msg(err.msg[0] != '\0', "no message for %d", rc);
            if (strstr(err.msg, "exited while its descriptors were being read"))
                midway++;
            else
                other++;
        }
        waitpid(pid, NULL, 0);
    }
    printf("check_fds: exit races: %d whole reads, %d exits mid-read, %d gone before\n", whole,
           midway, other);
    ck_assert_int_gt(midway, 0);
}
END_TEST

START_TEST(all_sees_the_fixture_while_processes_come_and_go)
{
    pid_t churn[16];
    for (int i = 0; i < 16; i++)
        churn[i] = short_lived(200, 1000 * i, NULL);
    strata_fds_t *s;
    strata_err_t err = {0};
    ck_assert_int_eq(strata_fds_all(0, &s, &err), 0);
    for (int i = 0; i < 16; i++)
        waitpid(churn[i], NULL, 0);
    const strata_fds_info_t *in = strata_fds_info(s);
    ck_assert_uint_eq(in->processes, strata_fds_process_count(s));
    bool found = false;
    for (size_t i = 0; i < strata_fds_process_count(s); i++) {
        const strata_fds_proc_t *p = strata_fds_process(s, i);
        if (i)
            ck_assert_int_lt(strata_fds_process(s, i - 1)->pid, p->pid);
        if (p->pid != fx.pid)
            continue;
        found = true;
        ck_assert_uint_eq(p->nfds, proc->nfds);
        for (size_t k = 0; k < p->nfds; k++)
            if (p->fds[k].type == STRATA_FD_PIPE && p->fds[k].fd == fx_fd("pipe_r"))
                ck_assert_uint_eq(p->fds[k].npeers, 1); /* peers found within the set */
    }
    ck_assert(found);
    printf("check_fds: --all: %zu processes, %zu unreadable, %zu exited while read\n",
           in->processes, in->unreadable, in->exited);
    strata_fds_close(s);
}
END_TEST

/* ---- the command line -------------------------------------------------------- */

START_TEST(cli_usage_and_text)
{
    char cmd[1024];
    int st;
    snprintf(cmd, sizeof cmd, "%s fds 2>&1", env("STRATA_CLI"));
    char *out = run(cmd, &st);
    ck_assert_int_eq(st, 2);
    ck_assert_ptr_nonnull(strstr(out, "strata: fds: no PID given"));
    free(out);
    snprintf(cmd, sizeof cmd, "%s fds --all 1 2>&1", env("STRATA_CLI"));
    free(run(cmd, &st));
    ck_assert_int_eq(st, 2);
    snprintf(cmd, sizeof cmd, "%s fds abc 2>&1", env("STRATA_CLI"));
    out = run(cmd, &st);
    ck_assert_int_eq(st, 2);
    ck_assert_ptr_nonnull(strstr(out, "'abc' is not a process id"));
    free(out);
    snprintf(cmd, sizeof cmd, "%s fds --help", env("STRATA_CLI"));
    out = run(cmd, &st);
    ck_assert_int_eq(st, 0);
    ck_assert_ptr_nonnull(strstr(out, "usage: strata fds"));
    free(out);
    /* the text view: one line per descriptor with the details on it */
    snprintf(cmd, sizeof cmd, "%s fds %d 999999999 2>&1", env("STRATA_CLI"), (int)fx.pid);
    out = run(cmd, &st);
    ck_assert_int_eq(st, 1); /* the second PID failed */
    ck_assert_ptr_nonnull(strstr(out, "strata: 999999999: no such process"));
    ck_assert_ptr_nonnull(strstr(out, "COMMAND"));
    ck_assert_ptr_nonnull(strstr(out, "data=0x3333 STALE"));
    ck_assert_ptr_nonnull(strstr(out, "seals=F_SEAL_SHRINK|F_SEAL_GROW"));
    ck_assert_ptr_nonnull(strstr(out, "signals=SIGUSR1|SIGUSR2"));
    ck_assert_ptr_nonnull(strstr(out, "inet tcp LISTEN 127.0.0.1:"));
    ck_assert_ptr_nonnull(strstr(out, "CLOCK_MONOTONIC interval=2.500000000s"));
    ck_assert_ptr_nonnull(strstr(out, " mem "));
    char want[128];
    snprintf(want, sizeof want, "peers: %s(fds_fixture):%sw", fixture_get(&fx, "child"),
             fixture_get(&fx, "child_pipe_w"));
    ck_assert_msg(strstr(out, want), "no '%s' in:\n%s", want, out);
    free(out);
}
END_TEST

static Suite *fds_suite(void)
{
    Suite *s = suite_create("layout-fds");
    TCase *parse = tcase_create("parse");
    tcase_add_test(parse, parse_links);
    tcase_add_test(parse, parse_fdinfo_kinds);
    tcase_add_test(parse, parse_hostile_fdinfo);
    tcase_add_test(parse, parse_net_tables);
    tcase_add_test(parse, parse_mountinfo);
    tcase_add_test(parse, names_from_tables);
    suite_add_tcase(s, parse);
    TCase *kinds = tcase_create("kinds");
    tcase_add_unchecked_fixture(kinds, fixture_up, fixture_down);
    tcase_add_test(kinds, kind_files);
    tcase_add_test(kinds, kind_pipes_and_fifos);
    tcase_add_test(kinds, kind_unix_sockets);
    tcase_add_test(kinds, kind_inet_sockets);
    tcase_add_test(kinds, kind_epoll);
    tcase_add_test(kinds, kind_anon_inodes);
    tcase_add_test(kinds, mapped_files);
    suite_add_tcase(s, kinds);
    TCase *err = tcase_create("errors");
    tcase_add_unchecked_fixture(err, fixture_up, fixture_down);
    tcase_set_timeout(err, 120);
    tcase_add_test(err, no_such_process);
    tcase_add_test(err, zombie);
    tcase_add_test(err, zombie_leader_with_live_thread);
    tcase_add_test(err, other_users_process);
    tcase_add_test(err, exits_while_being_read);
    tcase_add_test(err, all_sees_the_fixture_while_processes_come_and_go);
    suite_add_tcase(s, err);
    TCase *cli = tcase_create("cli");
    tcase_add_unchecked_fixture(cli, fixture_up, fixture_down);
    tcase_add_test(cli, cli_usage_and_text);
    suite_add_tcase(s, cli);
    return s;
}

int main(void)
{
    return check_run(fds_suite(), CK_FORK_GETENV);
}
