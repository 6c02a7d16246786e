/*
 * core_segment.c — segments: where pages come from and where they go back.
 *
 * Segments are 4 MiB, 4 MiB-aligned, taken from the program break (brk)
 * or from mmap as STRATA_BACKEND says; in auto mode brk is used while the
 * break can grow, and once the kernel refuses (a mapping right above the
 * break, an ASLR collision) segments come from mmap, silently. If someone
 * else moved the break, the next brk segment simply starts above it.
 *
 * Pages of one slice (blocks up to 8 KiB: the pages small blocks churn
 * through) come from segments that belong to one thread heap, whose thread
 * is the only one that carves them out of the free-slice mask or gives
 * their slices back: no lock on that path. A heap's segments are kept with
 * those that have free slices first; one whose every slice is free goes to
 * the global pool (seg_lock), except one the heap keeps as a spare so that
 * a page allocated and freed at a segment's edge does not bounce through
 * the pool. Pages of two slices and more (medium blocks, and big blocks of
 * 128 KiB .. 1 MiB one per page) come from *shared* segments under
 * seg_lock, so that the memory they free is reused by whichever thread
 * needs it next: per-heap segments there doubled the peak RSS of programs
 * whose threads pass such blocks around (each heap kept its own freed
 * runs), for one lock per page of those sizes. A heap or the shared set
 * that needs a segment takes one from the pool (the most recently pooled,
 * the likeliest to be resident), else a new one.
 *
 * Freed slices stay dirty (resident) for STRATA_PURGE_DELAY_MS so that
 * churn does not fault, then they are returned with MADV_DONTNEED: by the
 * owner, on its own slow path, for its segments; by whichever thread finds
 * the global purge due, for the pool (whose mmap segments are unmapped once
 * clean and old, and whose brk segments at the top of the break lower it).
 * Locks are never held across a system call: pool segments to purge are
 * taken out of the pool first and put back after.
 */
#include <string.h>

#include "internal.h"
#include "strata.h"

#define ALL_SLICES       (~(uint64_t)1) /* every slice but the header */
#define POOL_PURGE_MAX   16             /* pool segments purged per global purge */
#define POOL_UNMAP_AFTER 4u /* a clean mmap segment is unmapped after this many delays */

static uint64_t run_mask(unsigned i, unsigned n)
{
    return (n >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1)) << i;
}

static alloc_segment_t *segment_of(const void *p)
{
    return (alloc_segment_t *)((uintptr_t)p & ~(uintptr_t)ALLOC_SEGMENT_MASK);
}

void alloc_map_set(_Atomic uint64_t *map, uintptr_t region, bool on)
{
    size_t bit = region >> ALLOC_SEGMENT_SHIFT;
    if (bit >= ALLOC_SEGMAP_BITS)
        return;
    uint64_t m = (uint64_t)1 << (bit & 63);
    if (on)
        atomic_fetch_or_explicit(&map[bit >> 6], m, memory_order_release);
    else
        atomic_fetch_and_explicit(&map[bit >> 6], ~m, memory_order_release);
}

bool alloc_map_test(const _Atomic uint64_t *map, uintptr_t region)
{
    size_t bit = region >> ALLOC_SEGMENT_SHIFT;
    if (bit >= ALLOC_SEGMAP_BITS)
        return false;
    uint64_t w = atomic_load_explicit(&map[bit >> 6], memory_order_acquire);
    return (w >> (bit & 63)) & 1;
}

/* ---- getting segments from the backends (seg_lock) ---------------------- */

/* A new segment at the top of the break, or 0 when the break cannot grow.
 * seg_lock held (the break is process state; our view of it must not race). */
static uintptr_t brk_segment(void)
{
    uintptr_t cur = alloc_os_brk(0);
    if (alloc_global.brk_end != 0 && cur != alloc_global.brk_end && alloc_global.opt.verbose)
        alloc_print("strata: the program break moved under us (%p, expected %p); "
                    "continuing above it\n",
                    (void *)cur, (void *)alloc_global.brk_end);
    uintptr_t base = (cur + ALLOC_SEGMENT_MASK) & ~(uintptr_t)ALLOC_SEGMENT_MASK;
    uintptr_t want = base + ALLOC_SEGMENT_SIZE;
    if (cur == 0 || base < cur || want < base || (want >> ALLOC_ADDR_BITS) != 0)
        return 0;
    if (alloc_os_brk(want) < want)
        return 0;
    if (alloc_global.brk_start == 0)
        alloc_global.brk_start = base;
    alloc_global.brk_end = want;
    return base;
}

/* Decides whether to try brk: always in brk mode, in auto mode until it
 * has failed once. Records the switch to mmap. seg_lock held. */
static uintptr_t try_brk(void)
{
    unsigned mode = alloc_global.opt.backend;
    if (mode == STRATA_BACKEND_MMAP || (mode == 0 && alloc_global.brk_failed))
        return 0;
    uintptr_t base = brk_segment();
    if (base == 0 && mode == 0) {
        alloc_global.brk_failed = 1;
        atomic_fetch_add_explicit(&alloc_global.backend_switches, 1, memory_order_relaxed);
        if (alloc_global.opt.verbose)
            alloc_print(
                "strata: the program break cannot grow; heap segments now come from mmap\n");
    }
    return base;
}

/* Appends seg to the list of all segments, sets its byte in the ownership
 * map and registers it. seg_lock held. */
static void segment_link(alloc_segment_t *seg)
{
    alloc_segment_t **pp = &alloc_global.segments, *prev = NULL;
    while (*pp != NULL) { /* address order of creation: statistics and fork walk it */
        prev = *pp;
        pp = &prev->next;
    }
    seg->next = NULL;
    seg->prev = prev;
    *pp = seg;
    _Atomic size_t *bytes = seg->backend == STRATA_BACKEND_BRK ? &alloc_global.seg_bytes_brk
                                                               : &alloc_global.seg_bytes_mmap;
    atomic_fetch_add_explicit(bytes, ALLOC_SEGMENT_SIZE, memory_order_relaxed);
    __atomic_store_n(&alloc_segmap[(uintptr_t)seg >> ALLOC_SEGMENT_SHIFT], 1, __ATOMIC_RELEASE);
    strata_region_register(seg, ALLOC_SEGMENT_SIZE, seg->backend, STRATA_REGION_HEAP);
}

/* Makes [base, base+4M) a segment with every slice free. seg_lock held. */
static alloc_segment_t *segment_init(uintptr_t base, unsigned backend)
{
    alloc_segment_t *seg = (alloc_segment_t *)base;
    seg->magic = ALLOC_SEG_MAGIC;
    seg->kind = ALLOC_KIND_SEGMENT;
    seg->backend = backend;
    seg->free_mask = ALL_SLICES;
    seg->dirty_mask = 1; /* the header slice */
    seg->heap = NULL;
    seg->hnext = seg->hprev = NULL;
    seg->in_pool = 0;
    seg->shared = 0;
    for (unsigned i = 0; i < ALLOC_SLICES; i++)
        seg->pages[i].head = &seg->pages[i]; /* no page: block_size 0 */
    segment_link(seg);
    return seg;
}

static void segment_unlink(alloc_segment_t *seg)
{
    if (seg->prev)
        seg->prev->next = seg->next;
    else
        alloc_global.segments = seg->next;
    if (seg->next)
        seg->next->prev = seg->prev;
    __atomic_store_n(&alloc_segmap[(uintptr_t)seg >> ALLOC_SEGMENT_SHIFT], 0, __ATOMIC_RELEASE);
    strata_region_unregister(seg);
    _Atomic size_t *bytes = seg->backend == STRATA_BACKEND_BRK ? &alloc_global.seg_bytes_brk
                                                               : &alloc_global.seg_bytes_mmap;
    atomic_fetch_sub_explicit(bytes, ALLOC_SEGMENT_SIZE, memory_order_relaxed);
}

/* A segment from brk or mmap, owned by nobody yet; NULL without memory. */
static alloc_segment_t *segment_new(void)
{
    alloc_segment_t *seg = NULL;
    pthread_mutex_lock(&alloc_global.seg_lock);
    uintptr_t base = try_brk();
    if (base != 0)
        seg = segment_init(base, STRATA_BACKEND_BRK);
    pthread_mutex_unlock(&alloc_global.seg_lock);
    if (seg != NULL || alloc_global.opt.backend == STRATA_BACKEND_BRK)
        return seg;
    void *mem = alloc_os_mmap_aligned(ALLOC_SEGMENT_SIZE, ALLOC_SEGMENT_SIZE, false);
    if (mem == NULL)
        return NULL;
    pthread_mutex_lock(&alloc_global.seg_lock);
    seg = segment_init((uintptr_t)mem, STRATA_BACKEND_MMAP);
    pthread_mutex_unlock(&alloc_global.seg_lock);
    return seg;
}

/* ---- the pool of empty segments (seg_lock) -------------------------------- */

static void pool_push(alloc_segment_t *seg, uint32_t now)
{
    seg->heap = NULL;
    seg->pooled_ms = now;
    seg->hprev = NULL;
    seg->hnext = alloc_global.pool;
    if (alloc_global.pool)
        alloc_global.pool->hprev = seg;
    alloc_global.pool = seg;
    alloc_global.npool++;
    seg->in_pool = 1;
}

static void pool_remove(alloc_segment_t *seg)
{
    if (seg->hprev)
        seg->hprev->hnext = seg->hnext;
    else
        alloc_global.pool = seg->hnext;
    if (seg->hnext)
        seg->hnext->hprev = seg->hprev;
    seg->hnext = seg->hprev = NULL;
    alloc_global.npool--;
    seg->in_pool = 0;
}

static alloc_segment_t *pool_take(void)
{
    if (alloc_global.pool == NULL)
        return NULL; /* racy hint; the pop below is locked */
    pthread_mutex_lock(&alloc_global.seg_lock);
    alloc_segment_t *seg = alloc_global.pool;
    if (seg != NULL)
        pool_remove(seg);
    pthread_mutex_unlock(&alloc_global.seg_lock);
    return seg;
}

/* ---- a heap's own segments (owner only) ------------------------------------ */

static void heap_seg_insert(alloc_heap_t *heap, alloc_segment_t *seg, bool front)
{
    seg->hprev = seg->hnext = NULL;
    if (heap->segs == NULL) {
        heap->segs = seg;
        return;
    }
    if (front) {
        seg->hnext = heap->segs;
        heap->segs->hprev = seg;
        heap->segs = seg;
        return;
    }
    alloc_segment_t *last = heap->segs;
    while (last->hnext != NULL) /* short: a heap has few segments with room */
        last = last->hnext;
    last->hnext = seg;
    seg->hprev = last;
}

static void heap_seg_remove(alloc_heap_t *heap, alloc_segment_t *seg)
{
    if (seg->hprev)
        seg->hprev->hnext = seg->hnext;
    else
        heap->segs = seg->hnext;
    if (seg->hnext)
        seg->hnext->hprev = seg->hprev;
    seg->hnext = seg->hprev = NULL;
}

/* seg becomes heap's: it is empty (from the pool or new) or comes with an
 * absorbed heap (then pages and all). */
void alloc_segment_adopt(alloc_heap_t *heap, alloc_segment_t *seg)
{
    seg->heap = heap;
    heap_seg_insert(heap, seg, seg->free_mask != 0);
    heap->nsegs++;
    if (seg->free_mask == ALL_SLICES)
        heap->nempty++;
}

/* Hands every segment of src to dst (src is being absorbed by dst). */
void alloc_segment_move_all(alloc_heap_t *dst, alloc_heap_t *src)
{
    alloc_segment_t *seg;
    while ((seg = src->segs) != NULL) {
        heap_seg_remove(src, seg);
        alloc_segment_adopt(dst, seg);
    }
    src->nsegs = src->nempty = 0;
}

/* seg, entirely free, leaves heap for the pool. */
static void segment_release(alloc_heap_t *heap, alloc_segment_t *seg, uint32_t now)
{
    heap_seg_remove(heap, seg);
    heap->nsegs--;
    heap->nempty--;
    pthread_mutex_lock(&alloc_global.seg_lock);
    pool_push(seg, now);
    pthread_mutex_unlock(&alloc_global.seg_lock);
}

/* ---- slices <-> pages ------------------------------------------------------ */

/* Makes slices [i, i+n) of seg one page; returns its head descriptor. The
 * caller owns seg's masks (its heap's thread, or seg_lock for shared). */
static alloc_page_t *run_take(alloc_segment_t *seg, unsigned i, unsigned n)
{
    uint64_t m = run_mask(i, n);
    bool fresh = (seg->dirty_mask & m) == 0;
    seg->free_mask &= ~m;
    seg->dirty_mask |= m;
    alloc_page_t *page = &seg->pages[i];
    for (unsigned k = 0; k < n; k++) {
        seg->pages[i + k].head = page;
        seg->pages[i + k].freed_bs = 0;
    }
    page->slice_count = (uint8_t)n;
    page->fresh = fresh;
    return page;
}

/* Gives the page's slices back to seg's masks (dirty, stamped with now). */
static void run_give(alloc_segment_t *seg, alloc_page_t *page, uint32_t now)
{
    unsigned i = (unsigned)(page - seg->pages), n = page->slice_count;
    uint32_t bs = page->block_size;
    for (unsigned k = 0; k < n; k++) {
        memset(&seg->pages[i + k], 0, sizeof seg->pages[0]);
        seg->pages[i + k].head = &seg->pages[i + k];
        seg->freed_ms[i + k] = now;
    }
    seg->pages[i].freed_bs = bs;
    seg->free_mask |= run_mask(i, n);
}

/* Where in mask to put a page of n slices, or 0 when it does not fit
 * (slice 0 is never free). One slice: the lowest free one. More: the end
 * of the smallest run that holds them (the highest such run on a tie), so
 * that pages of big blocks gather at the top of a segment and the runs
 * they leave when freed are not cut up by smaller pages. */
static unsigned run_find(uint64_t f, unsigned n)
{
    f &= ALL_SLICES;
    if (n == 1)
        return f ? (unsigned)__builtin_ctzll(f) : 0;
    if ((unsigned)__builtin_popcountll(f) < n)
        return 0;
    unsigned best = 0, best_len = ALLOC_SLICES + 1;
    while (f != 0) {
        unsigned i = (unsigned)__builtin_ctzll(f);
        uint64_t rest = ~(f >> i);
        unsigned len = rest == 0 ? ALLOC_SLICES - i : (unsigned)__builtin_ctzll(rest);
        if (len >= n && len <= best_len) {
            best_len = len;
            best = i + len - n;
        }
        f &= ~run_mask(i, len);
    }
    return best;
}

/* Where a page of n slices fits in seg, resident slices first (a page
 * carved there costs no page faults, and dirty slices reused are slices
 * that do not sit idle in RSS until purged); 0 if nowhere. */
static unsigned seg_fit(const alloc_segment_t *seg, unsigned n, bool dirty_only)
{
    return run_find(seg->free_mask & (dirty_only ? seg->dirty_mask : ~(uint64_t)0), n);
}

/* ---- one-slice pages from the heap's own segments (owner only) ---------- */

static alloc_page_t *own_take(alloc_heap_t *heap, alloc_segment_t *seg, unsigned i)
{
    if (seg->free_mask == ALL_SLICES)
        heap->nempty--;
    alloc_page_t *page = run_take(seg, i, 1);
    if (seg->free_mask == 0 && seg->hnext != NULL) { /* full: to the back */
        heap_seg_remove(heap, seg);
        heap_seg_insert(heap, seg, false);
    }
    return page;
}

/* Over the heap's segments that have free slices (they come first: the
 * walk stops at the first full one), dirty slices first. */
static alloc_page_t *own_page_new(alloc_heap_t *heap)
{
    for (int dirty = 1; dirty >= 0; dirty--)
        for (alloc_segment_t *seg = heap->segs; seg && seg->free_mask != 0; seg = seg->hnext) {
            unsigned i = seg_fit(seg, 1, dirty);
            if (i != 0)
                return own_take(heap, seg, i);
        }
    alloc_segment_t *seg = pool_take();
    if (seg == NULL)
        seg = segment_new();
    if (seg == NULL)
        return NULL;
    alloc_segment_adopt(heap, seg);
    return own_take(heap, seg, seg_fit(seg, 1, false));
}

static void own_page_free(alloc_heap_t *heap, alloc_segment_t *seg, alloc_page_t *page,
                          uint32_t now)
{
    if (seg->free_mask == 0 && seg != heap->segs) { /* had no room: to the front */
        heap_seg_remove(heap, seg);
        heap_seg_insert(heap, seg, true);
    }
    run_give(seg, page, now);
    if (seg->free_mask == ALL_SLICES && ++heap->nempty > 1)
        segment_release(heap, seg, now);
}

/* ---- pages of 2+ slices from the shared segments (seg_lock) -------------- */

static void shared_insert(alloc_segment_t *seg)
{
    seg->shared = 1;
    seg->heap = NULL;
    seg->hprev = NULL;
    seg->hnext = alloc_global.shared;
    if (alloc_global.shared)
        alloc_global.shared->hprev = seg;
    alloc_global.shared = seg;
    alloc_global.nshared_empty++;
}

static void shared_remove(alloc_segment_t *seg)
{
    if (seg->hprev)
        seg->hprev->hnext = seg->hnext;
    else
        alloc_global.shared = seg->hnext;
    if (seg->hnext)
        seg->hnext->hprev = seg->hprev;
    seg->hnext = seg->hprev = NULL;
}

/* A run of n slices from the shared segments, or 0 with *seg NULL. */
static unsigned shared_fit(unsigned n, alloc_segment_t **out)
{
    for (int dirty = 1; dirty >= 0; dirty--)
        for (alloc_segment_t *seg = alloc_global.shared; seg; seg = seg->hnext) {
            unsigned i = seg->free_mask != 0 ? seg_fit(seg, n, dirty) : 0;
            if (i != 0) {
                *out = seg;
                return i;
            }
        }
    *out = NULL;
    return 0;
}

static alloc_page_t *shared_take(alloc_segment_t *seg, unsigned i, unsigned n)
{
    if (seg->free_mask == ALL_SLICES)
        alloc_global.nshared_empty--;
    return run_take(seg, i, n);
}

static alloc_page_t *shared_page_new(unsigned n)
{
    alloc_segment_t *seg;
    pthread_mutex_lock(&alloc_global.seg_lock);
    unsigned i = shared_fit(n, &seg);
    if (seg == NULL && (seg = alloc_global.pool) != NULL) {
        pool_remove(seg);
        shared_insert(seg);
        i = seg_fit(seg, n, false);
    }
    alloc_page_t *page = seg != NULL ? shared_take(seg, i, n) : NULL;
    pthread_mutex_unlock(&alloc_global.seg_lock);
    if (page != NULL || (seg = segment_new()) == NULL)
        return page;
    pthread_mutex_lock(&alloc_global.seg_lock);
    shared_insert(seg);
    page = shared_take(seg, seg_fit(seg, n, false), n);
    pthread_mutex_unlock(&alloc_global.seg_lock);
    return page;
}

/* An empty shared segment beyond one spare goes to the pool. */
static void shared_page_free(alloc_segment_t *seg, alloc_page_t *page, uint32_t now)
{
    pthread_mutex_lock(&alloc_global.seg_lock);
    run_give(seg, page, now);
    if (seg->free_mask == ALL_SLICES && ++alloc_global.nshared_empty > 1) {
        alloc_global.nshared_empty--;
        shared_remove(seg);
        seg->shared = 0;
        pool_push(seg, now);
    }
    pthread_mutex_unlock(&alloc_global.seg_lock);
}

/* ---- pages -------------------------------------------------------------------- */

alloc_page_t *alloc_segment_page_new(alloc_heap_t *heap, unsigned n)
{
    alloc_segment_purge(false);
    return n == 1 ? own_page_new(heap) : shared_page_new(n);
}

/* Gives the page's slices back to its segment. */
void alloc_segment_page_free(alloc_heap_t *heap, alloc_page_t *page)
{
    alloc_segment_t *seg = segment_of(page);
    uint32_t now = alloc_os_now_ms();
    if (seg->shared)
        shared_page_free(seg, page, now);
    else
        own_page_free(heap, seg, page, now);
    alloc_segment_purge(false);
}

/* ---- purging ---------------------------------------------------------------- */

static bool old_enough(const alloc_segment_t *seg, unsigned i, uint32_t now, bool force)
{
    return force || now - seg->freed_ms[i] >= alloc_global.opt.purge_delay_ms;
}

/* The free dirty slices of seg that are due. */
static uint64_t due_slices(const alloc_segment_t *seg, uint32_t now, bool force)
{
    uint64_t cand = seg->free_mask & seg->dirty_mask & ALL_SLICES;
    for (uint64_t m = cand; m != 0; m &= m - 1) {
        unsigned i = (unsigned)__builtin_ctzll(m);
        if (!old_enough(seg, i, now, force))
            cand &= ~((uint64_t)1 << i);
    }
    return cand;
}

/* MADV_DONTNEEDs the runs of mask in seg and marks them clean. The caller
 * owns seg (its heap's thread, or it took seg out of the pool). */
static void purge_slices(alloc_segment_t *seg, uint64_t mask)
{
    uint64_t m = mask;
    while (m != 0) {
        unsigned i = (unsigned)__builtin_ctzll(m), j = i;
        while (j + 1 < 64 && (m >> (j + 1) & 1))
            j++;
        size_t len = (size_t)(j - i + 1) * ALLOC_SLICE_SIZE;
        alloc_os_purge((uint8_t *)seg + (size_t)i * ALLOC_SLICE_SIZE, len);
        atomic_fetch_add_explicit(&alloc_global.purged_bytes, len, memory_order_relaxed);
        m &= ~run_mask(i, j - i + 1);
    }
    seg->dirty_mask &= ~mask;
}

/* The owner purges its own segments' due slices (every one when forced). */
void alloc_segment_heap_purge(alloc_heap_t *heap, uint32_t now, bool force)
{
    for (alloc_segment_t *seg = heap->segs; seg && seg->free_mask != 0; seg = seg->hnext) {
        uint64_t due = due_slices(seg, now, force);
        if (due != 0)
            purge_slices(seg, due);
    }
}

/* Every empty segment of heap (owner) goes to the pool, the spare too. */
void alloc_segment_heap_release_empty(alloc_heap_t *heap)
{
    uint32_t now = alloc_os_now_ms();
    alloc_segment_t *next;
    for (alloc_segment_t *seg = heap->segs; seg && seg->free_mask != 0; seg = next) {
        next = seg->hnext;
        if (seg->free_mask == ALL_SLICES)
            segment_release(heap, seg, now);
    }
}

/* malloc_trim of one heap's segments (owner): every empty one to the pool,
 * the others' free slices purged now. */
void alloc_segment_heap_trim(alloc_heap_t *heap)
{
    alloc_segment_heap_release_empty(heap);
    alloc_segment_heap_purge(heap, alloc_os_now_ms(), true);
}

/* Lowers the break over fully free, clean-or-old pool segments at its top.
 * seg_lock held. */
static void brk_trim(uint32_t now, bool force)
{
    for (;;) {
        uintptr_t top = alloc_global.brk_end - ALLOC_SEGMENT_SIZE;
        alloc_segment_t *seg = (alloc_segment_t *)top;
        if (alloc_global.brk_end == 0 || top < alloc_global.brk_start || !alloc_in_segment(top) ||
            !seg->in_pool || seg->free_mask != ALL_SLICES ||
            due_slices(seg, now, force) != (seg->dirty_mask & ALL_SLICES))
            return;
        if (alloc_os_brk(0) != alloc_global.brk_end)
            return; /* someone else's memory sits above ours */
        pool_remove(seg);
        segment_unlink(seg); /* reads the header: before the memory goes */
        if (alloc_os_brk(top) != top) {
            segment_link(seg);
            pool_push(seg, seg->pooled_ms);
            return;
        }
        alloc_global.brk_end = top;
        if (top == alloc_global.brk_start)
            alloc_global.brk_start = alloc_global.brk_end = 0;
    }
}

struct pool_work {
    alloc_segment_t *purge[POOL_PURGE_MAX]; /* taken out of the pool: purge, put back */
    uint64_t mask[POOL_PURGE_MAX];
    unsigned npurge;
    alloc_segment_t *unmap[POOL_PURGE_MAX]; /* unlinked already: unmap */
    unsigned nunmap;
    alloc_segment_t *shared[POOL_PURGE_MAX]; /* shared, their due slices taken: purge, give back */
    uint64_t smask[POOL_PURGE_MAX];
    unsigned nshared;
};

/* Takes the due free slices of shared segments out of their free masks
 * (nobody carves them while they are purged). seg_lock held. */
static void shared_collect(uint32_t now, bool force, struct pool_work *w)
{
    for (alloc_segment_t *seg = alloc_global.shared; seg && w->nshared < POOL_PURGE_MAX;
         seg = seg->hnext) {
        uint64_t due = due_slices(seg, now, force);
        if (due == 0)
            continue;
        if (seg->free_mask == ALL_SLICES)
            alloc_global.nshared_empty--;
        seg->free_mask &= ~due;
        w->shared[w->nshared] = seg;
        w->smask[w->nshared++] = due;
    }
}

/* Picks the pool's due work (seg_lock held): clean mmap segments pooled
 * for POOL_UNMAP_AFTER delays are unmapped, due dirty slices purged. */
static void pool_collect(uint32_t now, bool force, struct pool_work *w)
{
    uint32_t unmap_after = alloc_global.opt.purge_delay_ms * POOL_UNMAP_AFTER;
    alloc_segment_t *next;
    for (alloc_segment_t *seg = alloc_global.pool; seg; seg = next) {
        next = seg->hnext;
        uint64_t due = due_slices(seg, now, force);
        bool clean = due == (seg->dirty_mask & ALL_SLICES);
        if (seg->backend == STRATA_BACKEND_MMAP && clean && w->nunmap < POOL_PURGE_MAX &&
            (force || now - seg->pooled_ms >= unmap_after)) {
            pool_remove(seg);
            segment_unlink(seg);
            w->unmap[w->nunmap++] = seg;
        } else if (due != 0 && w->npurge < POOL_PURGE_MAX) {
            pool_remove(seg);
            w->purge[w->npurge] = seg;
            w->mask[w->npurge++] = due;
        }
    }
}

static void pool_run(struct pool_work *w)
{
    for (unsigned k = 0; k < w->nunmap; k++)
        alloc_os_munmap(w->unmap[k], ALLOC_SEGMENT_SIZE);
    for (unsigned k = 0; k < w->npurge; k++)
        purge_slices(w->purge[k], w->mask[k]);
    for (unsigned k = 0; k < w->nshared; k++)
        purge_slices(w->shared[k], w->smask[k]);
    if (w->npurge == 0 && w->nshared == 0)
        return;
    pthread_mutex_lock(&alloc_global.seg_lock);
    for (unsigned k = 0; k < w->npurge; k++)
        pool_push(w->purge[k], w->purge[k]->pooled_ms);
    for (unsigned k = 0; k < w->nshared; k++) {
        alloc_segment_t *seg = w->shared[k];
        seg->free_mask |= w->smask[k];
        if (seg->free_mask == ALL_SLICES)
            alloc_global.nshared_empty++;
    }
    pthread_mutex_unlock(&alloc_global.seg_lock);
}

/* The global purge: parked heaps and the shared classes' kept pages (which
 * may hand slices and segments back), the pool, the shared segments' free
 * slices, the break and the large cache. Looked at every half
 * delay (every time with a delay of 0, or when forced). */
void alloc_segment_purge(bool force)
{
    uint32_t now = alloc_os_now_ms();
    uint32_t every = alloc_global.opt.purge_delay_ms / 2;
    if (!force && now - alloc_global.last_purge_ms < every)
        return; /* racy read: a hint, the check below is locked */
    pthread_mutex_lock(&alloc_global.seg_lock);
    bool due = force || now - alloc_global.last_purge_ms >= every;
    if (due)
        alloc_global.last_purge_ms = now;
    pthread_mutex_unlock(&alloc_global.seg_lock);
    if (!due)
        return;
    alloc_heap_purge_parked(now, force);
    alloc_shared_purge(now, force);
    struct pool_work w;
    do { /* a bounded batch at a time; malloc_trim goes on until all is done */
        w.npurge = w.nunmap = w.nshared = 0;
        pthread_mutex_lock(&alloc_global.seg_lock);
        pool_collect(now, force, &w);
        shared_collect(now, force, &w);
        brk_trim(now, force);
        pthread_mutex_unlock(&alloc_global.seg_lock);
        pool_run(&w);
    } while (force && (w.npurge == POOL_PURGE_MAX || w.nunmap == POOL_PURGE_MAX ||
                       w.nshared == POOL_PURGE_MAX));
    if (force) { /* what was purged just now is clean: the break can come down */
        pthread_mutex_lock(&alloc_global.seg_lock);
        brk_trim(now, true);
        pthread_mutex_unlock(&alloc_global.seg_lock);
    }
    alloc_large_purge(force);
}

/* Statistics: slices held by pages, segments, and blocks in use per class
 * (a page's `used`, read racily: blocks other threads freed count until
 * the owner collects them; masks other threads change are read as they
 * are). seg_lock taken. */
void alloc_segment_usage(size_t *active_bytes, size_t *segments, uint64_t *in_use)
{
    size_t act = 0, n = 0;
    pthread_mutex_lock(&alloc_global.seg_lock);
    for (alloc_segment_t *seg = alloc_global.segments; seg; seg = seg->next) {
        uint64_t f = __atomic_load_n(&seg->free_mask, __ATOMIC_RELAXED);
        act += (size_t)(63 - __builtin_popcountll(f & ALL_SLICES)) * ALLOC_SLICE_SIZE;
        n++;
        for (unsigned i = 1; i < ALLOC_SLICES; i++) {
            const alloc_page_t *p = &seg->pages[i];
            uint32_t bs = __atomic_load_n(&p->block_size, __ATOMIC_RELAXED);
            if (p->head == p && bs != 0 && p->class_idx < ALLOC_CLASSES)
                in_use[p->class_idx] += alloc_page_used(p);
        }
    }
    pthread_mutex_unlock(&alloc_global.seg_lock);
    *active_bytes = act;
    *segments = n;
}
