/*
 * fault.c — resolving a write fault on the buffer: save the page for the
 * snapshots that still see its old bytes, mark it written in this epoch,
 * then un-protect it, which wakes the writer. Runs with the lock held, so
 * a fault that arrives while a snapshot is arming waits until the arm is
 * complete (the cut is then the state at the moment the arm returned).
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

/* Resolves the faults deferred while the busy range was written. */
void cow_fault_undefer(struct strata_cow *cow)
{
    size_t n = cow->ndeferred;
    cow->ndeferred = 0;
    for (size_t i = 0; i < n; i++)
        cow_fault_resolve(cow, cow->deferred[i]);
}

/* Resolves the fault on page (and, for sequential writers, the pages after
 * it). A page already un-protected (a duplicate or stale fault) is simply
 * un-protected again, which is harmless and wakes its writer. */
int cow_fault_resolve(struct strata_cow *cow, size_t page)
{
    if (page >= cow->busy_lo && page < cow->busy_hi)
        return defer(cow, page);
    size_t n = run_length(cow, page);
    for (size_t p = page; p < page + n; p++) {
        if (cow_bit(cow->dirty, p))
            continue;
        if (cow_page_save(cow, p))
            cow_die("out of memory saving a page a snapshot still needs", cow);
        cow->written[p] = cow->gen;
        cow_bit_set(cow->dirty, p);
        cow->ndirty++;
        cow->stats.pages_unprotected++;
    }
    cow->stats.write_faults++;
    return cow_uffd_writeprotect(cow->uffd, cow->data + (page << cow->page_shift),
                                 n << cow->page_shift, false);
}

/* Handles a batch of messages read from the buffer's uffd: write-protect
 * faults on the buffer and missing faults on the snapshots' own maps.
 * 0 or the first -errno met. */
int cow_fault_batch(struct strata_cow *cow, const struct uffd_msg *msgs, int n)
{
    int first = 0;
    uintptr_t lo = (uintptr_t)cow->data, hi = lo + cow->size;
    for (int i = 0; i < n; i++) {
        if (msgs[i].event != UFFD_EVENT_PAGEFAULT)
            continue;
        uintptr_t addr = (uintptr_t)msgs[i].arg.pagefault.address;
        int err;
        if (addr >= lo && addr < hi) {
            err = cow_fault_resolve(cow, (addr - lo) >> cow->page_shift);
        } else {
            struct cow_view *v = cow_view_find(cow, cow->uffd, addr);
            err = v ? cow_view_fault(cow, v, addr) : 0;
        }
        if (err && !first)
            first = err;
    }
    return first;
}
