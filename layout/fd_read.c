/*
 * fd_read.c — one process's descriptors: for each entry of /proc/PID/fd
 * its link, a stat through it and its fdinfo, decoded by type (fd_parse.c),
 * sockets looked up in their namespace's table (fd_sock.c), memfd seals,
 * inotify watch paths; then its mapped files (fd_maps.c).
 *
 * A process is read whole or not at all: its start time (stat field 22)
 * is compared before and after, so a process that exits (or whose pid is
 * reused) while being read is reported, never half-listed. A descriptor
 * closed between the listing and its readlink is simply left out: the
 * process is still there, that descriptor is not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "internal.h"

/* Reading state shared by the descriptors of one process. */
struct reader {
    struct strata_fds *set;
    pid_t pid;
    char *buf; /* fdinfo text, reused */
    size_t cap;
    struct fd_sock_table *socks; /* the process's namespace, loaded on first socket */
    bool socks_tried;
    char *mountinfo; /* loaded on the first inotify watch */
    size_t mountinfo_len;
    bool mountinfo_tried;
};

static int read_stat(pid_t pid, struct proc_stat *st)
{
    char path[64], *text;
    size_t len;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int rc = proc_sys_read_file(path, &text, &len);
    if (rc)
        return rc;
    rc = proc_parse_stat(text, len, st);
    free(text);
    return rc;
}

/* comm and the real uid ("Uid:" of status). */
static void read_identity(pid_t pid, strata_fds_proc_t *p)
{
    char path[64], *text;
    size_t len;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    if (proc_sys_read_file(path, &text, &len))
        return;
    const char *u = strstr(text, "\nUid:");
    if (u)
        p->uid = (uid_t)strtoul(u + 5, NULL, 10);
    const char *n = strncmp(text, "Name:", 5) ? strstr(text, "\nName:") : text - 1;
    if (n) {
        n += 6;
        n += strspn(n, " \t");
        size_t k = strcspn(n, "\n");
        snprintf(p->comm, sizeof p->comm, "%.*s", (int)k, n);
    }
    free(text);
}

/* Family and protocol from the kernel's protocol name, for a socket no
 * table lists ("UNIX-STREAM", "TCPv6", "NETLINK", "PACKET", ...). */
static void sock_from_protoname(const char *name, strata_fd_socket_t *s)
{
    static const struct {
        const char *name;
        unsigned family;
        const char *proto;
    } t[] = {
        {"UNIX-STREAM", STRATA_SOCK_UNIX, "stream"},
        {"UNIX", STRATA_SOCK_UNIX, "dgram"},
        {"UNIX-SEQPACKET", STRATA_SOCK_UNIX, "seqpacket"},
        {"TCP", STRATA_SOCK_INET, "tcp"},
        {"TCPv6", STRATA_SOCK_INET6, "tcp"},
        {"UDP", STRATA_SOCK_INET, "udp"},
        {"UDPv6", STRATA_SOCK_INET6, "udp"},
        {"RAW", STRATA_SOCK_INET, "raw"},
        {"RAWv6", STRATA_SOCK_INET6, "raw"},
        {"UDPLITE", STRATA_SOCK_INET, "udplite"},
        {"UDPLITEv6", STRATA_SOCK_INET6, "udplite"},
        {"PING", STRATA_SOCK_INET, "icmp"},
        {"PINGv6", STRATA_SOCK_INET6, "icmp"},
        {"NETLINK", STRATA_SOCK_NETLINK, "netlink"},
        {"PACKET", STRATA_SOCK_PACKET, "packet"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(name, t[i].name)) {
            s->family = t[i].family;
            s->proto = t[i].proto;
            return;
        }
}

static void decode_socket(struct reader *r, strata_fd_t *fd, const char *fdpath)
{
    if (!r->socks_tried) {
        r->socks = fd_sock_table_of(r->set, r->pid);
        r->socks_tried = true;
    }
    const struct fd_sock_entry *e = fd_sock_find(r->socks, fd->ino);
    if (e) {
        fd->sock = e->s;
        return;
    }
    char name[64];
    if (!fd_sys_sockprotoname(fdpath, name, sizeof name)) {
        sock_from_protoname(name, &fd->sock);
        if (!fd->sock.proto)
            fd->sock.proto = layout_pool_strdup(&r->set->pool, name, strlen(name));
    }
}

/* An inotify watch's path through its file handle, where permitted. */
static void watch_path(struct reader *r, strata_fd_inotify_watch_t *w, const struct fd_handle *h)
{
    if (!h->len)
        return;
    if (!r->mountinfo_tried) {
        char path[64];
        size_t cap = 0;
        snprintf(path, sizeof path, "/proc/%d/mountinfo", (int)r->pid);
        if (fd_sys_read(path, &r->mountinfo, &cap, &r->mountinfo_len))
            r->mountinfo_len = 0;
        r->mountinfo_tried = true;
    }
    char mp[4096], out[4096];
    if (fd_parse_mount_point(r->mountinfo ? r->mountinfo : "", r->mountinfo_len, w->dev_major,
                             w->dev_minor, mp, sizeof mp) ||
        fd_sys_handle_path(r->pid, mp, h, out, sizeof out))
        return;
    w->path = layout_pool_strdup(&r->set->pool, out, strlen(out));
}

/* Moves what the fdinfo parser collected into the pool. */
static int keep_fdinfo(struct reader *r, strata_fd_t *fd, struct fd_fdinfo *fi)
{
    struct proc_pool_chunk **pool = &r->set->pool;
    if (fi->ntargets) {
        strata_fd_epoll_target_t *t = layout_pool_alloc(pool, fi->ntargets * sizeof *t);
        if (!t)
            return -ENOMEM;
        memcpy(t, fi->targets, fi->ntargets * sizeof *t);
        fd->targets = t;
        fd->ntargets = fi->ntargets;
    }
    if (fi->nwatches) {
        strata_fd_inotify_watch_t *w = layout_pool_alloc(pool, fi->nwatches * sizeof *w);
        if (!w)
            return -ENOMEM;
        memcpy(w, fi->watches, fi->nwatches * sizeof *w);
        for (size_t i = 0; i < fi->nwatches; i++)
            watch_path(r, &w[i], &fi->handles[i]);
        fd->watches = w;
        fd->nwatches = fi->nwatches;
    }
    if (fi->ninfo) {
        strata_fd_info_line_t *l = layout_pool_alloc(pool, fi->ninfo * sizeof *l);
        if (!l)
            return -ENOMEM;
        for (size_t i = 0; i < fi->ninfo; i++) {
            l[i].name = layout_pool_strdup(pool, fi->info[i].name, strlen(fi->info[i].name));
            l[i].value = layout_pool_strdup(pool, fi->info[i].value, strlen(fi->info[i].value));
            if (!l[i].name || !l[i].value)
                return -ENOMEM;
        }
        fd->info = l;
        fd->ninfo = fi->ninfo;
    }
    return 0;
}

static int read_fdinfo(struct reader *r, strata_fd_t *fd)
{
    char path[64];
    size_t len;
    snprintf(path, sizeof path, "/proc/%d/fdinfo/%d", (int)r->pid, fd->fd);
    int rc = fd_sys_read(path, &r->buf, &r->cap, &len);
    if (rc)
        return rc;
    struct fd_fdinfo fi = {0};
    rc = fd_parse_fdinfo(r->buf, len, fd, &fi);
    if (!rc)
        rc = keep_fdinfo(r, fd, &fi);
    fd_fdinfo_free(&fi);
    return rc;
}

/* The path-like fields of files, directories, devices, FIFOs and memfds. */
static void path_fields(strata_fd_t *fd, struct proc_pool_chunk **pool)
{
    static const char del[] = " (deleted)";
    size_t n = strlen(fd->link), d = sizeof del - 1;
    fd->path = fd->link;
    fd->deleted = n > d && !strcmp(fd->link + n - d, del);
    if (fd->type == STRATA_FD_MEMFD) {
        size_t k = n - 7 - (fd->deleted ? d : 0);
        fd->memfd_name = layout_pool_strdup(pool, fd->link + 7, k);
    }
}

static void stat_fields(strata_fd_t *fd, const struct stat *st)
{
    fd->dev_major = major(st->st_dev);
    fd->dev_minor = minor(st->st_dev);
    fd->ino = st->st_ino;
    fd->size = (uint64_t)st->st_size;
    fd->mode = st->st_mode;
    if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
        fd->rdev_major = major(st->st_rdev);
        fd->rdev_minor = minor(st->st_rdev);
    }
}

/* One descriptor: 0 (filled), 1 (closed meanwhile: leave it out) or -errno. */
static int read_one(struct reader *r, int num, strata_fd_t *fd)
{
    char path[64], link[4200];
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)r->pid, num);
    int rc = fd_sys_readlink(path, link, sizeof link);
    if (rc == -ENOENT)
        return 1;
    if (rc)
        return rc;
    memset(fd, 0, sizeof *fd);
    fd->fd = num;
    fd->path = fd->memfd_name = "";
    fd->seals = fd->eventfd_semaphore = fd->eventfd_id = fd->sock.state = -1;
    fd->sock.proto = NULL;
    fd->link = layout_pool_strdup(&r->set->pool, link, strlen(link));
    if (!fd->link)
        return -ENOMEM;
    struct stat st;
    if (fd_sys_stat(path, &st) == 0)
        stat_fields(fd, &st);
    uint64_t ino = 0;
    const char *anon;
    fd->type = fd_parse_link(fd->link, fd->mode, &ino, &anon);
    fd->anon_name = anon;
    if (ino)
        fd->ino = ino;
    rc = read_fdinfo(r, fd);
    if (rc == -ENOENT)
        return 1;
    if (rc)
        return rc;
    return 0;
}

/* What only some types need, once the common fields are in. */
static void decode_type(struct reader *r, strata_fd_t *fd)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)r->pid, fd->fd);
    switch (fd->type) {
    case STRATA_FD_FILE:
    case STRATA_FD_DIR:
    case STRATA_FD_DEVICE:
    case STRATA_FD_MEMFD:
        fd->has_pos = 1;
        path_fields(fd, &r->set->pool);
        if (fd->type == STRATA_FD_MEMFD) {
            int seals = fd_sys_memfd_seals(r->pid, fd->fd);
            fd->seals = seals >= 0 ? seals : -1;
        }
        break;
    case STRATA_FD_FIFO:
        path_fields(fd, &r->set->pool);
        break;
    case STRATA_FD_SOCKET:
        if (fd->link[0] == '/')
            path_fields(fd, &r->set->pool);
        decode_socket(r, fd, path);
        break;
    default:
        break;
    }
    if (!fd->sock.proto)
        fd->sock.proto = fd->sock.local = fd->sock.remote = fd->sock.source = "";
}

static int by_fd(const void *a, const void *b)
{
    int x = ((const strata_fd_t *)a)->fd, y = ((const strata_fd_t *)b)->fd;
    return (x > y) - (x < y);
}

static int permission(strata_err_t *err, pid_t pid, const char *what)
{
    return proc_fail(err, -EACCES,
                     "permission denied reading /proc/%d/%s (need ptrace access: same user or "
                     "CAP_SYS_PTRACE)",
                     (int)pid, what);
}

static int gone(strata_err_t *err, pid_t pid)
{
    return proc_fail(err, -ESRCH, "process %d exited while its descriptors were being read",
                     (int)pid);
}

/* Every descriptor listed: read, decoded, sorted. */
static int read_fds(struct reader *r, const int *nums, size_t n, strata_fds_proc_t *out,
                    strata_err_t *err)
{
    strata_fd_t *v = n ? layout_pool_alloc(&r->set->pool, n * sizeof *v) : NULL;
    if (n && !v)
        return proc_fail(err, -ENOMEM, "out of memory for %zu descriptors", n);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = read_one(r, nums[i], &v[k]);
        if (rc == -EACCES || rc == -EPERM)
            return permission(err, r->pid, "fd");
        if (rc == -ESRCH)
            return gone(err, r->pid);
        if (rc < 0)
            return proc_fail(err, rc, "reading /proc/%d/fd/%d: %s", (int)r->pid, nums[i],
                             strerror(-rc));
        if (rc == 0)
            decode_type(r, &v[k++]);
    }
    if (k)
        qsort(v, k, sizeof *v, by_fd);
    out->fds = v;
    out->nfds = k;
    return 0;
}

static int list_fds(pid_t pid, int **nums, size_t *n, strata_err_t *err)
{
    int rc = fd_sys_list(pid, nums, n);
    if (rc == -EACCES || rc == -EPERM)
        return permission(err, pid, "fd");
    if (rc == -ENOENT || rc == -ESRCH)
        return proc_fail(err, -ESRCH, "no such process");
    return rc ? proc_fail(err, rc, "listing /proc/%d/fd: %s", (int)pid, strerror(-rc)) : 0;
}

#define PF_EXITING 0x4u /* stat field 9: the task is in do_exit (its files go next) */

static bool leaving(const struct proc_stat *st)
{
    return st->state == 'Z' || st->state == 'X' || (st->flags & PF_EXITING);
}

/* Where to read from: the process itself, or, when its leader thread has
 * exited while others run, a live thread (/proc/TID/fd is the process's
 * table). 0 when nothing is left to read. */
static pid_t read_through(pid_t pid, const struct proc_stat *st)
{
    return leaving(st) ? proc_live_thread(pid) : pid;
}

/* Still there, the same process, and not exiting: nothing it held was
 * closed by its exit while it was being read (PF_EXITING is set before
 * the kernel closes an exiting task's files). */
static bool still_there(pid_t pid, pid_t via, const struct proc_stat *before)
{
    struct proc_stat after, t;
    if (read_stat(pid, &after) || after.start_time != before->start_time)
        return false;
    if (via == pid)
        return !leaving(&after);
    return read_stat(via, &t) == 0 && !leaving(&t);
}

int fd_read_proc(struct strata_fds *set, pid_t pid, unsigned flags, strata_fds_proc_t *out,
                 strata_err_t *err)
{
    struct proc_stat before;
    memset(out, 0, sizeof *out);
    out->pid = pid;
    if (read_stat(pid, &before))
        return proc_fail(err, -ESRCH, "no such process");
    read_identity(pid, out);
    pid_t via = read_through(pid, &before);
    if (!via)
        return proc_fail(err, -ENODATA,
                         "process %d is a zombie (exited, not yet reaped): its descriptors are "
                         "closed",
                         (int)pid);
    int *nums = NULL;
    size_t n = 0;
    int rc = list_fds(via, &nums, &n, err);
    if (rc)
        return rc;
    struct reader r = {.set = set, .pid = via};
    rc = read_fds(&r, nums, n, out, err);
    free(nums);
    free(r.buf);
    free(r.mountinfo);
    if (rc)
        return rc;
    fd_epoll_stale(via, out);
    if (!(flags & STRATA_FDS_NO_MAPPINGS))
        out->maps_error = fd_maps_read(set, via, out);
    return still_there(pid, via, &before) ? 0 : gone(err, pid);
}
