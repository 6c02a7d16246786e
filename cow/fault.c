/*
 * fault.c — resolving a write fault on the buffer: save the page for the
 * snapshots that still see its old bytes, mark it written in this epoch,
 * then un-protect it, which wakes the writer.
 *
 * Locks: saving and marking run under the lock; the un-protect ioctl runs
 * after it under arm_lock alone, read-locked (taken first, held from before
 * the marking until the ioctl returns: un-protects of different faults run
 * in parallel, each waits for its TLB shootdown alone). A snapshot takes
 * arm_lock for writing and then the lock, so
 * it never arms between a page's marking and its un-protect, and a fault
 * that arrives while a snapshot is arming waits until the arm is complete
 * (the cut is then the state at the moment the arm returned). Readers of
 * the tables (persist, snap_read, views) take only the lock, so they do not
 * wait for the ioctl, which wakes the writer and often lets it preempt the
 * handler on its CPU for a whole write (measured: a persist waited 30-360
 * ms of ~1 s for handlers while two writers dirtied 10% of the buffer).
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/* Read-ahead for sequential writers, always on. A fault on the page right
 * after the window the previous fault of the same run resolved is the next
 * step of a sequential writer: it resolves 16 pages, then twice as many per
 * further step, up to 256 (one round trip costs ~12 us here: 16 pages are
 * ~0.8 us/page of round trip, 256 pages ~0.05, leaving mostly the copies).
 * Any other fault starts a new run with a window of one page (16 with
 * STRATA_COW_SEQUENTIAL), so random writers copy only what they write.
 * COW_STREAMS runs are tracked at once (several sequential writers), the
 * least recently used one is replaced. Bound on pages copied without being
 * written: when a run stops, at most its last window, COW_SEQ_MAX - 1
 * pages, was resolved ahead of the writer; at any moment at most
 * COW_STREAMS such windows are outstanding (8 MiB of 4 KiB pages). */
#define COW_SEQ_FIRST 16u
#define COW_SEQ_MAX   256u

static size_t run_length(struct strata_cow *cow, size_t page)
{
    struct cow_stream *s = NULL, *lru = &cow->streams[0];
    for (unsigned i = 0; i < COW_STREAMS && !s; i++) {
        if (cow->streams[i].next == page)
            s = &cow->streams[i];
        else if (cow->streams[i].stamp < lru->stamp)
            lru = &cow->streams[i];
    }
    if (s) {
        size_t w = s->window < COW_SEQ_FIRST ? COW_SEQ_FIRST : s->window * 2;
        s->window = w > COW_SEQ_MAX ? COW_SEQ_MAX : w;
    } else {
        s = lru;
        s->window = cow->flags & STRATA_COW_SEQUENTIAL ? COW_SEQ_FIRST : 1;
    }
    s->stamp = cow->stats.write_faults + 1;
    size_t n = cow->npages - page < s->window ? cow->npages - page : s->window;
    if (page + n > cow->busy_lo && page < cow->busy_hi)
        n = cow->busy_lo - page; /* stop the run where a persist's busy range starts */
    s->next = page + n;
    return n;
}

/* The page is being written out by a persist straight from the buffer: its
 * fault is resolved when that chunk is written (cow_fault_undefer). */
static int defer(struct strata_cow *cow, size_t page)
{
    if (cow->ndeferred == cow->deferred_cap) {
        size_t cap = cow->deferred_cap ? cow->deferred_cap * 2 : 64;
        size_t *d = realloc(cow->deferred, cap * sizeof *d);
        if (!d)
            cow_die("out of memory deferring a fault", cow);
        cow->deferred = d;
        cow->deferred_cap = cap;
    }
    cow->deferred[cow->ndeferred++] = page;
    return 0;
}

/* Resolves the faults deferred while the busy range was written (the
 * lock is held throughout, so no arm can come between marking and
 * un-protecting). */
void cow_fault_undefer(struct strata_cow *cow)
{
    size_t n = cow->ndeferred;
    cow->ndeferred = 0;
    for (size_t i = 0; i < n; i++) {
        struct cow_range r = cow_fault_mark(cow, cow->deferred[i], NULL);
        if (r.pages)
            cow_fault_unprotect(cow, r);
    }
}

/* Saves and marks the page of a fault (and, for sequential writers, the
 * pages after it) under the lock. Returns the pages to un-protect, none
 * when the fault is deferred. A page already un-protected (a duplicate or
 * stale fault) is simply un-protected again, which is harmless and wakes
 * its writer. pre: as cow_mark_pages's. */
struct cow_range cow_fault_mark(struct strata_cow *cow, size_t page, struct cow_version **pre)
{
    if (page >= cow->busy_lo && page < cow->busy_hi) {
        defer(cow, page);
        return (struct cow_range){page, 0};
    }
    size_t n = run_length(cow, page);
    cow_mark_pages(cow, page, n, pre);
    cow->stats.write_faults++;
    return (struct cow_range){page, n};
}

/* Saves (for the live snapshots that need them) and marks written the
 * pages of [first, first + n) that are still protected and not in a
 * persist's busy range (lock held). Whether any was marked; the caller
 * un-protects. Out of memory for a copy a snapshot needs is fatal: the
 * write cannot wait for memory and must not reach the snapshot. pre (or
 * NULL): a copy of page first made before the lock was taken, with
 * arm_lock held since (cow_page_precopy); adopted if first needs a copy.
 * It holds first's bytes if first is still protected here: no un-protect
 * comes before its marking, nor an arm while arm_lock is held. */
bool cow_mark_pages(struct strata_cow *cow, size_t first, size_t n, struct cow_version **pre)
{
    bool any = false;
    for (size_t p = first; p < first + n; p++) {
        if (cow_bit(cow->dirty, p) || (p >= cow->busy_lo && p < cow->busy_hi))
            continue;
        if (cow_page_save(cow, p, p == first ? pre : NULL))
            cow_die("out of memory saving a page a snapshot still needs", cow);
        /* before the un-protect: a positional persist reads it unlocked */
        __atomic_store_n(&cow->written[p], cow->gen, __ATOMIC_RELEASE);
        cow_bit_set(cow->dirty, p);
        cow->ndirty++;
        cow->stats.pages_unprotected++;
        any = true;
    }
    return any;
}

/* Un-protects r (arm_lock or the lock held since r was marked). */
int cow_fault_unprotect(struct strata_cow *cow, struct cow_range r)
{
    return cow_uffd_writeprotect(cow->uffd, cow->data + (r.first << cow->page_shift),
                                 r.pages << cow->page_shift, false);
}

/* Marks the write faults of a batch of messages read from the buffer's
 * uffd into todo (at most n entries) and resolves the missing faults on the
 * snapshots' own maps (lock held). Returns the entries of todo used. */
int cow_fault_batch(struct strata_cow *cow, const struct uffd_msg *msgs, int n,
                    struct cow_range *todo)
{
    int k = 0;
    uintptr_t lo = (uintptr_t)cow->data, hi = lo + cow->size;
    for (int i = 0; i < n; i++) {
        if (msgs[i].event != UFFD_EVENT_PAGEFAULT)
            continue;
        uintptr_t addr = (uintptr_t)msgs[i].arg.pagefault.address;
        if (addr >= lo && addr < hi) {
            struct cow_range r = cow_fault_mark(cow, (addr - lo) >> cow->page_shift, NULL);
            if (r.pages)
                todo[k++] = r;
        } else {
            struct cow_view *v = cow_view_find(cow, cow->view_uffd, addr);
            if (v)
                cow_view_fault(cow, v, addr);
        }
    }
    return k;
}
