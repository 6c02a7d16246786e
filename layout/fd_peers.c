/*
 * fd_peers.c — who else holds a pipe, FIFO or Unix socket, and which epoll
 * registrations outlived their descriptor.
 *
 * Peers: every descriptor on the machine that holds a pipe or socket says
 * so in its link ("pipe:[INODE]", "socket:[INODE]"), so one pass of
 * readlinks over every process's /proc/PID/fd (those the caller may read)
 * finds them; FIFOs are matched by path, then confirmed by device and
 * inode. The processes of the set itself are taken from what was read.
 * Holders are sorted by (kind, device, inode), and each pipe's peers are
 * its equal range. A Unix socket's peer is the holder of the peer inode
 * sock_diag reported.
 *
 * Stale epoll targets: a "tfd:" line names the descriptor number a file
 * was added under; when the number is closed, or now names another file,
 * the registration is stale (the kernel keeps it until the file itself is
 * released, a classic bug). kcmp(KCMP_EPOLL_TFD) compares the very files;
 * where it is not available, the inode and device of the line are compared
 * with the descriptor's (which cannot tell two anonymous files apart).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "internal.h"

static const strata_fd_t *find_fd(const strata_fds_proc_t *p, int num)
{
    size_t lo = 0, hi = p->nfds;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->fds[mid].fd == num)
            return &p->fds[mid];
        if (p->fds[mid].fd < num)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* By inode and device, when kcmp cannot compare the files themselves. */
static bool stale_by_inode(const strata_fds_proc_t *p, const strata_fd_epoll_target_t *t)
{
    const strata_fd_t *f = find_fd(p, t->fd);
    bool same_dev =
        !f || !f->mode || (f->dev_major == t->dev_major && f->dev_minor == t->dev_minor);
    return !f || f->ino != t->ino || !same_dev;
}

void fd_epoll_stale(pid_t pid, strata_fds_proc_t *p)
{
    for (size_t i = 0; i < p->nfds; i++) {
        const strata_fd_t *e = &p->fds[i];
        for (size_t k = 0; k < e->ntargets; k++) {
            strata_fd_epoll_target_t *t = (strata_fd_epoll_target_t *)&e->targets[k];
            unsigned toff = 0; /* earlier entries under the same number, in the kernel's order */
            for (size_t m = 0; m < k; m++)
                toff += e->targets[m].fd == t->fd;
            int same = fd_sys_epoll_target_is(pid, e->fd, t->fd, toff);
            t->stale = same < 0 ? stale_by_inode(p, t) : same == 1;
        }
    }
}

/* ---- the holder index ---------------------------------------------------- */

static uint32_t dev_of(uint32_t maj, uint32_t min)
{
    return (uint32_t)makedev(maj, min);
}

static int add_holder(struct fd_holders *h, struct fd_holder x)
{
    if (!layout_grow((void **)&h->v, h->n, &h->cap, sizeof *h->v, 1024))
        return -ENOMEM;
    h->v[h->n++] = x;
    return 0;
}

static int cmp_holder(const void *a, const void *b)
{
    const struct fd_holder *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    if (x->ino != y->ino)
        return x->ino < y->ino ? -1 : 1;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    return (x->fd > y->fd) - (x->fd < y->fd);
}

/* The holders of the set's own processes, from what was read. */
static int holders_of_set(struct strata_fds *set)
{
    for (size_t i = 0; i < set->nprocs; i++) {
        const strata_fds_proc_t *p = &set->procs[i];
        for (size_t k = 0; k < p->nfds; k++) {
            const strata_fd_t *f = &p->fds[k];
            struct fd_holder x = {
                .ino = f->ino, .pid = p->pid, .fd = f->fd, .access = (int)(f->flags & O_ACCMODE)};
            if (f->type == STRATA_FD_PIPE)
                x.kind = 'p';
            else if (f->type == STRATA_FD_SOCKET && f->link[0] != '/')
                x.kind = 's';
            else if (f->type == STRATA_FD_FIFO)
                x.kind = 'f', x.dev = dev_of(f->dev_major, f->dev_minor);
            else
                continue;
            if (add_holder(&set->holders, x))
                return -ENOMEM;
        }
    }
    return 0;
}

static bool in_set(const struct strata_fds *set, pid_t pid)
{
    size_t lo = 0, hi = set->nprocs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (set->procs[mid].pid == pid)
            return true;
        if (set->procs[mid].pid < pid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The paths of the set's FIFOs, sorted (others are matched against them). */
static const char **fifo_paths(const struct strata_fds *set, size_t *n)
{
    size_t cnt = 0;
    for (size_t i = 0; i < set->nprocs; i++)
        for (size_t k = 0; k < set->procs[i].nfds; k++)
            cnt += set->procs[i].fds[k].type == STRATA_FD_FIFO;
    const char **v = malloc((cnt ? cnt : 1) * sizeof *v);
    if (!v)
        return NULL;
    *n = 0;
    for (size_t i = 0; i < set->nprocs; i++)
        for (size_t k = 0; k < set->procs[i].nfds; k++)
            if (set->procs[i].fds[k].type == STRATA_FD_FIFO)
                v[(*n)++] = set->procs[i].fds[k].link;
    qsort(v, *n, sizeof *v, cmp_str);
    return v;
}

/* One link of another process: a holder when it is a pipe, a socket or one
 * of the set's FIFOs. */
static int scan_link(struct strata_fds *set, pid_t pid, int num, const char **fifos, size_t nfifos)
{
    char path[64], link[4200];
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, num);
    if (fd_sys_readlink(path, link, sizeof link))
        return 0;
    struct fd_holder x = {.pid = pid, .fd = num, .access = -1};
    const char *anon, *key = link;
    unsigned type = fd_parse_link(link, 0, &x.ino, &anon);
    if (type == STRATA_FD_PIPE || type == STRATA_FD_SOCKET) {
        x.kind = type == STRATA_FD_PIPE ? 'p' : 's';
    } else if (link[0] == '/' && nfifos && bsearch(&key, fifos, nfifos, sizeof *fifos, cmp_str)) {
        struct stat st;
        if (fd_sys_stat(path, &st) || !S_ISFIFO(st.st_mode))
            return 0;
        x.kind = 'f';
        x.dev = dev_of(major(st.st_dev), minor(st.st_dev));
        x.ino = st.st_ino;
    } else {
        return 0;
    }
    return add_holder(&set->holders, x);
}

/* Every other process of the machine: links only. */
static int holders_of_machine(struct strata_fds *set)
{
    pid_t *pids;
    size_t npids, nfifos = 0;
    int rc = fd_sys_pids(&pids, &npids);
    if (rc)
        return rc;
    const char **fifos = fifo_paths(set, &nfifos);
    if (!fifos) {
        free(pids);
        return -ENOMEM;
    }
    for (size_t i = 0; !rc && i < npids; i++) {
        int *nums;
        size_t n;
        if (in_set(set, pids[i]))
            continue;
        int lr = fd_sys_list(pids[i], &nums, &n);
        if (lr == -EACCES || lr == -EPERM)
            set->holders.unreadable++;
        if (lr)
            continue;
        for (size_t k = 0; !rc && k < n; k++)
            rc = scan_link(set, pids[i], nums[k], fifos, nfifos);
        free(nums);
    }
    free(fifos);
    free(pids);
    return rc;
}

/* ---- peers ------------------------------------------------------------------ */

/* The first holder of (kind, dev, ino), by binary search; NULL when none. */
static struct fd_holder *first_holder(struct fd_holders *h, char kind, uint32_t dev, uint64_t ino)
{
    struct fd_holder key = {.kind = kind, .dev = dev, .ino = ino, .pid = 0, .fd = -1};
    size_t lo = 0, hi = h->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_holder(&h->v[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    struct fd_holder *x = lo < h->n ? &h->v[lo] : NULL;
    return x && x->kind == kind && x->dev == dev && x->ino == ino ? x : NULL;
}

/* A holder's access mode and command name, read when first needed. */
static void fill_peer(struct strata_fds *set, struct fd_holder *x, strata_fd_peer_t *out)
{
    char path[64], *text;
    size_t len;
    memset(out, 0, sizeof *out);
    out->pid = x->pid;
    out->fd = x->fd;
    if (x->access < 0) {
        snprintf(path, sizeof path, "/proc/%d/fdinfo/%d", (int)x->pid, x->fd);
        if (!proc_sys_read_file(path, &text, &len)) {
            const char *f = strstr(text, "flags:");
            x->access = f ? (int)(strtoul(f + 6, NULL, 8) & O_ACCMODE) : -1;
            free(text);
        }
    }
    out->access = x->access;
    for (size_t i = 0; i < set->nprocs; i++)
        if (set->procs[i].pid == x->pid) {
            snprintf(out->comm, sizeof out->comm, "%.15s", set->procs[i].comm);
            return;
        }
    snprintf(path, sizeof path, "/proc/%d/comm", (int)x->pid);
    if (!proc_sys_read_file(path, &text, &len)) {
        text[strcspn(text, "\n")] = '\0';
        snprintf(out->comm, sizeof out->comm, "%.15s", text);
        free(text);
    }
}

/* Every other holder of what fd holds. */
static int pipe_peers(struct strata_fds *set, pid_t pid, strata_fd_t *f, char kind, uint32_t dev)
{
    struct fd_holder *x = first_holder(&set->holders, kind, dev, f->ino);
    struct fd_holder *end = set->holders.v + set->holders.n;
    size_t n = 0;
    for (struct fd_holder *y = x;
         y && y < end && y->kind == kind && y->dev == dev && y->ino == f->ino; y++)
        n += !(y->pid == pid && y->fd == f->fd);
    if (!n)
        return 0;
    strata_fd_peer_t *v = layout_pool_alloc(&set->pool, n * sizeof *v);
    if (!v)
        return -ENOMEM;
    size_t k = 0;
    for (struct fd_holder *y = x; k < n; y++)
        if (!(y->pid == pid && y->fd == f->fd))
            fill_peer(set, y, &v[k++]);
    f->peers = v;
    f->npeers = n;
    return 0;
}

static int resolve_proc(struct strata_fds *set, strata_fds_proc_t *p)
{
    for (size_t k = 0; k < p->nfds; k++) {
        strata_fd_t *f = (strata_fd_t *)&p->fds[k];
        int rc = 0;
        if (f->type == STRATA_FD_PIPE)
            rc = pipe_peers(set, p->pid, f, 'p', 0);
        else if (f->type == STRATA_FD_FIFO)
            rc = pipe_peers(set, p->pid, f, 'f', dev_of(f->dev_major, f->dev_minor));
        else if (f->type == STRATA_FD_SOCKET && f->sock.peer_ino) {
            struct fd_holder *x = first_holder(&set->holders, 's', 0, f->sock.peer_ino);
            if (x)
                fill_peer(set, x, &f->sock.peer);
        }
        if (rc)
            return rc;
    }
    return 0;
}

int fd_peers_resolve(struct strata_fds *set, bool scan_machine)
{
    int rc = holders_of_set(set);
    if (!rc && scan_machine)
        rc = holders_of_machine(set);
    if (rc)
        return rc;
    if (set->holders.n)
        qsort(set->holders.v, set->holders.n, sizeof *set->holders.v, cmp_holder);
    for (size_t i = 0; !rc && i < set->nprocs; i++)
        rc = resolve_proc(set, &set->procs[i]);
    set->info.peers = 1;
    set->info.peer_scan_unreadable = set->holders.unreadable;
    return rc;
}
