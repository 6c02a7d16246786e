/*
 * core_segment.c — segments: where pages come from and where they go back.
 *
 * Segments are 4 MiB, 4 MiB-aligned, taken from the program break (brk)
 * or from mmap as STRATA_BACKEND says; in auto mode brk is used while the
 * break can grow, and once the kernel refuses (a mapping right above the
 * break, an ASLR collision) segments come from mmap, silently. If someone
 * else moved the break, the next brk segment simply starts above it.
 *
 * Pages are runs of free slices (first fit); a freed page's slices stay
 * dirty (resident) for STRATA_PURGE_DELAY_MS so that churn does not fault,
 * then purge() returns them with MADV_DONTNEED; a segment that is entirely
 * free that long is unmapped (mmap) or given back by lowering the break
 * (when it is the top of our brk area). All of this is under seg_lock,
 * except the madvise/munmap themselves, which run after unlocking on
 * slices taken out of the free mask meanwhile.
 */
#include <string.h>

#include "internal.h"
#include "strata.h"

#define ALL_SLICES (~(uint64_t)1) /* every slice but the header */
#define PURGE_BATCH 32

static uint64_t run_mask(unsigned i, unsigned n)
{
    return (n >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1)) << i;
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

/* ---- getting segments from the backends -------------------------------- */

/* A new segment at the top of the break, or 0 when the break cannot grow.
 * seg_lock held (the break is process state; our view of it must not race). */
static uintptr_t brk_segment(void)
{
    uintptr_t cur = alloc_os_brk(0);
    if (alloc_global.brk_end != 0 && cur != alloc_global.brk_end && alloc_global.opt.verbose)
        alloc_print("strata: the program break moved under us (%p, expected %p); "
                    "continuing above it\n", (void *)cur, (void *)alloc_global.brk_end);
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
            alloc_print("strata: the program break cannot grow; heap segments now come from mmap\n");
    }
    return base;
}

/* Appends seg to the list, sets its byte in the ownership map and
 * registers it. seg_lock held. */
static void segment_link(alloc_segment_t *seg)
{
    alloc_segment_t **pp = &alloc_global.segments, *prev = NULL;
    while (*pp != NULL) { /* oldest first: pages fill old segments, new ones empty out */
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

/* ---- slices <-> pages --------------------------------------------------- */

/* Takes slices [i, i+n) of seg as one page; returns its head descriptor. */
static alloc_page_t *slices_take(alloc_segment_t *seg, unsigned i, unsigned n)
{
    uint64_t m = run_mask(i, n);
    bool fresh = (seg->dirty_mask & m) == 0;
    seg->free_mask &= ~m;
    seg->dirty_mask |= m;
    alloc_page_t *page = &seg->pages[i];
    for (unsigned k = 0; k < n; k++)
        seg->pages[i + k].head = page;
    page->slice_count = (uint8_t)n;
    page->fresh = fresh;
    return page;
}

/* First fit of n free slices over all segments. seg_lock held. */
static alloc_page_t *slices_find(unsigned n)
{
    for (alloc_segment_t *seg = alloc_global.segments; seg; seg = seg->next) {
        uint64_t f = seg->free_mask;
        if ((unsigned)__builtin_popcountll(f) < n)
            continue;
        for (unsigned i = 1; i + n <= ALLOC_SLICES; i++) {
            uint64_t m = run_mask(i, n);
            if ((f & m) == m)
                return slices_take(seg, i, n);
        }
    }
    return NULL;
}

alloc_page_t *alloc_segment_page_new(unsigned n)
{
    alloc_segment_purge(false);
    pthread_mutex_lock(&alloc_global.seg_lock);
    alloc_page_t *page = slices_find(n);
    if (page == NULL) {
        uintptr_t base = try_brk();
        if (base != 0)
            page = slices_take(segment_init(base, STRATA_BACKEND_BRK), 1, n);
    }
    pthread_mutex_unlock(&alloc_global.seg_lock);
    if (page != NULL || alloc_global.opt.backend == STRATA_BACKEND_BRK)
        return page;
    void *mem = alloc_os_mmap_aligned(ALLOC_SEGMENT_SIZE, ALLOC_SEGMENT_SIZE, false);
    if (mem == NULL)
        return NULL;
    pthread_mutex_lock(&alloc_global.seg_lock);
    page = slices_take(segment_init((uintptr_t)mem, STRATA_BACKEND_MMAP), 1, n);
    pthread_mutex_unlock(&alloc_global.seg_lock);
    return page;
}

void alloc_segment_page_free(alloc_page_t *page)
{
    alloc_segment_page_release(page);
    alloc_segment_purge(false);
}

/* Gives the page's slices back (dirty, stamped with the time). */
void alloc_segment_page_release(alloc_page_t *page)
{
    alloc_segment_t *seg = (alloc_segment_t *)((uintptr_t)page & ~(uintptr_t)ALLOC_SEGMENT_MASK);
    unsigned i = (unsigned)(page - seg->pages), n = page->slice_count;
    uint32_t now = alloc_os_now_ms();
    pthread_mutex_lock(&alloc_global.seg_lock);
    for (unsigned k = 0; k < n; k++) {
        memset(&seg->pages[i + k], 0, sizeof seg->pages[0]);
        seg->pages[i + k].head = &seg->pages[i + k];
        seg->freed_ms[i + k] = now;
    }
    seg->free_mask |= run_mask(i, n);
    pthread_mutex_unlock(&alloc_global.seg_lock);
}

/* ---- purging ------------------------------------------------------------ */

struct purge_work {
    uintptr_t start[PURGE_BATCH]; /* ranges to MADV_DONTNEED ... */
    size_t len[PURGE_BATCH];
    alloc_segment_t *seg[PURGE_BATCH]; /* ... and the slices they were */
    uint64_t mask[PURGE_BATCH];
    unsigned n;
    void *unmap[PURGE_BATCH]; /* whole mmap segments to unmap */
    unsigned nunmap;
};

static bool old_enough(const alloc_segment_t *seg, unsigned i, uint32_t now, bool force)
{
    return force || now - seg->freed_ms[i] >= alloc_global.opt.purge_delay_ms;
}

/* Lowers the break over fully free brk segments at its top. seg_lock held. */
static void brk_trim(uint32_t now, bool force)
{
    for (;;) {
        uintptr_t top = alloc_global.brk_end - ALLOC_SEGMENT_SIZE;
        alloc_segment_t *seg = (alloc_segment_t *)top;
        if (alloc_global.brk_end == 0 || top < alloc_global.brk_start ||
            !alloc_in_segment(top) || seg->free_mask != ALL_SLICES)
            return;
        for (unsigned i = 1; i < ALLOC_SLICES; i++)
            if ((seg->dirty_mask >> i & 1) && !old_enough(seg, i, now, force))
                return;
        if (alloc_os_brk(0) != alloc_global.brk_end)
            return; /* someone else's memory sits above ours */
        segment_unlink(seg); /* reads the header: before the memory goes */
        if (alloc_os_brk(top) != top) {
            segment_link(seg);
            return;
        }
        alloc_global.brk_end = top;
        if (top == alloc_global.brk_start)
            alloc_global.brk_start = alloc_global.brk_end = 0;
    }
}

/* Picks due work from one segment: the whole segment when it is an mmap
 * segment entirely free and old, else its free dirty old slices. */
static void collect_segment(alloc_segment_t *seg, uint32_t now, bool force, struct purge_work *w)
{
    uint64_t cand = seg->free_mask & seg->dirty_mask;
    for (unsigned i = 1; i < ALLOC_SLICES; i++)
        if ((cand >> i & 1) && !old_enough(seg, i, now, force))
            cand &= ~((uint64_t)1 << i);
    if (seg->backend == STRATA_BACKEND_MMAP && seg->free_mask == ALL_SLICES &&
        cand == (seg->dirty_mask & ALL_SLICES) && w->nunmap < PURGE_BATCH) {
        segment_unlink(seg);
        w->unmap[w->nunmap++] = seg;
        return;
    }
    if (cand == 0 || w->n >= PURGE_BATCH)
        return;
    seg->free_mask &= ~cand; /* nobody takes them while we purge */
    unsigned lo = (unsigned)__builtin_ctzll(cand), hi = 63u - (unsigned)__builtin_clzll(cand);
    w->seg[w->n] = seg;
    w->mask[w->n] = cand;
    w->start[w->n] = (uintptr_t)seg + (uintptr_t)lo * ALLOC_SLICE_SIZE;
    w->len[w->n] = (size_t)(hi - lo + 1) * ALLOC_SLICE_SIZE;
    w->n++;
}

/* Purges every range in w, then hands the slices back as clean. A range
 * spans from the lowest to the highest candidate slice: slices in between
 * that are in use are not in the mask and are skipped one by one. */
static void purge_run(struct purge_work *w)
{
    for (unsigned k = 0; k < w->nunmap; k++)
        alloc_os_munmap(w->unmap[k], ALLOC_SEGMENT_SIZE);
    for (unsigned k = 0; k < w->n; k++) {
        uint64_t m = w->mask[k];
        while (m != 0) {
            unsigned i = (unsigned)__builtin_ctzll(m), j = i;
            while (j + 1 < 64 && (m >> (j + 1) & 1))
                j++;
            uintptr_t s = (uintptr_t)w->seg[k] + (uintptr_t)i * ALLOC_SLICE_SIZE;
            alloc_os_purge((void *)s, (size_t)(j - i + 1) * ALLOC_SLICE_SIZE);
            atomic_fetch_add_explicit(&alloc_global.purged_bytes,
                                      (size_t)(j - i + 1) * ALLOC_SLICE_SIZE, memory_order_relaxed);
            m &= ~run_mask(i, j - i + 1);
        }
    }
    if (w->n == 0)
        return;
    pthread_mutex_lock(&alloc_global.seg_lock);
    for (unsigned k = 0; k < w->n; k++) {
        w->seg[k]->dirty_mask &= ~w->mask[k];
        w->seg[k]->free_mask |= w->mask[k];
    }
    pthread_mutex_unlock(&alloc_global.seg_lock);
}

void alloc_segment_purge(bool force)
{
    if (force) /* malloc_trim: first every fully free abandoned page */
        while (alloc_heap_reclaim_abandoned() == 64)
            ;
    uint32_t now = alloc_os_now_ms();
    /* Looked at every half delay (every time with a delay of 0). */
    uint32_t every = alloc_global.opt.purge_delay_ms / 2;
    if (!force && now - alloc_global.last_purge_ms < every)
        return; /* racy read: a hint, the check below is locked */
    struct purge_work w = {.n = 0};
    bool due = false;
    pthread_mutex_lock(&alloc_global.seg_lock);
    if (force || now - alloc_global.last_purge_ms >= every) {
        due = true;
        alloc_global.last_purge_ms = now;
        brk_trim(now, force);
        alloc_segment_t *next;
        for (alloc_segment_t *seg = alloc_global.segments; seg; seg = next) {
            next = seg->next;
            collect_segment(seg, now, force, &w);
        }
    }
    pthread_mutex_unlock(&alloc_global.seg_lock);
    if (due && !force)
        alloc_heap_reclaim_abandoned();
    purge_run(&w);
    alloc_large_purge(force);
}

/* Statistics: slices held by pages, segments, and blocks in use per class
 * (a page's `used`, read racily: blocks other threads freed count until
 * the owner collects them). seg_lock taken. */
void alloc_segment_usage(size_t *active_bytes, size_t *segments, uint64_t *in_use)
{
    size_t act = 0, n = 0;
    pthread_mutex_lock(&alloc_global.seg_lock);
    for (alloc_segment_t *seg = alloc_global.segments; seg; seg = seg->next) {
        act += (size_t)(63 - __builtin_popcountll(seg->free_mask)) * ALLOC_SLICE_SIZE;
        n++;
        for (unsigned i = 1; i < ALLOC_SLICES; i++) {
            const alloc_page_t *p = &seg->pages[i];
            if (p->head == p && p->block_size != 0)
                in_use[p->class_idx] += alloc_page_used(p);
        }
    }
    pthread_mutex_unlock(&alloc_global.seg_lock);
    *active_bytes = act;
    *segments = n;
}
