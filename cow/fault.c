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

/* Pages resolved per fault when writes look sequential: 16 at first, twice
 * as many for each further fault of the same ascending run, up to 256 (one
 * round trip costs ~12 us here, so 16 pages are ~0.8 us/page and 256 pages
 * ~0.25 us/page, mostly the copies). At most the last window of a run may
 * be copied without being written. */
#define COW_SEQ_FIRST 16u
#define COW_SEQ_MAX   256u

static size_t run_length(struct strata_cow *cow, size_t page)
{
    if (!(cow->flags & STRATA_COW_SEQUENTIAL) || page != cow->last_fault + 1) {
        cow->seq_window = 1;
        return 1;
    }
    size_t w = cow->seq_window < COW_SEQ_FIRST ? COW_SEQ_FIRST : cow->seq_window * 2;
    cow->seq_window = w > COW_SEQ_MAX ? COW_SEQ_MAX : w;
    size_t n = cow->npages - page;
    return n < cow->seq_window ? n : cow->seq_window;
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
    if (page + n > cow->busy_lo && page < cow->busy_hi)
        n = cow->busy_lo - page; /* stop the run where the busy range starts */
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
    cow->last_fault = page + n - 1;
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
