/*
 * fd_set.c — a set of processes' descriptors, the public face of the
 * descriptor reader: one process (strata_fds_pid) or every process the
 * caller may read (strata_fds_all), then the peer lookup over the set
 * (and, for one process, over every other process of the machine), and
 * the accessors. Everything the accessors return lives in the set's pool.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static struct strata_fds *set_new(void)
{
    struct strata_fds *set = calloc(1, sizeof *set);
    if (set)
        set->own_netns = fd_sys_netns(proc_sys_getpid());
    return set;
}

/* A fresh slot at the end of procs (not counted until kept). */
static strata_fds_proc_t *slot(struct strata_fds *set)
{
    if (set->nprocs == set->cap_procs) {
        size_t cap = set->cap_procs ? set->cap_procs * 2 : 64;
        strata_fds_proc_t *v = realloc(set->procs, cap * sizeof *v);
        if (!v)
            return NULL;
        set->procs = v;
        set->cap_procs = cap;
    }
    return &set->procs[set->nprocs];
}

static int finish(struct strata_fds *set, unsigned flags, bool scan_machine, strata_fds_t **out,
                  strata_err_t *err)
{
    set->info.processes = set->nprocs;
    int rc = flags & STRATA_FDS_NO_PEERS ? 0 : fd_peers_resolve(set, scan_machine);
    if (rc) {
        strata_fds_close(set);
        return proc_fail(err, rc, "out of memory looking up peers");
    }
    *out = set;
    return 0;
}

int strata_fds_pid(pid_t pid, unsigned flags, strata_fds_t **out, strata_err_t *err)
{
    if (!out || pid < 0)
        return proc_fail(err, -EINVAL, "invalid argument");
    *out = NULL;
    struct strata_fds *set = set_new();
    strata_fds_proc_t *p = set ? slot(set) : NULL;
    if (!p) {
        strata_fds_close(set);
        return proc_fail(err, -ENOMEM, "out of memory");
    }
    int rc = fd_read_proc(set, pid ? pid : proc_sys_getpid(), flags, p, err);
    if (rc) {
        strata_fds_close(set);
        return rc;
    }
    set->nprocs = 1;
    return finish(set, flags, true, out, err);
}

static int by_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

int strata_fds_all(unsigned flags, strata_fds_t **out, strata_err_t *err)
{
    if (!out)
        return proc_fail(err, -EINVAL, "invalid argument");
    *out = NULL;
    pid_t *pids;
    size_t n;
    int rc = fd_sys_pids(&pids, &n);
    if (rc)
        return proc_fail(err, rc, "cannot list /proc: %s", strerror(-rc));
    if (n)
        qsort(pids, n, sizeof *pids, by_pid);
    struct strata_fds *set = set_new();
    bool oom = !set;
    for (size_t i = 0; !oom && i < n; i++) {
        strata_fds_proc_t *p = slot(set);
        rc = p ? fd_read_proc(set, pids[i], flags, p, NULL) : -ENOMEM;
        if (rc == 0)
            set->nprocs++;
        else if (rc == -ESRCH || rc == -ENODATA)
            set->info.exited++; /* gone, or a zombie, by the time it was read */
        else if (rc == -ENOMEM)
            oom = true;
        else
            set->info.unreadable++; /* -EACCES, or /proc text it could not take */
    }
    free(pids);
    if (oom) {
        strata_fds_close(set);
        return proc_fail(err, -ENOMEM, "out of memory");
    }
    return finish(set, flags, false, out, err);
}

void strata_fds_close(strata_fds_t *set)
{
    if (!set)
        return;
    fd_sock_tables_free(set);
    free(set->holders.v);
    free(set->procs);
    layout_pool_free(&set->pool);
    free(set);
}

const strata_fds_info_t *strata_fds_info(const strata_fds_t *set)
{
    return &set->info;
}

size_t strata_fds_process_count(const strata_fds_t *set)
{
    return set->nprocs;
}

const strata_fds_proc_t *strata_fds_process(const strata_fds_t *set, size_t i)
{
    return i < set->nprocs ? &set->procs[i] : NULL;
}
