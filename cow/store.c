/*
 * store.c — where saved page copies live: 2 MiB chunks of anonymous memory,
 * each registered as a cow-store region, handed out page by page. A chunk
 * whose last page is freed is unmapped at once, so releasing snapshots
 * returns memory to the system (RSS back to baseline). Chunks with free
 * slots are kept at the front of the list. Called with the buffer's lock.
 *
 * Chunks are 2 MiB-aligned, and made MADV_HUGEPAGE when they can be made
 * ahead of need: where the kernel offers transparent huge pages, such a
 * chunk's memory is one 2 MiB page instead of 512 page faults, each with
 * its own allocation, charge and LRU insertion. Measured here: a page copy
 * costs ~0.7 us instead of ~1.9 us, which is most of a sequential writer's
 * first-write cost. But the 2 MiB page fault must not happen under the
 * lock, where it stalled every writer at once, and when no free huge page
 * was at hand the kernel compacted memory for it (defrag=madvise): ~5 ms
 * per chunk here, 15 us instead of 5.4 us per random first write in a
 * fresh process. So when a chunk is taken into use the handler thread is
 * asked for the next one, a spare made huge and populated outside the lock
 * (cow_store_refill); when the list is full the spare is taken if it is
 * ready, else a chunk of 4 KiB pages is made in place, populated 16 slots
 * at a time (no compaction). The price: a huge chunk in use is 2 MiB
 * resident however few of its slots are used, and a spare is kept while
 * the store is not empty (both are unmapped when it empties). The buffer
 * itself stays MADV_NOHUGEPAGE: it is write-protected page by page; store
 * pages never are.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "internal.h"

#define COW_POPULATE_STEP 16u

static size_t chunk_bytes(const struct cow_store *st)
{
    return (size_t)COW_CHUNK_PAGES * st->page_size;
}

static void list_unlink(struct cow_store *st, struct cow_chunk *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        st->chunks = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->next = c->prev = NULL;
}

static void list_push_front(struct cow_store *st, struct cow_chunk *c)
{
    c->prev = NULL;
    c->next = st->chunks;
    if (st->chunks)
        st->chunks->prev = c;
    st->chunks = c;
}

/* Maps a chunk (not yet in the list). huge: ask for a transparent huge
 * page, and fault it all in now. */
static int chunk_make(struct cow_store *st, bool huge, struct cow_chunk **out)
{
    struct cow_chunk *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    int err = 0;
    c->base =
        cow_os_map_anon_aligned(chunk_bytes(st), chunk_bytes(st), PROT_READ | PROT_WRITE, &err);
    if (!c->base) {
        free(c);
        return err;
    }
    /* Not inherited by a forked child, like the buffer. */
    cow_os_advise(c->base, chunk_bytes(st), MADV_DONTFORK);
    if (huge && !cow_os_advise(c->base, chunk_bytes(st), MADV_HUGEPAGE) &&
        !cow_os_advise(c->base, chunk_bytes(st), MADV_POPULATE_WRITE))
        c->populated = COW_CHUNK_PAGES;
    strata_region_register(c->base, chunk_bytes(st), STRATA_BACKEND_MMAP, STRATA_REGION_COW_STORE);
    for (uint32_t i = 0; i < COW_CHUNK_PAGES; i++)
        c->free_idx[i] = (uint16_t)(COW_CHUNK_PAGES - 1 - i);
    c->nfree = COW_CHUNK_PAGES;
    *out = c;
    return 0;
}

static void chunk_unmake(struct cow_store *st, struct cow_chunk *c)
{
    strata_region_unregister(c->base);
    cow_os_unmap(c->base, chunk_bytes(st));
    free(c);
}

/* The spare when one is ready, else a chunk of 4 KiB pages made here,
 * under the lock (populated lazily, 16 slots at a time: no compaction
 * stall). Either way the handler is to be asked for the next spare
 * (spare_wanted; cow_page_save kicks it). */
static int chunk_new(struct cow_store *st, struct cow_chunk **out)
{
    struct cow_chunk *c = st->spare;
    st->spare = NULL;
    if (!c) {
        int err = chunk_make(st, false, &c);
        if (err)
            return err;
    }
    list_push_front(st, c);
    st->nchunks++;
    st->spare_wanted = true;
    *out = c;
    return 0;
}

static void chunk_delete(struct cow_store *st, struct cow_chunk *c)
{
    list_unlink(st, c);
    chunk_unmake(st, c);
    st->nchunks--;
    if (st->nchunks == 0 && st->spare) { /* an empty store holds no memory */
        chunk_unmake(st, st->spare);
        st->spare = NULL;
    }
}

/* Handler thread, on each wake-up: makes a spare chunk if the store is in
 * use and has none, mapping and populating it (one 2 MiB page fault where
 * THP is offered, which may compact memory) without the lock, so that
 * neither the writer whose copy needs a fresh chunk nor anyone waiting for
 * the lock waits for it. Called without the lock; takes it. */
void cow_store_refill(struct strata_cow *cow)
{
    struct cow_store *st = &cow->store;
    pthread_mutex_lock(&cow->lock);
    bool want = !st->spare && st->nchunks > 0;
    pthread_mutex_unlock(&cow->lock);
    struct cow_chunk *c;
    if (!want || chunk_make(st, true, &c))
        return;
    pthread_mutex_lock(&cow->lock);
    bool keep = !st->spare && st->nchunks > 0; /* still in use, none made meanwhile */
    if (keep)
        st->spare = c;
    pthread_mutex_unlock(&cow->lock);
    if (!keep)
        chunk_unmake(st, c);
}

/* One free page: 0 and where, or -ENOMEM / the -errno of mmap. */
int cow_store_alloc(struct cow_store *st, struct cow_chunk **chunk, unsigned char **data)
{
    struct cow_chunk *c = st->chunks;
    if (!c || c->nfree == 0) {
        int err = chunk_new(st, &c);
        if (err)
            return err;
    }
    uint16_t idx = c->free_idx[--c->nfree];
    /* A fresh chunk hands out slots in order: populate them 16 at a time,
     * one madvise instead of 16 page faults while writers wait for their
     * copies, without the ~1 ms stall of populating 2 MiB at once. */
    if (idx == c->populated && idx % COW_POPULATE_STEP == 0) {
        cow_os_advise(c->base + (size_t)idx * st->page_size, COW_POPULATE_STEP * st->page_size,
                      MADV_POPULATE_WRITE);
        c->populated = idx + COW_POPULATE_STEP;
    }
    c->used++;
    st->pages++;
    if (c->nfree == 0 && c->next && c->next->nfree) {
        /* full chunks go to the back so the front always has room */
        list_unlink(st, c);
        struct cow_chunk *tail = st->chunks;
        while (tail->next)
            tail = tail->next;
        tail->next = c;
        c->prev = tail;
    }
    *chunk = c;
    *data = c->base + (size_t)idx * st->page_size;
    return 0;
}

void cow_store_free(struct cow_store *st, struct cow_chunk *c, unsigned char *data)
{
    c->free_idx[c->nfree++] = (uint16_t)((size_t)(data - c->base) / st->page_size);
    c->used--;
    st->pages--;
    if (c->used == 0) {
        chunk_delete(st, c);
        return;
    }
    if (c->nfree == 1 && c != st->chunks) {
        list_unlink(st, c);
        list_push_front(st, c);
    }
}

void cow_store_destroy(struct cow_store *st)
{
    while (st->chunks)
        chunk_delete(st, st->chunks);
    if (st->spare)
        chunk_unmake(st, st->spare);
    st->spare = NULL;
    st->pages = 0;
}
