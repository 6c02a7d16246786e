/*
 * fd_sys.c — every system call the descriptor reader makes: listing
 * /proc/PID/fd and /proc, readlink, stat, reading fdinfo and /proc/net
 * text, the socket protocol name xattr, memfd seals through a reopened
 * /proc/PID/fd link, inotify paths through open_by_handle_at, and netlink
 * sock_diag dumps.
 *
 * Error rule: 0 (or a count) on success, -errno on failure; never -1.
 * Unlike proc_sys.c, ENOENT is kept: under /proc/PID/fd it means that one
 * descriptor was closed, which is not the whole process going away.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "internal.h"

#ifndef F_GET_SEALS
#define F_GET_SEALS 1034
#endif

int fd_sys_list(pid_t pid, int **fds, size_t *n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    return proc_sys_numbers(path, fds, n);
}

int fd_sys_pids(pid_t **pids, size_t *n)
{
    int *v;
    int rc = proc_sys_numbers("/proc", &v, n);
    if (!rc)
        *pids = (pid_t *)v; /* pid_t is int on Linux */
    return rc;
}

int fd_sys_readlink(const char *path, char *buf, size_t cap)
{
    ssize_t r = readlink(path, buf, cap);
    if (r < 0)
        return -errno;
    if ((size_t)r >= cap)
        return -ENAMETOOLONG;
    buf[r] = '\0';
    return 0;
}

int fd_sys_stat(const char *path, struct stat *st)
{
    return stat(path, st) ? -errno : 0;
}

int fd_sys_read(const char *path, char **buf, size_t *cap, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t n = 0;
    int rc = 0;
    for (;;) {
        if (*cap - n < 4096) {
            size_t c = *cap ? *cap * 2 : 16384;
            char *b = c < *cap ? NULL : realloc(*buf, c);
            if (!b) {
                rc = -ENOMEM;
                break;
            }
            *buf = b;
            *cap = c;
        }
        ssize_t r = read(fd, *buf + n, *cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = -errno;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (!rc) {
        (*buf)[n] = '\0';
        *len = n;
    }
    return rc;
}

/* "TCP", "UDPv6", "UNIX-STREAM", "NETLINK", ...: the socket's protocol
 * name, readable without access to the socket itself. */
int fd_sys_sockprotoname(const char *path, char *buf, size_t cap)
{
    ssize_t r = getxattr(path, "system.sockprotoname", buf, cap - 1);
    if (r < 0)
        return -errno;
    buf[r] = '\0';
    return 0;
}

/* Reopening /proc/PID/fd/FD gives a new open file of the same memfd
 * (needs ptrace access); its seals belong to the inode. */
int fd_sys_memfd_seals(pid_t pid, int fd)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, fd);
    int f = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (f < 0)
        return -errno;
    int seals = fcntl(f, F_GET_SEALS);
    int rc = seals < 0 ? -errno : seals;
    close(f);
    return rc;
}

/* The path of an inotify watch: open_by_handle_at (CAP_DAC_READ_SEARCH) on
 * a descriptor of the watched file system, seen from the process's root. */
int fd_sys_handle_path(pid_t pid, const char *mount_point, const struct fd_handle *h, char *out,
                       size_t cap)
{
    char path[4200];
    snprintf(path, sizeof path, "/proc/%d/root%s", (int)pid, mount_point);
    /* open_by_handle_at refuses an O_PATH mount_fd here (EBADF) */
    int mfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (mfd < 0)
        return -errno;
    union {
        struct file_handle fh;
        char space[sizeof(struct file_handle) + sizeof h->bytes];
    } u;
    u.fh.handle_bytes = h->len;
    u.fh.handle_type = h->type;
    memcpy(u.fh.f_handle, h->bytes, h->len);
    int f = open_by_handle_at(mfd, &u.fh, O_PATH | O_CLOEXEC);
    int rc = f < 0 ? -errno : 0;
    close(mfd);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "/proc/self/fd/%d", f);
    rc = fd_sys_readlink(path, out, cap);
    close(f);
    return rc;
}

/* Walks the messages of one received buffer; 1 at NLMSG_DONE. */
static int walk(const char *buf, size_t n, int (*fn)(const void *, size_t, void *), void *arg)
{
    for (const struct nlmsghdr *h = (const void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
        if (h->nlmsg_type == NLMSG_DONE)
            return 1;
        if (h->nlmsg_type == NLMSG_ERROR) {
            const struct nlmsgerr *e = NLMSG_DATA(h);
            return h->nlmsg_len >= NLMSG_LENGTH(sizeof *e) && e->error ? e->error : -EPROTO;
        }
        int rc = fn(NLMSG_DATA(h), h->nlmsg_len - NLMSG_HDRLEN, arg);
        if (rc)
            return rc;
    }
    return 0;
}

int fd_sys_sock_diag(const void *req, size_t len, int (*fn)(const void *, size_t, void *),
                     void *arg)
{
    int s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (s < 0)
        return -errno;
    struct {
        struct nlmsghdr h;
        char body[128];
    } msg = {.h = {.nlmsg_len = (uint32_t)NLMSG_LENGTH(len),
                   .nlmsg_type = SOCK_DIAG_BY_FAMILY,
                   .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
                   .nlmsg_seq = 1}};
    memcpy(msg.body, req, len < sizeof msg.body ? len : sizeof msg.body);
    struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
    int rc = 0;
    if (sendto(s, &msg, msg.h.nlmsg_len, 0, (struct sockaddr *)&nl, sizeof nl) < 0)
        rc = -errno;
    size_t cap = 65536; /* a dump answers in messages of up to a page or so each */
    char *buf = malloc(cap);
    if (!buf)
        rc = -ENOMEM;
    while (!rc) {
        ssize_t r = recv(s, buf, cap, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = r < 0 ? -errno : -EPROTO;
            break;
        }
        rc = walk(buf, (size_t)r, fn, arg);
    }
    free(buf);
    close(s);
    return rc == 1 ? 0 : rc;
}

/* Whether watched descriptor tfd of epoll set efd (the toff-th entry with
 * that number) is the file now open as tfd in pid: kcmp(KCMP_EPOLL_TFD),
 * which compares the files themselves (inodes of anonymous files are
 * shared, so an inode cannot tell). 0 same, 1 different or not open, or
 * -errno (-ENOSYS without CONFIG_KCMP, -EPERM without ptrace access). */
int fd_sys_epoll_target_is(pid_t pid, int efd, int tfd, unsigned toff)
{
    struct {
        uint32_t efd, tfd, toff;
    } slot = {(uint32_t)efd, (uint32_t)tfd, toff};
    long r = syscall(SYS_kcmp, pid, pid, 7 /* KCMP_EPOLL_TFD */, (unsigned long)tfd,
                     (unsigned long)&slot);
    if (r == 0)
        return 0;
    if (r > 0 || errno == EBADF)
        return 1; /* another file, or nothing, is open under that number */
    return -errno;
}

/* The inode of pid's network namespace (0 when it cannot be read). */
uint64_t fd_sys_netns(pid_t pid)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
    return stat(path, &st) ? 0 : (uint64_t)st.st_ino;
}
