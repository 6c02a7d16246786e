/*
 * fd_names.c — names of what the descriptor reader decodes, from tables:
 * descriptor types, socket families and states, open flags, epoll events,
 * inotify masks, memfd seals, signals, clocks, netlink protocols. A set of
 * bits is written as names joined with '|', with the bits no name covers
 * in hex at the end.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct bit_name {
    uint64_t bit;
    const char *name;
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Joins the names of the bits set in v; unnamed bits go last, in hex. */
static const char *bits_name(const struct bit_name *t, size_t n, uint64_t v, char *buf, size_t len)
{
    size_t k = 0;
    if (!len)
        return "";
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!(v & t[i].bit))
            continue;
        k += (size_t)snprintf(buf + k, k < len ? len - k : 0, "%s%s", k ? "|" : "", t[i].name);
        v &= ~t[i].bit;
    }
    if (v)
        k += (size_t)snprintf(buf + k, k < len ? len - k : 0, "%s0x%llx", k ? "|" : "",
                              (unsigned long long)v);
    if (k >= len)
        buf[len - 1] = '\0';
    return buf;
}

static const char *const type_names[STRATA_FD_TYPE_COUNT] = {
    [STRATA_FD_UNKNOWN] = "unknown",   [STRATA_FD_FILE] = "file",
    [STRATA_FD_DIR] = "dir",           [STRATA_FD_DEVICE] = "device",
    [STRATA_FD_PIPE] = "pipe",         [STRATA_FD_FIFO] = "fifo",
    [STRATA_FD_SOCKET] = "socket",     [STRATA_FD_EPOLL] = "epoll",
    [STRATA_FD_EVENTFD] = "eventfd",   [STRATA_FD_TIMERFD] = "timerfd",
    [STRATA_FD_SIGNALFD] = "signalfd", [STRATA_FD_INOTIFY] = "inotify",
    [STRATA_FD_FANOTIFY] = "fanotify", [STRATA_FD_MEMFD] = "memfd",
    [STRATA_FD_PIDFD] = "pidfd",       [STRATA_FD_USERFAULTFD] = "userfaultfd",
    [STRATA_FD_IO_URING] = "io_uring", [STRATA_FD_PERF_EVENT] = "perf_event",
    [STRATA_FD_BPF] = "bpf",           [STRATA_FD_ANON] = "anon_inode",
};

const char *strata_fd_type_name(unsigned type)
{
    return type < STRATA_FD_TYPE_COUNT ? type_names[type] : "unknown";
}

static const char *const family_names[STRATA_SOCK_FAMILY_COUNT] = {
    [STRATA_SOCK_OTHER] = "other",     [STRATA_SOCK_UNIX] = "unix",
    [STRATA_SOCK_INET] = "inet",       [STRATA_SOCK_INET6] = "inet6",
    [STRATA_SOCK_NETLINK] = "netlink", [STRATA_SOCK_PACKET] = "packet",
};

const char *strata_sock_family_name(unsigned family)
{
    return family < STRATA_SOCK_FAMILY_COUNT ? family_names[family] : "other";
}

static const char *const tcp_states[] = {
    [1] = "ESTABLISHED", [2] = "SYN_SENT",  [3] = "SYN_RECV", [4] = "FIN_WAIT1",
    [5] = "FIN_WAIT2",   [6] = "TIME_WAIT", [7] = "CLOSE",    [8] = "CLOSE_WAIT",
    [9] = "LAST_ACK",    [10] = "LISTEN",   [11] = "CLOSING", [12] = "NEW_SYN_RECV",
};

/* Only TCP has the whole state machine; every other socket kind uses the
 * same numbers for connected (1), not connected (7) and listening (10). */
const char *strata_sock_state_name(unsigned family, const char *proto, int state)
{
    bool tcp = proto && !strcmp(proto, "tcp") &&
               (family == STRATA_SOCK_INET || family == STRATA_SOCK_INET6);
    if (state < 0 || state >= (int)N(tcp_states) || !tcp_states[state])
        return "UNKNOWN";
    if (!tcp && state == 7)
        return "UNCONNECTED";
    return tcp_states[state];
}

/* Open flags in the kernel's numbering for this architecture. glibc defines
 * O_LARGEFILE as 0 on 64-bit targets, yet the kernel sets it on every open
 * there: its value is asm-generic's (x86, arm64, riscv). */
#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) || defined(__riscv)
#define FD_O_LARGEFILE 0100000u
#else
#define FD_O_LARGEFILE 0u
#endif

static const struct bit_name open_flags[] = {
    {O_CREAT, "O_CREAT"},
    {O_EXCL, "O_EXCL"},
    {O_NOCTTY, "O_NOCTTY"},
    {O_TRUNC, "O_TRUNC"},
    {O_APPEND, "O_APPEND"},
    {O_NONBLOCK, "O_NONBLOCK"},
    {O_SYNC, "O_SYNC"},
    {O_DSYNC, "O_DSYNC"},
    {O_ASYNC, "O_ASYNC"},
    {O_DIRECT, "O_DIRECT"},
    {FD_O_LARGEFILE, "O_LARGEFILE"},
    {O_DIRECTORY, "O_DIRECTORY"},
    {O_NOFOLLOW, "O_NOFOLLOW"},
    {O_NOATIME, "O_NOATIME"},
    {O_CLOEXEC, "O_CLOEXEC"},
    {O_PATH, "O_PATH"},
    {O_TMPFILE & ~O_DIRECTORY, "O_TMPFILE"},
};

const char *strata_fd_flags_name(uint32_t flags, char *buf, size_t len)
{
    static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
    if (!len)
        return "";
    int n = snprintf(buf, len, "%s", acc[flags & O_ACCMODE]);
    uint32_t rest = flags & ~(uint32_t)O_ACCMODE;
    if (rest && n >= 0 && (size_t)n + 1 < len) {
        buf[n] = '|';
        bits_name(open_flags, N(open_flags), rest, buf + n + 1, len - (size_t)n - 1);
    }
    return buf;
}

static const struct bit_name epoll_bits[] = {
    {0x001, "EPOLLIN"},           {0x002, "EPOLLPRI"},       {0x004, "EPOLLOUT"},
    {0x008, "EPOLLERR"},          {0x010, "EPOLLHUP"},       {0x020, "EPOLLNVAL"},
    {0x040, "EPOLLRDNORM"},       {0x080, "EPOLLRDBAND"},    {0x100, "EPOLLWRNORM"},
    {0x200, "EPOLLWRBAND"},       {0x400, "EPOLLMSG"},       {0x2000, "EPOLLRDHUP"},
    {1u << 28, "EPOLLEXCLUSIVE"}, {1u << 29, "EPOLLWAKEUP"}, {1u << 30, "EPOLLONESHOT"},
    {1u << 31, "EPOLLET"},
};

const char *strata_fd_epoll_events_name(uint32_t events, char *buf, size_t len)
{
    return bits_name(epoll_bits, N(epoll_bits), events, buf, len);
}

static const struct bit_name inotify_bits[] = {
    {0x1, "IN_ACCESS"},
    {0x2, "IN_MODIFY"},
    {0x4, "IN_ATTRIB"},
    {0x8, "IN_CLOSE_WRITE"},
    {0x10, "IN_CLOSE_NOWRITE"},
    {0x20, "IN_OPEN"},
    {0x40, "IN_MOVED_FROM"},
    {0x80, "IN_MOVED_TO"},
    {0x100, "IN_CREATE"},
    {0x200, "IN_DELETE"},
    {0x400, "IN_DELETE_SELF"},
    {0x800, "IN_MOVE_SELF"},
    {0x2000, "IN_UNMOUNT"},
    {0x4000, "IN_Q_OVERFLOW"},
    {0x8000, "IN_IGNORED"},
    {0x1000000, "IN_ONLYDIR"},
    {0x2000000, "IN_DONT_FOLLOW"},
    {0x4000000, "IN_EXCL_UNLINK"},
    {0x10000000, "IN_MASK_CREATE"},
    {0x20000000, "IN_MASK_ADD"},
    {0x40000000, "IN_ISDIR"},
    {0x80000000, "IN_ONESHOT"},
};

const char *strata_fd_inotify_mask_name(uint32_t mask, char *buf, size_t len)
{
    return bits_name(inotify_bits, N(inotify_bits), mask, buf, len);
}

static const struct bit_name seal_bits[] = {
    {0x1, "F_SEAL_SEAL"},  {0x2, "F_SEAL_SHRINK"},        {0x4, "F_SEAL_GROW"},
    {0x8, "F_SEAL_WRITE"}, {0x10, "F_SEAL_FUTURE_WRITE"}, {0x20, "F_SEAL_EXEC"},
};

const char *strata_fd_seals_name(uint32_t seals, char *buf, size_t len)
{
    return bits_name(seal_bits, N(seal_bits), seals, buf, len);
}

static const char *const signal_names[32] = {
    [SIGHUP] = "SIGHUP",       [SIGINT] = "SIGINT",       [SIGQUIT] = "SIGQUIT",
    [SIGILL] = "SIGILL",       [SIGTRAP] = "SIGTRAP",     [SIGABRT] = "SIGABRT",
    [SIGBUS] = "SIGBUS",       [SIGFPE] = "SIGFPE",       [SIGKILL] = "SIGKILL",
    [SIGUSR1] = "SIGUSR1",     [SIGSEGV] = "SIGSEGV",     [SIGUSR2] = "SIGUSR2",
    [SIGPIPE] = "SIGPIPE",     [SIGALRM] = "SIGALRM",     [SIGTERM] = "SIGTERM",
    [SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD",     [SIGCONT] = "SIGCONT",
    [SIGSTOP] = "SIGSTOP",     [SIGTSTP] = "SIGTSTP",     [SIGTTIN] = "SIGTTIN",
    [SIGTTOU] = "SIGTTOU",     [SIGURG] = "SIGURG",       [SIGXCPU] = "SIGXCPU",
    [SIGXFSZ] = "SIGXFSZ",     [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
    [SIGWINCH] = "SIGWINCH",   [SIGIO] = "SIGIO",         [SIGPWR] = "SIGPWR",
    [SIGSYS] = "SIGSYS",
};

/* Real-time signals are named from the C library's SIGRTMIN (34 with
 * glibc, which keeps 32 and 33 for itself), as kill -l does. */
const char *strata_signal_name(int sig, char *buf, size_t len)
{
    if (sig > 0 && sig < 32 && signal_names[sig])
        return signal_names[sig];
    if (sig == SIGRTMIN)
        snprintf(buf, len, "SIGRTMIN");
    else if (sig == SIGRTMAX)
        snprintf(buf, len, "SIGRTMAX");
    else if (sig > SIGRTMIN && sig < SIGRTMAX)
        snprintf(buf, len, "SIGRTMIN+%d", sig - SIGRTMIN);
    else
        snprintf(buf, len, "SIG%d", sig);
    return buf;
}

const char *strata_fd_signals_name(uint64_t mask, char *buf, size_t len)
{
    size_t k = 0;
    if (!len)
        return "";
    buf[0] = '\0';
    for (int sig = 1; sig <= 64; sig++) {
        if (!(mask & (1ull << (sig - 1))))
            continue;
        char one[32];
        k += (size_t)snprintf(buf + k, k < len ? len - k : 0, "%s%s", k ? "|" : "",
                              strata_signal_name(sig, one, sizeof one));
    }
    if (k >= len)
        buf[len - 1] = '\0';
    return buf;
}

static const char *const clock_names[] = {
    "CLOCK_REALTIME",
    "CLOCK_MONOTONIC",
    "CLOCK_PROCESS_CPUTIME_ID",
    "CLOCK_THREAD_CPUTIME_ID",
    "CLOCK_MONOTONIC_RAW",
    "CLOCK_REALTIME_COARSE",
    "CLOCK_MONOTONIC_COARSE",
    "CLOCK_BOOTTIME",
    "CLOCK_REALTIME_ALARM",
    "CLOCK_BOOTTIME_ALARM",
    NULL,
    "CLOCK_TAI",
};

const char *strata_clock_name(int clock, char *buf, size_t len)
{
    if (clock >= 0 && clock < (int)N(clock_names) && clock_names[clock])
        return clock_names[clock];
    snprintf(buf, len, "%d", clock);
    return buf;
}

static const char *const netlink_names[] = {
    [0] = "route",          [2] = "usersock",    [3] = "firewall",        [4] = "sock_diag",
    [5] = "nflog",          [6] = "xfrm",        [7] = "selinux",         [8] = "iscsi",
    [9] = "audit",          [10] = "fib_lookup", [11] = "connector",      [12] = "netfilter",
    [13] = "ip6_fw",        [14] = "dnrtmsg",    [15] = "kobject_uevent", [16] = "generic",
    [18] = "scsitransport", [19] = "ecryptfs",   [20] = "rdma",           [21] = "crypto",
    [22] = "smc",
};

const char *fd_netlink_proto_name(unsigned proto)
{
    return proto < N(netlink_names) && netlink_names[proto] ? netlink_names[proto] : "netlink";
}
