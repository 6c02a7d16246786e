/*
 * pages.c — the versions of each page (see types.h for the numbering):
 * saving a page before its first write after a snapshot, finding the bytes
 * a snapshot sees for a page, and dropping versions no live snapshot needs.
 * Everything here runs with the buffer's lock held, except the precopy
 * of a signal-mode fault (cow_page_precopy and its drop).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

bool cow_bit(const uint64_t *map, size_t i)
{
    return (map[i / 64] >> (i % 64)) & 1;
}

void cow_bit_set(uint64_t *map, size_t i)
{
    map[i / 64] |= 1ull << (i % 64);
}

void cow_bit_clear(uint64_t *map, size_t i)
{
    map[i / 64] &= ~(1ull << (i % 64));
}

/* Whether a live snapshot has from < gen <= to (binary search). */
bool cow_live_between(const struct strata_cow *cow, uint64_t from, uint64_t to)
{
    size_t lo = 0, hi = cow->nlive;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cow->live[mid] <= from)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < cow->nlive && cow->live[lo] <= to;
}

/* A copy of page made before the lock is taken (signal mode, see
 * signal.c), for cow_page_save to adopt: a version record whose bytes are
 * the page's, or NULL when no snapshot was live (a fault then needs no
 * copy) or memory ran out (the save under the lock tries again). The
 * caller holds arm_lock but not the lock. */
struct cow_version *cow_page_precopy(struct strata_cow *cow, size_t page)
{
    if (!__atomic_load_n(&cow->nlive, __ATOMIC_RELAXED))
        return NULL;
    struct cow_version *v = malloc(sizeof *v);
    if (!v)
        return NULL;
    if (cow_store_alloc(&cow->store, &v->chunk, &v->data)) {
        free(v);
        return NULL;
    }
    memcpy(v->data, cow->data + (page << cow->page_shift), cow->page_size);
    return v;
}

/* Frees a precopy that was not adopted (NULL: nothing). */
void cow_page_precopy_drop(struct strata_cow *cow, struct cow_version *v)
{
    if (!v)
        return;
    cow_store_free(&cow->store, v->chunk, v->data);
    free(v);
}

/* Saves page's current bytes for the snapshots taken since it was last
 * written, if any is still live (none: the old bytes are not needed). Does
 * not un-protect. With pre and *pre set, *pre holds the page's bytes
 * already (cow_page_precopy): it is adopted and *pre cleared if a copy is
 * needed. 0 or -ENOMEM. */
int cow_page_save(struct strata_cow *cow, size_t page, struct cow_version **pre)
{
    uint64_t from = cow->written[page];
    if (!cow_live_between(cow, from, cow->gen))
        return 0;
    struct cow_version *v = pre ? *pre : NULL;
    if (v) {
        *pre = NULL;
    } else {
        if (!(v = malloc(sizeof *v)))
            return -ENOMEM;
        int err = cow_store_alloc(&cow->store, &v->chunk, &v->data);
        if (err) {
            free(v);
            return err;
        }
        memcpy(v->data, cow->data + (page << cow->page_shift), cow->page_size);
    }
    v->from = from;
    v->to = cow->gen;
    v->next = cow->versions[page];
    cow->versions[page] = v;
    cow->nversions++;
    cow->stats.pages_copied++;
    return 0;
}

/* The bytes snapshot gen sees for page: the live page while it has not been
 * written since the snapshot (it is still write-protected, and the lock
 * keeps the fault handler from un-protecting it), else the saved copy. */
const unsigned char *cow_page_source(struct strata_cow *cow, uint64_t gen, size_t page)
{
    if (cow->written[page] < gen)
        return cow->data + (page << cow->page_shift);
    for (struct cow_version *v = cow->versions[page]; v; v = v->next)
        if (v->from < gen && gen <= v->to)
            return v->data;
    cow_die("snapshot page version missing (internal error)", cow);
}

/* Drops the versions of one page that no live snapshot reads. */
static void prune_page(struct strata_cow *cow, size_t page)
{
    struct cow_version **pv = &cow->versions[page];
    while (*pv) {
        struct cow_version *v = *pv;
        if (cow_live_between(cow, v->from, v->to)) {
            pv = &v->next;
            continue;
        }
        *pv = v->next;
        cow_store_free(&cow->store, v->chunk, v->data);
        free(v);
        cow->nversions--;
    }
}

/* After a release: frees every copy only released snapshots needed. One
 * pass over the per-page table (a pointer test per page), skipped when no
 * version exists. */
void cow_pages_prune(struct strata_cow *cow)
{
    for (size_t p = 0; p < cow->npages && cow->nversions; p++)
        if (cow->versions[p])
            prune_page(cow, p);
}
