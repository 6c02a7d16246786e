/*
 * snapshot.c — taking, reading and releasing snapshots.
 *
 * Taking one arms the buffer: it write-protects the pages un-protected since
 * the previous snapshot (the dirty set), under arm_lock and the lock, so no
 * un-protect of a page marked before the arm is in flight (fault.c) and the
 * handler resolves no fault before the arm is complete: a write that faults
 * during the arm waits and lands after the cut, a write that got through
 * before its page was re-protected is in the snapshot, and as a writer
 * cannot pass a faulting write, each writer's writes are cut at one point
 * of its order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Clean pages between two dirty runs are re-protected along with them when
 * the gap is this small: protecting a protected page is harmless and one
 * ioctl costs about as much as walking 16 page table entries. */
#define COW_ARM_GAP    16u
#define COW_READ_PAGES 16u /* pages copied per lock hold by snap_read */

/* First index >= i in [0, n) whose bit equals want, or n. */
static size_t next_bit(const uint64_t *map, size_t i, size_t n, bool want)
{
    while (i < n) {
        uint64_t w = want ? map[i / 64] : ~map[i / 64];
        w &= ~0ull << (i % 64);
        if (w) {
            size_t r = (i & ~(size_t)63) + (size_t)__builtin_ctzll(w);
            return r < n ? r : n;
        }
        i = (i & ~(size_t)63) + 64;
    }
    return n;
}

/* Write-protects the dirty set, runs merged across small gaps. 0 or -errno;
 * *ranges = ioctls made. */
static int arm(struct strata_cow *cow, size_t *ranges)
{
    size_t n = cow->npages, start = next_bit(cow->dirty, 0, n, true);
    *ranges = 0;
    while (start < n) {
        size_t end = next_bit(cow->dirty, start, n, false), next;
        while ((next = next_bit(cow->dirty, end, n, true)) < n && next - end <= COW_ARM_GAP)
            end = next_bit(cow->dirty, next, n, false);
        int err = cow_uffd_writeprotect(cow->uffd, cow->data + (start << cow->page_shift),
                                        (end - start) << cow->page_shift, true);
        if (err)
            return err;
        ++*ranges;
        start = next;
    }
    memset(cow->dirty, 0, (n + 63) / 64 * sizeof *cow->dirty);
    cow->ndirty = 0;
    return 0;
}

/* STRATA_COW_FALLBACK_COPY: without userfaultfd, a snapshot is a copy of
 * every page, made while the caller keeps writers paused (nothing traps
 * their writes). Each page gets a version serving the new snapshot, so
 * reads, persist and release work as with userfaultfd. 0 or -ENOMEM. */
static int copy_all(struct strata_cow *cow)
{
    for (size_t p = 0; p < cow->npages; p++) {
        int err = cow_page_save(cow, p, NULL);
        if (err)
            return err;
        cow->written[p] = cow->gen;
    }
    return 0;
}

static int live_reserve(struct strata_cow *cow)
{
    if (cow->nlive < cow->live_cap)
        return 0;
    size_t cap = cow->live_cap ? cow->live_cap * 2 : 16;
    uint64_t *l = realloc(cow->live, cap * sizeof *l);
    if (!l)
        return -ENOMEM;
    cow->live = l;
    cow->live_cap = cap;
    return 0;
}

int strata_cow_snapshot(strata_cow_t *cow, strata_cow_snap_t **out)
{
    int err = cow_check(cow);
    if (err || !out)
        return err ? err : -EINVAL;
    struct strata_cow_snap *snap = calloc(1, sizeof *snap);
    if (!snap)
        return -ENOMEM;
    pthread_rwlock_wrlock(&cow->arm_lock); /* no un-protect in flight (fault.c) */
    pthread_mutex_lock(&cow->lock);
    uint64_t t0 = cow_os_now_ns();
    size_t ranges = 0, dirty = cow->ndirty;
    err = live_reserve(cow);
    if (!err && cow->uffd >= 0)
        err = arm(cow, &ranges);
    if (err) {
        pthread_mutex_unlock(&cow->lock);
        pthread_rwlock_unlock(&cow->arm_lock);
        free(snap);
        return err;
    }
    snap->magic = COW_SNAP_MAGIC;
    snap->cow = cow;
    snap->gen = ++cow->gen;
    cow->live[cow->nlive++] = snap->gen;
    if (cow->uffd < 0 && (err = copy_all(cow))) {
        cow->nlive--; /* its copies so far serve no one now */
        cow_pages_prune(cow);
        pthread_mutex_unlock(&cow->lock);
        pthread_rwlock_unlock(&cow->arm_lock);
        free(snap);
        return err;
    }
    snap->next = cow->snaps;
    if (cow->snaps)
        cow->snaps->prev = snap;
    cow->snaps = snap;
    cow->stats.snapshots_taken++;
    cow->stats.last_arm_pages = dirty;
    cow->stats.last_arm_ranges = ranges;
    cow->stats.last_arm_ns = cow_os_now_ns() - t0;
    cow_copier_kick(cow);
    pthread_mutex_unlock(&cow->lock);
    pthread_rwlock_unlock(&cow->arm_lock);
    *out = snap;
    return 0;
}

size_t strata_cow_snap_size(const strata_cow_snap_t *snap)
{
    return cow_snap_check(snap) ? 0 : snap->cow->size;
}

/* Copies [off, off+len) of the snapshot, at most COW_READ_PAGES pages, to
 * bounce under the lock. The caller copies on to dst without the lock: dst
 * may be in the buffer or in a snapshot map, whose faults need the lock. */
static void read_locked(struct strata_cow_snap *snap, size_t off, unsigned char *bounce, size_t len)
{
    struct strata_cow *cow = snap->cow;
    pthread_mutex_lock(&cow->lock);
    while (len > 0) {
        size_t page = off >> cow->page_shift, in = off & (cow->page_size - 1);
        size_t n = cow->page_size - in < len ? cow->page_size - in : len;
        memcpy(bounce, cow_page_source(cow, snap->gen, page) + in, n);
        bounce += n;
        off += n;
        len -= n;
    }
    cow_unlock_and_yield(cow);
}

int strata_cow_snap_read(strata_cow_snap_t *snap, size_t off, void *dst, size_t len)
{
    int err = cow_snap_check(snap);
    if (err)
        return err;
    size_t size = snap->cow->size, step = COW_READ_PAGES * snap->cow->page_size;
    if (off > size || len > size - off || (len && !dst))
        return -EINVAL;
    unsigned char *bounce = malloc(len < step ? len : step);
    if (!bounce && len)
        return -ENOMEM;
    for (size_t done = 0; done < len;) {
        size_t n = len - done < step ? len - done : step;
        read_locked(snap, off + done, bounce, n);
        memcpy((unsigned char *)dst + done, bounce, n);
        done += n;
    }
    free(bounce);
    return 0;
}

static void live_remove(struct strata_cow *cow, uint64_t gen)
{
    size_t i = 0;
    while (i < cow->nlive && cow->live[i] != gen)
        i++;
    if (i == cow->nlive)
        return;
    memmove(cow->live + i, cow->live + i + 1, (cow->nlive - i - 1) * sizeof *cow->live);
    /* read without the lock by cow_page_precopy (its increment is made
     * under arm_lock, which such readers hold) */
    __atomic_store_n(&cow->nlive, cow->nlive - 1, __ATOMIC_RELAXED);
}

/* Releases snap: its views (shares are completed first), its gen, and the
 * page copies nobody else needs. */
void cow_snap_drop(struct strata_cow_snap *snap)
{
    struct strata_cow *cow = snap->cow;
    cow_view_fill_shares(snap);
    pthread_mutex_lock(&cow->lock);
    for (struct cow_view *v = cow->views, *next; v; v = next) {
        next = v->next;
        if (v->snap == snap)
            cow_view_drop(cow, v);
    }
    live_remove(cow, snap->gen);
    if (snap->prev)
        snap->prev->next = snap->next;
    else
        cow->snaps = snap->next;
    if (snap->next)
        snap->next->prev = snap->prev;
    cow_pages_prune(cow);
    snap->magic = COW_DEAD_MAGIC;
    /* The record stays allocated for the next COW_QUARANTINE releases, so a
     * use after release finds COW_DEAD_MAGIC (deterministically within that
     * window) instead of reading freed memory. */
    struct strata_cow_snap **slot = &cow->quarantine[cow->quarantine_next];
    cow->quarantine_next = (cow->quarantine_next + 1) % COW_QUARANTINE;
    free(*slot);
    *slot = snap;
    pthread_mutex_unlock(&cow->lock);
}

void strata_cow_snap_release(strata_cow_snap_t *snap)
{
    if (!snap)
        return;
    int err = cow_snap_check(snap);
    if (err == -EBADF)
        cow_die("strata_cow_snap_release of a snapshot already released (or not a snapshot)", snap);
    if (!err)
        cow_snap_drop(snap);
}
