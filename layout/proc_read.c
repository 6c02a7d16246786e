/*
 * proc_read.c — reading a live process: stat, smaps, smaps_rollup,
 * limits, exe and each thread's stack pointer, with the races a live
 * process brings.
 *
 * A process whose leader thread has exited while others run shows the
 * leader as a zombie with empty maps; it is read through a live thread's
 * task/TID/ files instead.
 *
 * Policy: a result is whole or it is an error. The process is identified by
 * pid AND start time (stat field 22); if it is gone, a zombie, or a
 * different process (pid reused) by the end of the read, the read fails
 * with -ESRCH/-ENODATA instead of returning what was half-read. smaps is
 * read before smaps_rollup and their sums compared; a process that changed
 * in between is read again (a few times) so that the totals shown are the
 * totals of the mappings shown.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PF_KTHREAD 0x00200000ull
#define SMAPS_TRIES 6

static int read_proc(pid_t pid, const char *what, char **text, size_t *len)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, what);
    return proc_sys_read_file(path, text, len);
}

/* The message every reader error gets: what could not be read and why. */
static int read_error(strata_err_t *err, int rc, pid_t pid, const char *what)
{
    if (rc == -EACCES || rc == -EPERM)
        return proc_fail(err, rc,
                         "permission denied reading /proc/%d/%s (need ptrace access: "
                         "same user or CAP_SYS_PTRACE)",
                         (int)pid, what);
    if (rc == -ESRCH) /* it was there when its stat was read */
        return proc_fail(err, rc, "process %d exited while being read (/proc/%d/%s vanished)",
                         (int)pid, (int)pid, what);
    if (rc == -ENOMEM)
        return proc_fail(err, rc, "out of memory reading /proc/%d/%s", (int)pid, what);
    return proc_fail(err, rc, "cannot read /proc/%d/%s: %s", (int)pid, what, strerror(-rc));
}

static int read_stat(pid_t pid, struct proc_stat *st, strata_err_t *err)
{
    char *text;
    size_t len;
    int rc = read_proc(pid, "stat", &text, &len);
    if (rc)
        return read_error(err, rc, pid, "stat");
    rc = proc_parse_stat(text, len, st);
    free(text);
    if (rc)
        return proc_fail(err, -EIO, "/proc/%d/stat: unparsable", (int)pid);
    return 0;
}

/* A process that cannot have a layout now: zombie or kernel thread. */
static int check_alive(pid_t pid, const struct proc_stat *st, strata_err_t *err)
{
    if (st->state == 'Z' || st->state == 'X')
        return proc_fail(err, -ENODATA,
                         "process %d is a zombie (exited, not yet reaped): no memory left",
                         (int)pid);
    if (st->flags & PF_KTHREAD)
        return proc_fail(err, -ENODATA, "process %d is a kernel thread: no user address space",
                         (int)pid);
    return 0;
}

/* The fields that must be equal between the sum of smaps and the rollup
 * (Pss is rounded per mapping by the kernel, so it is not among them). */
static bool sums_match(const struct strata_layout *lay)
{
    strata_smaps_t sum = {0};
    for (size_t i = 0; i < lay->nmaps; i++) {
        const strata_smaps_t *s = &lay->maps[i].smaps;
        sum.rss += s->rss;
        sum.shared_clean += s->shared_clean;
        sum.shared_dirty += s->shared_dirty;
        sum.private_clean += s->private_clean;
        sum.private_dirty += s->private_dirty;
        sum.anonymous += s->anonymous;
        sum.swap += s->swap;
        sum.locked += s->locked;
    }
    const strata_smaps_t *r = &lay->rollup;
    return sum.rss == r->rss && sum.shared_clean == r->shared_clean &&
           sum.shared_dirty == r->shared_dirty && sum.private_clean == r->private_clean &&
           sum.private_dirty == r->private_dirty && sum.anonymous == r->anonymous &&
           sum.swap == r->swap && sum.locked == r->locked;
}

static void drop_maps(struct strata_layout *lay)
{
    lay->nmaps = 0; /* their pool strings stay until close: bounded by SMAPS_TRIES */
}

/* The file `file` of the process, through thread `via` when it is not 0
 * (the leader is a zombie but other threads still run: its own maps are
 * empty, those of a live thread are the process's). */
static const char *via_path(char *buf, size_t cap, pid_t via, const char *file)
{
    if (!via)
        return file;
    snprintf(buf, cap, "task/%d/%s", (int)via, file);
    return buf;
}

static int read_smaps_once(struct strata_layout *lay, pid_t pid, pid_t via, strata_err_t *err)
{
    char *text, w1[64], w2[64];
    const char *smaps = via_path(w1, sizeof w1, via, "smaps");
    const char *rollup = via_path(w2, sizeof w2, via, "smaps_rollup");
    size_t len;
    drop_maps(lay);
    int rc = read_proc(pid, smaps, &text, &len);
    if (rc)
        return read_error(err, rc, pid, smaps);
    strata_err_t perr;
    rc = proc_parse_smaps(lay, text, len, &perr);
    free(text);
    if (rc == -ENOMEM)
        return proc_fail(err, rc, "out of memory reading /proc/%d/smaps", (int)pid);
    if (rc)
        return proc_fail(err, -EIO, "/proc/%d/smaps: %s", (int)pid, perr.msg);
    if (lay->nmaps == 0)
        return 0; /* exited or exiting: the caller decides which */
    rc = read_proc(pid, rollup, &text, &len);
    if (rc)
        return read_error(err, rc, pid, rollup);
    rc = proc_parse_rollup(text, len, &lay->rollup);
    free(text);
    if (rc && len == 0)
        return 0; /* emptied between the two reads: exiting */
    if (rc)
        return proc_fail(err, -EIO, "/proc/%d/smaps_rollup: unparsable", (int)pid);
    lay->has_rollup = true;
    return 0;
}

static int read_smaps(struct strata_layout *lay, pid_t pid, pid_t via, strata_err_t *err)
{
    for (int i = 0; i < SMAPS_TRIES; i++) {
        lay->has_rollup = false;
        int rc = read_smaps_once(lay, pid, via, err);
        if (rc || !lay->has_rollup)
            return rc;
        if (sums_match(lay)) {
            lay->info.rollup_exact = 1;
            return 0;
        }
    }
    return 0; /* still moving: keep the last read, flagged rollup_exact = 0 */
}

static void read_limits(struct strata_layout *lay, pid_t pid)
{
    char *text;
    size_t len;
    if (read_proc(pid, "limits", &text, &len))
        return;
    proc_parse_limits_stack(text, len, &lay->info.stack_limit, &lay->info.stack_limit_max);
    free(text);
}

static void read_exe(struct strata_layout *lay, pid_t pid, pid_t via)
{
    char path[96], buf[4096], w[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, via_path(w, sizeof w, via, "exe"));
    if (proc_sys_readlink(path, buf, sizeof buf) == 0)
        lay->info.exe = proc_pool_strdup(lay, buf, strlen(buf));
    if (!lay->info.exe)
        lay->info.exe = "";
}

/* Each thread's stack pointer from task/TID/syscall (0 while it runs or
 * when unreadable). Our own thread is always running when it reads that
 * file, so its sp is the address of a local. */
static int read_threads(struct strata_layout *lay, pid_t pid, bool self)
{
    pid_t *tids;
    size_t n;
    int rc = proc_sys_tids(pid, &tids, &n);
    if (rc)
        return rc == -ESRCH ? rc : 0;
    lay->threads = calloc(n ? n : 1, sizeof *lay->threads);
    if (!lay->threads) {
        free(tids);
        return -ENOMEM;
    }
    pid_t me = self ? proc_sys_gettid() : 0;
    for (size_t i = 0; i < n; i++) {
        strata_layout_thread_t *t = &lay->threads[i];
        char what[64], *text;
        size_t len;
        t->tid = tids[i];
        t->map = -1;
        if (t->tid == me) {
            volatile char here = 0;
            t->sp = (uint64_t)(uintptr_t)&here;
            continue;
        }
        snprintf(what, sizeof what, "task/%d/syscall", (int)t->tid);
        if (read_proc(pid, what, &text, &len) == 0) {
            if (proc_parse_syscall_sp(text, len, &t->sp))
                t->sp = 0;
            free(text);
        }
    }
    lay->nthreads = n;
    lay->info.threads = (int)n;
    free(tids);
    return 0;
}

static void fill_info(struct strata_layout *lay, pid_t pid, const struct proc_stat *st)
{
    strata_layout_info_t *in = &lay->info;
    in->pid = pid;
    memcpy(in->comm, st->comm, sizeof in->comm);
    in->state = st->state;
    in->start_time = st->start_time;
    in->start_code = st->start_code, in->end_code = st->end_code;
    in->start_stack = st->start_stack;
    in->start_data = st->start_data, in->end_data = st->end_data;
    in->start_brk = st->start_brk;
    in->arg_start = st->arg_start, in->arg_end = st->arg_end;
    in->env_start = st->env_start, in->env_end = st->env_end;
    in->page_size = proc_sys_page_size();
}

/* A thread of pid that is not a zombie (0: none). */
pid_t proc_live_thread(pid_t pid)
{
    pid_t *tids, found = 0;
    size_t n;
    if (proc_sys_tids(pid, &tids, &n))
        return 0;
    for (size_t i = 0; i < n && !found; i++) {
        char what[64], *text;
        size_t len;
        struct proc_stat st;
        snprintf(what, sizeof what, "task/%d/stat", (int)tids[i]);
        if (tids[i] == pid || read_proc(pid, what, &text, &len))
            continue;
        if (proc_parse_stat(text, len, &st) == 0 && st.state != 'Z' && st.state != 'X')
            found = tids[i];
        free(text);
    }
    free(tids);
    return found;
}

/* The leader is a zombie: its stat shows no addresses (no mm), a live
 * thread's does. Identity (start time, comm) stays the leader's. */
static int stat_via(pid_t pid, pid_t via, struct proc_stat *st, strata_err_t *err)
{
    char what[64], *text;
    size_t len;
    struct proc_stat t;
    snprintf(what, sizeof what, "task/%d/stat", (int)via);
    int rc = read_proc(pid, what, &text, &len);
    if (rc)
        return read_error(err, rc, pid, what);
    rc = proc_parse_stat(text, len, &t);
    free(text);
    if (rc)
        return proc_fail(err, -EIO, "/proc/%d/%s: unparsable", (int)pid, what);
    st->start_code = t.start_code, st->end_code = t.end_code, st->start_stack = t.start_stack;
    st->start_data = t.start_data, st->end_data = t.end_data, st->start_brk = t.start_brk;
    st->arg_start = t.arg_start, st->arg_end = t.arg_end;
    st->env_start = t.env_start, st->env_end = t.env_end;
    return 0;
}

/* After the read: still the same, live process? */
static int check_same(pid_t pid, pid_t via, const struct proc_stat *before, size_t nmaps,
                      strata_err_t *err)
{
    struct proc_stat after;
    int rc = read_stat(pid, &after, NULL);
    if (rc == -ESRCH || (rc == 0 && after.start_time != before->start_time) ||
        (rc == 0 && via && proc_live_thread(pid) == 0))
        return proc_fail(err, -ESRCH, "process %d exited while being read", (int)pid);
    if (rc)
        return read_error(err, rc, pid, "stat");
    rc = via ? 0 : check_alive(pid, &after, err);
    if (rc)
        return rc;
    if (nmaps == 0)
        return proc_fail(err, -ESRCH, "process %d has no mappings (exiting or exec'ing)",
                         (int)pid);
    return 0;
}

int proc_read_pid(struct strata_layout *lay, pid_t pid, bool self, strata_err_t *err)
{
    struct proc_stat st;
    int rc = read_stat(pid, &st, err);
    if (rc == -ESRCH)
        return proc_fail(err, rc, "no such process");
    if (rc)
        return rc;
    pid_t via = st.state == 'Z' ? proc_live_thread(pid) : 0;
    if (!via && (rc = check_alive(pid, &st, err)))
        return rc;
    if (via && (rc = stat_via(pid, via, &st, err)))
        return rc;
    fill_info(lay, pid, &st);
    if ((rc = read_smaps(lay, pid, via, err)))
        return rc;
    read_limits(lay, pid);
    read_exe(lay, pid, via);
    if ((rc = read_threads(lay, pid, self)))
        return rc == -ESRCH ? proc_fail(err, rc, "process %d exited while being read", (int)pid)
                            : proc_fail(err, rc, "out of memory");
    if ((rc = check_same(pid, via, &st, lay->nmaps, err)))
        return rc;
    if (!lay->has_rollup) /* smaps_rollup came back empty: the address space went away */
        return proc_fail(err, -ESRCH, "process %d exited while being read", (int)pid);
    if (self) {
        lay->info.brk = proc_sys_self_brk();
        lay->info.brk_exact = 1;
    }
    uint64_t unl = lay->info.stack_limit == UINT64_MAX;
    lay->info.mmap_down = !proc_sys_legacy_va_layout(pid, (int)unl);
    return 0;
}
