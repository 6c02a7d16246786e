/*
 * store.c — where saved page copies live: 2 MiB chunks of anonymous memory,
 * each registered as a cow-store region, handed out page by page. A chunk
 * whose last page is freed is unmapped at once, so releasing snapshots
 * returns memory to the system (RSS back to baseline). Chunks with free
 * slots are kept at the front of the list.
 *
 * Chunks are 2 MiB-aligned and MADV_HUGEPAGE: where the kernel offers
 * transparent huge pages, a chunk's memory is one 2 MiB page allocated and
 * zeroed at its first use instead of 512 page faults, each with its own
 * allocation, charge and LRU insertion. Measured here: a page copy costs
 * ~0.7 us instead of ~1.9 us, which is most of a sequential writer's
 * first-write cost and ~1.2 us of a random writer's ~9 us fault. The
 * price: a chunk in use is 2 MiB resident however few of its slots are
 * used (the last, partly filled chunk; chunks are still unmapped when
 * empty), and with THP defrag=madvise the first touch of a chunk may
 * compact memory. Where THP is off, chunks are 4 KiB pages as before,
 * pre-faulted 16 at a time. (The buffer itself stays MADV_NOHUGEPAGE: it
 * is write-protected page by page; store pages never are.)
 *
 * The store has its own lock, taken inside the buffer's lock or alone: a
 * signal-mode writer claims a slot and copies its page before it takes the
 * buffer's lock (signal.c), so a chunk's first touch, which zeroes a huge
 * page (0.2-1.7 ms per chunk on average here, up to ~20 ms at worst) or
 * compacts memory for one, holds up only that writer, not the other
 * writers and a persist, which need the buffer's lock.
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

static int chunk_new(struct cow_store *st, struct cow_chunk **out)
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
    /* One huge page where offered (see above); not inherited by a forked
     * child, like the buffer. */
    cow_os_advise(c->base, chunk_bytes(st), MADV_HUGEPAGE);
    cow_os_advise(c->base, chunk_bytes(st), MADV_DONTFORK);
    strata_region_register(c->base, chunk_bytes(st), STRATA_BACKEND_MMAP, STRATA_REGION_COW_STORE);
    for (uint32_t i = 0; i < COW_CHUNK_PAGES; i++)
        c->free_idx[i] = (uint16_t)(COW_CHUNK_PAGES - 1 - i);
    c->nfree = COW_CHUNK_PAGES;
    list_push_front(st, c);
    st->nchunks++;
    *out = c;
    return 0;
}

static void chunk_delete(struct cow_store *st, struct cow_chunk *c)
{
    list_unlink(st, c);
    strata_region_unregister(c->base);
    cow_os_unmap(c->base, chunk_bytes(st));
    free(c);
    st->nchunks--;
}

void cow_store_init(struct cow_store *st, size_t page_size)
{
    st->page_size = page_size;
    pthread_mutex_init(&st->lock, NULL);
}

/* One free page: 0 and where, or -ENOMEM / the -errno of mmap. */
int cow_store_alloc(struct cow_store *st, struct cow_chunk **chunk, unsigned char **data)
{
    pthread_mutex_lock(&st->lock);
    struct cow_chunk *c = st->chunks;
    if (!c || c->nfree == 0) {
        int err = chunk_new(st, &c);
        if (err) {
            pthread_mutex_unlock(&st->lock);
            return err;
        }
    }
    uint16_t idx = c->free_idx[--c->nfree];
    /* A fresh chunk hands out slots in order: populate them 16 at a time,
     * one madvise instead of 16 page faults while writers wait for their
     * copies, without the ~1 ms stall of populating 2 MiB at once. The
     * madvise runs after the store's lock is dropped (the chunk stays
     * mapped: this slot is in use). */
    unsigned char *populate = NULL;
    if (c->used == 0 && c->nfree == COW_CHUNK_PAGES - 1)
        c->populated = 0;
    if (idx == c->populated && idx % COW_POPULATE_STEP == 0) {
        populate = c->base + (size_t)idx * st->page_size;
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
    pthread_mutex_unlock(&st->lock);
    if (populate)
        cow_os_advise(populate, COW_POPULATE_STEP * st->page_size, MADV_POPULATE_WRITE);
    return 0;
}

void cow_store_free(struct cow_store *st, struct cow_chunk *c, unsigned char *data)
{
    pthread_mutex_lock(&st->lock);
    c->free_idx[c->nfree++] = (uint16_t)((size_t)(data - c->base) / st->page_size);
    c->used--;
    st->pages--;
    if (c->used == 0)
        chunk_delete(st, c);
    else if (c->nfree == 1 && c != st->chunks) {
        list_unlink(st, c);
        list_push_front(st, c);
    }
    pthread_mutex_unlock(&st->lock);
}

/* Slots in use and chunks mapped, read together. */
void cow_store_count(struct cow_store *st, size_t *pages, size_t *chunks)
{
    pthread_mutex_lock(&st->lock);
    *pages = st->pages;
    *chunks = st->nchunks;
    pthread_mutex_unlock(&st->lock);
}

/* Unmaps every chunk (no other thread uses the buffer any more). */
void cow_store_destroy(struct cow_store *st)
{
    while (st->chunks)
        chunk_delete(st, st->chunks);
    st->pages = 0;
    pthread_mutex_destroy(&st->lock);
}
