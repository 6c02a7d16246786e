/*
 * core_heap.c — thread heaps and their life cycle.
 *
 * Each thread allocates without locks from its own pages; pages that run
 * full wait in a `full` queue until a free brings them back. Every page and
 * segment belongs to one heap, and free() tells a local free from a remote
 * one by comparing the page's heap with the thread's.
 *
 * Thread exit parks the heap whole: its pages, their free lists and its
 * segments stay as they are (O(1), one lock), and the next thread to start
 * takes the most recently parked heap whole (O(1) again), so a server that
 * replaces worker threads hands each new one a warm heap, and the blocks a
 * dead thread left behind are local to its successor, not remote frees
 * into abandoned pages (the design choice, measured against mimalloc's
 * abandon-and-reclaim of segments and tcmalloc's/jemalloc's caches, is
 * explained in README's "alloc design"). Remote frees into a parked heap's
 * pages work as for a live one (the heap struct never goes away). A heap
 * parked for longer than the purge delay that no new thread took is
 * *absorbed* by a running heap that needs a page (its pages and segments
 * become that heap's: nothing is stranded), and the global purge trims
 * parked heaps, so their free memory goes back to the OS.
 *
 * Heaps live in metadata mappings that are never unmapped, so a page's
 * heap pointer is always safe to read; counters stay with the heap struct
 * (statistics sum over every heap ever made).
 */
#include <sched.h>
#include <string.h>

#include "fast.h"
#include "internal.h"
#include "strata.h"

#define META_CHUNK ((size_t)256 << 10)
#define IDLE_AFTER 10 /* purge delays a parked heap waits for a new thread before it is idle */

/* Has heap waited so long (IDLE_AFTER purge delays, and 100 ms at least)
 * that no new thread is coming for it? Then a running heap may absorb it,
 * and the global purge trims it. */
static bool parked_idle(const alloc_heap_t *heap, uint32_t now)
{
    return now - heap->parked_ms >= IDLE_AFTER * alloc_global.opt.purge_delay_ms + 100;
}

static void heap_free_empty_pages(alloc_heap_t *heap);

/* ---- heap structs (heap lock) ------------------------------------------- */

static void heap_clear(alloc_heap_t *heap)
{
    for (unsigned c = 0; c < ALLOC_CLASSES; c++) {
        heap->direct[c] = &alloc_empty_page;
        heap->queue[c].first = heap->queue[c].last = NULL;
        heap->full[c].first = heap->full[c].last = NULL;
    }
    heap->key = alloc_key;
    atomic_store_explicit(&heap->delayed_free, 0, memory_order_relaxed);
    heap->segs = NULL;
    heap->nsegs = heap->nempty = 0;
    heap->purge_ms = alloc_os_now_ms();
}

/* A brand new heap struct, or NULL without memory. heap_lock held. */
static alloc_heap_t *heap_make(void)
{
    size_t sz = (sizeof(alloc_heap_t) + 63) & ~(size_t)63;
    if (alloc_global.meta_cur == NULL ||
        (size_t)(alloc_global.meta_end - alloc_global.meta_cur) < sz) {
        uint8_t *m = alloc_os_mmap(META_CHUNK, false);
        if (m == NULL)
            return NULL;
        strata_region_register(m, META_CHUNK, STRATA_BACKEND_MMAP, STRATA_REGION_META);
        atomic_fetch_add_explicit(&alloc_global.meta_bytes, META_CHUNK, memory_order_relaxed);
        alloc_global.meta_cur = m;
        alloc_global.meta_end = m + META_CHUNK;
    }
    alloc_heap_t *heap = (alloc_heap_t *)alloc_global.meta_cur;
    alloc_global.meta_cur += sz;
    heap_clear(heap);
    heap->next_all = alloc_global.heaps;
    alloc_global.heaps = heap;
    return heap;
}

/* Unlinks heap from the parked list. heap_lock held. */
static void parked_remove(alloc_heap_t *heap)
{
    alloc_heap_t **pp = &alloc_global.parked;
    while (*pp != heap)
        pp = &(*pp)->next_idle;
    *pp = heap->next_idle;
    heap->next_idle = NULL;
    atomic_fetch_sub_explicit(&alloc_global.nparked, 1, memory_order_relaxed);
}

static void parked_push(alloc_heap_t *heap)
{
    heap->state = ALLOC_HEAP_PARKED;
    heap->next_idle = alloc_global.parked;
    alloc_global.parked = heap;
    atomic_fetch_add_explicit(&alloc_global.nparked, 1, memory_order_relaxed);
}

static void free_push(alloc_heap_t *heap)
{
    heap->state = ALLOC_HEAP_FREE;
    heap->next_idle = alloc_global.free_heaps;
    alloc_global.free_heaps = heap;
}

/* A heap for a starting thread: the most recently parked (warm, with its
 * pages), else a free one, else a new one. heap_lock held; dropped and
 * taken again while the purge has parked heaps out to trim them, which a
 * new thread waits for rather than starting with an empty heap while a
 * parked one is about to come back. */
static alloc_heap_t *heap_for_thread(void)
{
    while (alloc_global.parked == NULL && alloc_global.ntrimming != 0) {
        pthread_mutex_unlock(&alloc_global.heap_lock);
        sched_yield();
        pthread_mutex_lock(&alloc_global.heap_lock);
    }
    alloc_heap_t *heap = alloc_global.parked;
    if (heap != NULL) {
        parked_remove(heap);
        atomic_fetch_add_explicit(&alloc_global.heaps_reused, 1, memory_order_relaxed);
    } else if ((heap = alloc_global.free_heaps) != NULL) {
        alloc_global.free_heaps = heap->next_idle;
        heap->next_idle = NULL;
    } else if ((heap = heap_make()) == NULL) {
        return NULL;
    }
    heap->state = ALLOC_HEAP_LIVE;
    atomic_fetch_add_explicit(&alloc_global.nlive, 1, memory_order_relaxed);
    return heap;
}

alloc_heap_t *alloc_heap_get(void)
{
    alloc_heap_t *heap = alloc_tls_heap;
    if (heap != &alloc_empty_heap)
        return heap;
    if (alloc_tls_busy)
        return NULL; /* called back while setting up: the caller uses the boot arena */
    alloc_init();
    if (atomic_load_explicit(&alloc_global.init_state, memory_order_acquire) != 2)
        return NULL;
    alloc_tls_busy = 1;
    pthread_mutex_lock(&alloc_global.heap_lock);
    heap = heap_for_thread();
    pthread_mutex_unlock(&alloc_global.heap_lock);
    if (heap != NULL) {
        alloc_tls_heap = heap;
        if (alloc_global.key_ok)
            pthread_setspecific(alloc_global.thread_key, heap);
    }
    alloc_tls_busy = 0;
    return heap;
}

/* pthread key destructor: the thread is exiting; its heap waits, with the
 * pages that hold blocks, for the next thread. Its empty pages go back to
 * its segments first and its empty segments to the pool (still resident,
 * for whichever heap needs them next): what a parked heap keeps is what
 * it cannot give back. */
void alloc_heap_thread_done(void *arg)
{
    alloc_heap_t *heap = arg;
    if (heap == NULL || heap == &alloc_empty_heap)
        return;
    heap_free_empty_pages(heap);
    alloc_segment_heap_release_empty(heap);
    if (alloc_tls_heap == heap)
        alloc_tls_heap = &alloc_empty_heap;
    uint32_t now = alloc_os_now_ms();
    pthread_mutex_lock(&alloc_global.heap_lock);
    heap->parked_ms = now;
    heap->trimmed = 0;
    parked_push(heap);
    atomic_fetch_sub_explicit(&alloc_global.nlive, 1, memory_order_relaxed);
    pthread_mutex_unlock(&alloc_global.heap_lock);
}

/* In a forked child only the forking thread exists: every other live heap
 * belongs to a thread that is gone, possibly in the middle of changing its
 * queues, so those heaps are orphaned: never taken, absorbed or trimmed
 * (their memory stays with the child, as it would in a child that never
 * frees). Single-threaded: no lock. */
void alloc_heap_fork_child(void)
{
    /* A purge that had parked heaps out to trim them vanished with its
     * thread: those heaps are lost to the child, and nobody may wait for
     * them (heap_for_thread waits while ntrimming is not 0). */
    alloc_global.ntrimming = 0;
    for (alloc_heap_t *h = alloc_global.heaps; h; h = h->next_all) {
        if (h->state != ALLOC_HEAP_LIVE || h == alloc_tls_heap)
            continue;
        h->state = ALLOC_HEAP_ORPHANED;
        atomic_fetch_sub_explicit(&alloc_global.nlive, 1, memory_order_relaxed);
    }
}

/* Makes page the direct page of class cls, moving ALLOC_PAGE_DIRECT from
 * the old one (which must still be this heap's: set the direct page away
 * from a page BEFORE giving the page up). The flag keeps an emptied page
 * from going back (free does not take the slow path for it), so that a
 * malloc/free loop does not carve and release a page each time. */
static void set_direct(alloc_heap_t *heap, unsigned cls, alloc_page_t *page)
{
    alloc_page_t *old = heap->direct[cls];
    if (old == page)
        return;
    if (old != &alloc_empty_page)
        old->used &= ~ALLOC_PAGE_DIRECT;
    if (page != &alloc_empty_page)
        page->used |= ALLOC_PAGE_DIRECT;
    heap->direct[cls] = page;
}

/* ---- full pages ----------------------------------------------------------- */

/* The page had nothing to give: park it in the full queue, where remote
 * frees will notify the heap through its delayed list. Returns false (and
 * leaves it in place) when remote frees arrived meanwhile. */
static bool page_to_full(alloc_heap_t *heap, alloc_page_t *page)
{
    alloc_page_set_tf_state(page, ALLOC_TF_USE_DELAYED, false);
    if (alloc_page_collect(page)) {
        alloc_page_set_tf_state(page, ALLOC_TF_NORMAL, false);
        return false;
    }
    alloc_queue_remove(&heap->queue[page->class_idx], page);
    alloc_queue_push_back(&heap->full[page->class_idx], page);
    if (heap->direct[page->class_idx] == page)
        set_direct(heap, page->class_idx, &alloc_empty_page);
    page->used |= ALLOC_PAGE_FULL;
    return true;
}

/* The page got a block back. Its remote-free state stays USE_DELAYED: the
 * next remote free goes through the delayed list once and sets NORMAL
 * itself, so a page that goes full and back with local frees only (the
 * common case) costs no atomic operation either way. */
static void page_from_full(alloc_heap_t *heap, alloc_page_t *page)
{
    alloc_queue_remove(&heap->full[page->class_idx], page);
    page->used &= ~ALLOC_PAGE_FULL;
    alloc_queue_push_front(&heap->queue[page->class_idx], page);
}

static void heap_tick(alloc_heap_t *heap);

/* Gives an empty page's slices back. */
static void page_free(alloc_heap_t *heap, alloc_page_t *page)
{
    unsigned cls = page->class_idx;
    alloc_queue_t *q = &heap->queue[cls];
    alloc_page_set_tf_state(page, ALLOC_TF_NEVER_DELAYED, false);
    alloc_queue_remove(q, page);
    if (heap->direct[cls] == page)
        set_direct(heap, cls, q->first ? q->first : &alloc_empty_page);
    alloc_segment_page_free(heap, page);
    heap_tick(heap);
}

/* Every half purge delay, from a slow path: the heap's free slices that
 * are due are purged. */
static void heap_tick(alloc_heap_t *heap)
{
    uint32_t now = alloc_os_now_ms();
    if (now - heap->purge_ms < alloc_global.opt.purge_delay_ms / 2)
        return;
    heap->purge_ms = now;
    alloc_segment_heap_purge(heap, now, false);
}

/* An empty page goes back to its segment, unless it is the heap's only page
 * of its class (then it stays, so that a malloc/free loop does not carve
 * and release a page every time). */
void alloc_heap_retire_page(alloc_heap_t *heap, alloc_page_t *page)
{
    alloc_queue_t *q = &heap->queue[page->class_idx];
    if (alloc_page_in_full(page) || (q->first == page && page->next == NULL))
        return;
    page_free(heap, page);
}

/* After the owner freed into a page that is empty or parked as full. */
void alloc_free_local_slow(alloc_heap_t *heap, alloc_page_t *page, alloc_block_t *b)
{
    (void)b;
    if (alloc_page_in_full(page))
        page_from_full(heap, page);
    if (page->used == 0)
        alloc_heap_retire_page(heap, page);
}

/* Frees, as the owner, the blocks other threads sent to the delayed list:
 * one per full page that got a free (the page comes back to its queue),
 * and one per queued page that gathered many remote frees (collected now
 * and moved to the front of its queue, or retired if that emptied it). */
void alloc_heap_collect_delayed(alloc_heap_t *heap)
{
    uintptr_t d = atomic_exchange_explicit(&heap->delayed_free, 0, memory_order_acquire);
    uintptr_t key = alloc_key;
    while (d != 0) {
        alloc_block_t *b = (alloc_block_t *)d;
        d = b->next_enc ^ key;
        uintptr_t a = (uintptr_t)b;
        alloc_page_t *page = alloc_page_at(a & ~(uintptr_t)ALLOC_SEGMENT_MASK, a);
        b->next_enc = (uintptr_t)page->local_free ^ key;
        page->local_free = b;
        page->used--;
        if (!alloc_page_in_full(page)) {
            alloc_page_collect(page);
            alloc_queue_t *q = &heap->queue[page->class_idx];
            if (q->first != page) {
                alloc_queue_remove(q, page);
                alloc_queue_push_front(q, page);
            }
        }
        alloc_free_local_slow(heap, page, b);
    }
}

/* ---- absorbing a parked heap ------------------------------------------- */

/* Every page and segment of src (parked, taken off the list by the caller)
 * becomes dst's. First no remote free may be using src's delayed list any
 * more (NEVER state on every page, which waits out one in progress), then
 * what is on it is freed, then the pages change heap and queue. */
static void heap_merge(alloc_heap_t *dst, alloc_heap_t *src)
{
    for (unsigned c = 0; c < ALLOC_CLASSES; c++) {
        for (alloc_page_t *p = src->queue[c].first; p; p = p->next)
            alloc_page_set_tf_state(p, ALLOC_TF_NEVER_DELAYED, false);
        for (alloc_page_t *p = src->full[c].first; p; p = p->next)
            alloc_page_set_tf_state(p, ALLOC_TF_NEVER_DELAYED, false);
    }
    alloc_heap_collect_delayed(src);
    for (unsigned c = 0; c < ALLOC_CLASSES; c++) {
        set_direct(src, c, &alloc_empty_page);
        alloc_page_t *p;
        while ((p = src->queue[c].first) != NULL) {
            alloc_queue_remove(&src->queue[c], p);
            atomic_store_explicit(&p->heap, dst, memory_order_release);
            alloc_page_set_tf_state(p, ALLOC_TF_NORMAL, true);
            alloc_queue_push_back(&dst->queue[c], p);
        }
        while ((p = src->full[c].first) != NULL) {
            alloc_queue_remove(&src->full[c], p);
            atomic_store_explicit(&p->heap, dst, memory_order_release);
            alloc_page_set_tf_state(p, ALLOC_TF_USE_DELAYED, true);
            alloc_queue_push_back(&dst->full[c], p);
        }
    }
    alloc_segment_move_all(dst, src);
}

/* The oldest heap parked for at least the purge delay, taken off the list,
 * or NULL. heap_lock held. */
static alloc_heap_t *parked_take_old(uint32_t now)
{
    alloc_heap_t *old = NULL;
    for (alloc_heap_t *h = alloc_global.parked; h; h = h->next_idle)
        if (parked_idle(h, now))
            old = h;
    if (old != NULL)
        parked_remove(old);
    return old;
}

/* heap needs memory: if a parked heap has waited long enough for a new
 * thread, it takes it whole. Returns true if it did. */
static bool heap_absorb_old(alloc_heap_t *heap)
{
    if (atomic_load_explicit(&alloc_global.nparked, memory_order_relaxed) == 0)
        return false;
    uint32_t now = alloc_os_now_ms();
    pthread_mutex_lock(&alloc_global.heap_lock);
    alloc_heap_t *src = parked_take_old(now);
    pthread_mutex_unlock(&alloc_global.heap_lock);
    if (src == NULL)
        return false;
    heap_merge(heap, src);
    heap_clear(src);
    pthread_mutex_lock(&alloc_global.heap_lock);
    free_push(src);
    pthread_mutex_unlock(&alloc_global.heap_lock);
    atomic_fetch_add_explicit(&alloc_global.heaps_absorbed, 1, memory_order_relaxed);
    return true;
}

/* ---- finding a page to allocate from ------------------------------------- */

/* A page of the class queue with a block to give: the first (of at most
 * QUEUE_SEARCH looked at) that has freed blocks to collect, moving pages
 * found full to the full queue; else the first that can be extended with
 * never-used blocks. Freed blocks come before fresh ones, so that blocks
 * other threads gave back are reused instead of piling up on pages further
 * down the queue while new memory is carved. NULL when none has room. */
#define QUEUE_SEARCH 64
static alloc_page_t *queue_find(alloc_heap_t *heap, unsigned cls)
{
    alloc_page_t *page, *next, *extendable = NULL;
    unsigned seen = 0;
    for (page = heap->queue[cls].first; page != NULL && seen < QUEUE_SEARCH; page = next) {
        next = page->next;
        if (alloc_page_collect(page))
            return page;
        if (page->capacity < page->reserved) {
            if (extendable == NULL)
                extendable = page;
            seen++;
            continue;
        }
        if (!page_to_full(heap, page))
            return page;
    }
    if (extendable != NULL)
        alloc_page_extend(extendable);
    return extendable;
}

alloc_page_t *alloc_heap_page_for(alloc_heap_t *heap, unsigned cls)
{
    if (atomic_load_explicit(&heap->delayed_free, memory_order_relaxed) != 0)
        alloc_heap_collect_delayed(heap);
    heap_tick(heap);
    alloc_queue_t *q = &heap->queue[cls];
    alloc_page_t *page = queue_find(heap, cls);
    if (page == NULL && heap_absorb_old(heap))
        page = queue_find(heap, cls);
    if (page == NULL) {
        page = alloc_segment_page_new(heap, alloc_class_slices[cls]);
        if (page == NULL)
            return NULL;
        alloc_page_init(page, cls, heap);
        alloc_page_extend(page);
        alloc_queue_push_front(q, page);
    } else if (page != q->first) {
        alloc_queue_remove(q, page);
        alloc_queue_push_front(q, page);
    }
    set_direct(heap, cls, page);
    return page;
}

/* ---- trimming ------------------------------------------------------------ */

/* malloc_trim of one heap (its owner, or whoever took it parked): the empty
 * pages it keeps for reuse go back, its empty segments to the pool, and
 * its free slices to the OS. */
void alloc_heap_trim(alloc_heap_t *heap)
{
    heap_free_empty_pages(heap);
    alloc_segment_heap_trim(heap);
}

/* Every page of heap that holds no block goes back to its segment, the
 * pages kept empty for reuse included. */
static void heap_free_empty_pages(alloc_heap_t *heap)
{
    alloc_heap_collect_delayed(heap);
    for (unsigned c = 0; c < ALLOC_CLASSES; c++) {
        alloc_page_t *next;
        set_direct(heap, c, &alloc_empty_page); /* before its page may go */
        for (alloc_page_t *p = heap->queue[c].first; p; p = next) {
            next = p->next;
            alloc_page_collect(p);
            if (p->used == 0)
                page_free(heap, p);
        }
        set_direct(heap, c, heap->queue[c].first ? heap->queue[c].first : &alloc_empty_page);
    }
}

static bool heap_holds_nothing(const alloc_heap_t *heap)
{
    if (heap->segs != NULL)
        return false;
    for (unsigned c = 0; c < ALLOC_CLASSES; c++)
        if (heap->queue[c].first || heap->full[c].first)
            return false;
    return true;
}

/* The global purge's part for parked heaps: those idle (parked_idle) and
 * not trimmed since (at most PARKED_TRIM_MAX per call, so a
 * purge stays short; every parked heap when forced) are taken off the
 * list, trimmed, and put back — or, holding nothing any more, made free. */
#define PARKED_TRIM_MAX 4
void alloc_heap_purge_parked(uint32_t now, bool force)
{
    if (atomic_load_explicit(&alloc_global.nparked, memory_order_relaxed) == 0)
        return;
    alloc_heap_t *work = NULL, **pp;
    unsigned n = 0;
    pthread_mutex_lock(&alloc_global.heap_lock);
    for (pp = &alloc_global.parked; *pp && (force || n < PARKED_TRIM_MAX);) {
        alloc_heap_t *h = *pp;
        if (force || (!h->trimmed && parked_idle(h, now))) {
            *pp = h->next_idle;
            atomic_fetch_sub_explicit(&alloc_global.nparked, 1, memory_order_relaxed);
            h->next_idle = work;
            work = h;
            n++;
            alloc_global.ntrimming++;
        } else {
            pp = &h->next_idle;
        }
    }
    pthread_mutex_unlock(&alloc_global.heap_lock);
    for (alloc_heap_t *h = work; h; h = h->next_idle) {
        alloc_heap_trim(h);
        h->trimmed = 1;
    }
    pthread_mutex_lock(&alloc_global.heap_lock);
    while (work != NULL) {
        alloc_heap_t *h = work;
        work = h->next_idle;
        if (heap_holds_nothing(h)) {
            heap_clear(h);
            free_push(h);
        } else {
            parked_push(h);
        }
        alloc_global.ntrimming--;
    }
    pthread_mutex_unlock(&alloc_global.heap_lock);
}
