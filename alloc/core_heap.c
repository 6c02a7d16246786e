/*
 * core_heap.c — thread heaps: each thread allocates from its own pages
 * without locks; pages that run full wait in a `full` queue until a free
 * brings them back; a dying thread abandons its pages, which other threads
 * adopt when they need a page of that class.
 *
 * Heaps live in metadata mappings that are never unmapped: a heap of a dead
 * thread is recycled (its counters kept, so statistics stay exact).
 */
#include <string.h>

#include "fast.h"
#include "internal.h"
#include "strata.h"

#define META_CHUNK ((size_t)256 << 10)
#define ADOPT_TRIES 8

/* A fresh or recycled heap, or NULL without memory. heap_lock held. */
static alloc_heap_t *heap_take(void)
{
    alloc_heap_t *heap = alloc_global.free_heaps;
    if (heap != NULL) {
        alloc_global.free_heaps = heap->next_free;
        return heap;
    }
    size_t sz = (sizeof(alloc_heap_t) + 63) & ~(size_t)63;
    if (alloc_global.meta_cur == NULL || (size_t)(alloc_global.meta_end - alloc_global.meta_cur) < sz) {
        uint8_t *m = alloc_os_mmap(META_CHUNK, false);
        if (m == NULL)
            return NULL;
        strata_region_register(m, META_CHUNK, STRATA_BACKEND_MMAP, STRATA_REGION_META);
        atomic_fetch_add_explicit(&alloc_global.meta_bytes, META_CHUNK, memory_order_relaxed);
        alloc_global.meta_cur = m;
        alloc_global.meta_end = m + META_CHUNK;
    }
    heap = (alloc_heap_t *)alloc_global.meta_cur;
    alloc_global.meta_cur += sz;
    heap->next_all = alloc_global.heaps;
    alloc_global.heaps = heap;
    return heap;
}

static void heap_reset(alloc_heap_t *heap)
{
    for (unsigned c = 0; c < ALLOC_CLASSES; c++) {
        heap->direct[c] = &alloc_empty_page;
        heap->queue[c].first = heap->queue[c].last = NULL;
        heap->full[c].first = heap->full[c].last = NULL;
    }
    heap->key = alloc_key;
    atomic_store_explicit(&heap->delayed_free, 0, memory_order_relaxed);
    heap->live = 1;
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
    heap = heap_take();
    pthread_mutex_unlock(&alloc_global.heap_lock);
    if (heap != NULL) {
        heap_reset(heap);
        alloc_tls_heap = heap;
        if (alloc_global.key_ok)
            pthread_setspecific(alloc_global.thread_key, heap);
    }
    alloc_tls_busy = 0;
    return heap;
}

/* Makes page the direct page of class cls, moving ALLOC_PAGE_DIRECT from
 * the old one (which must still be this heap's: set the direct page away
 * from a page BEFORE giving the page up). */
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

static void page_from_full(alloc_heap_t *heap, alloc_page_t *page)
{
    alloc_queue_remove(&heap->full[page->class_idx], page);
    page->used &= ~ALLOC_PAGE_FULL;
    alloc_page_set_tf_state(page, ALLOC_TF_NORMAL, false);
    alloc_queue_push_front(&heap->queue[page->class_idx], page);
}

/* An empty page goes back to its segment, unless it is the heap's only page
 * of its class (then it stays, so that a malloc/free loop does not map and
 * unmap a page every time). */
void alloc_heap_retire_page(alloc_heap_t *heap, alloc_page_t *page)
{
    unsigned cls = page->class_idx;
    alloc_queue_t *q = &heap->queue[cls];
    if (alloc_page_in_full(page) || (q->first == page && page->next == NULL))
        return;
    alloc_page_set_tf_state(page, ALLOC_TF_NEVER_DELAYED, false);
    alloc_queue_remove(q, page);
    if (heap->direct[cls] == page)
        set_direct(heap, cls, q->first ? q->first : &alloc_empty_page);
    alloc_segment_page_free(page);
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

/* Frees, as the owner, the blocks other threads freed into full pages. */
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
        alloc_free_local_slow(heap, page, b);
    }
}

/* ---- finding a page to allocate from ------------------------------------- */

alloc_page_t *alloc_heap_page_for(alloc_heap_t *heap, unsigned cls)
{
    if (atomic_load_explicit(&heap->delayed_free, memory_order_relaxed) != 0)
        alloc_heap_collect_delayed(heap);
    alloc_queue_t *q = &heap->queue[cls];
    alloc_page_t *page, *next;
    for (page = q->first; page != NULL; page = next) {
        next = page->next;
        if (alloc_page_collect(page))
            break;
        if (page->capacity < page->reserved) {
            alloc_page_extend(page);
            break;
        }
        if (!page_to_full(heap, page))
            break;
    }
    if (page == NULL)
        page = alloc_heap_adopt(heap, cls);
    if (page == NULL) {
        page = alloc_segment_page_new(alloc_class_slices[cls]);
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

/* ---- abandoning and adopting -------------------------------------------- */

static void abandon_page(alloc_heap_t *heap, alloc_queue_t *q, alloc_page_t *page)
{
    alloc_queue_remove(q, page);
    page->used &= ~(ALLOC_PAGE_FULL | ALLOC_PAGE_DIRECT);
    alloc_page_collect(page);
    if (page->used == 0) {
        alloc_segment_page_free(page);
        return;
    }
    atomic_store_explicit(&page->owner_tp, 0, memory_order_relaxed);
    atomic_store_explicit(&page->heap, NULL, memory_order_release);
    pthread_mutex_lock(&alloc_global.aband_lock);
    alloc_queue_push_back(&alloc_global.abandoned[page->class_idx], page);
    pthread_mutex_unlock(&alloc_global.aband_lock);
}

/* The thread owning heap is gone: stop remote frees from using the heap's
 * delayed list (NEVER state, which waits out one in progress), free what
 * it holds, and hand every page still in use to the abandoned lists. */
void alloc_heap_abandon(alloc_heap_t *heap)
{
    for (unsigned c = 0; c < ALLOC_CLASSES; c++) {
        for (alloc_page_t *p = heap->queue[c].first; p; p = p->next)
            alloc_page_set_tf_state(p, ALLOC_TF_NEVER_DELAYED, false);
        for (alloc_page_t *p = heap->full[c].first; p; p = p->next)
            alloc_page_set_tf_state(p, ALLOC_TF_NEVER_DELAYED, false);
    }
    alloc_heap_collect_delayed(heap);
    for (unsigned c = 0; c < ALLOC_CLASSES; c++) {
        set_direct(heap, c, &alloc_empty_page);
        while (heap->queue[c].first)
            abandon_page(heap, &heap->queue[c], heap->queue[c].first);
        while (heap->full[c].first)
            abandon_page(heap, &heap->full[c], heap->full[c].first);
    }
}

/* Takes an abandoned page of class cls, if any has room. Full ones are
 * adopted too (into the full queue) so their blocks are not stranded. */
alloc_page_t *alloc_heap_adopt(alloc_heap_t *heap, unsigned cls)
{
    for (int tries = 0; tries < ADOPT_TRIES; tries++) {
        if (alloc_global.abandoned[cls].first == NULL)
            return NULL; /* racy hint; the pop below is locked */
        pthread_mutex_lock(&alloc_global.aband_lock);
        alloc_page_t *page = alloc_global.abandoned[cls].first;
        if (page != NULL)
            alloc_queue_remove(&alloc_global.abandoned[cls], page);
        pthread_mutex_unlock(&alloc_global.aband_lock);
        if (page == NULL)
            return NULL;
        atomic_store_explicit(&page->heap, heap, memory_order_release);
        atomic_store_explicit(&page->owner_tp, alloc_self_tp(), memory_order_relaxed);
        alloc_page_set_tf_state(page, ALLOC_TF_NORMAL, true);
        alloc_queue_push_front(&heap->queue[cls], page);
        if (alloc_page_collect(page) || page->capacity < page->reserved) {
            if (page->free == NULL)
                alloc_page_extend(page);
            return page;
        }
        page_to_full(heap, page);
    }
    return NULL;
}

/* pthread key destructor: the thread is exiting. */
void alloc_heap_thread_done(void *arg)
{
    alloc_heap_t *heap = arg;
    if (heap == NULL || heap == &alloc_empty_heap)
        return;
    alloc_heap_abandon(heap);
    if (alloc_tls_heap == heap)
        alloc_tls_heap = &alloc_empty_heap;
    pthread_mutex_lock(&alloc_global.heap_lock);
    heap->live = 0;
    heap->next_free = alloc_global.free_heaps;
    alloc_global.free_heaps = heap;
    pthread_mutex_unlock(&alloc_global.heap_lock);
}

/* malloc_trim: gives back the empty pages the heap keeps for reuse. */
void alloc_heap_trim(alloc_heap_t *heap)
{
    alloc_heap_collect_delayed(heap);
    for (unsigned c = 0; c < ALLOC_CLASSES; c++) {
        alloc_page_t *next;
        set_direct(heap, c, &alloc_empty_page); /* before its page may go */
        for (alloc_page_t *p = heap->queue[c].first; p; p = next) {
            next = p->next;
            alloc_page_collect(p);
            if (p->used != 0)
                continue;
            alloc_page_set_tf_state(p, ALLOC_TF_NEVER_DELAYED, false);
            alloc_queue_remove(&heap->queue[c], p);
            alloc_segment_page_free(p);
        }
        set_direct(heap, c, heap->queue[c].first ? heap->queue[c].first : &alloc_empty_page);
    }
}

/* Frees abandoned pages whose every block has come back through remote
 * frees (nobody may ever adopt their class again). Called from purge; at
 * most RECLAIM_MAX pages per call, so a purge stays short; returns how
 * many it freed. */
#define RECLAIM_MAX 64
unsigned alloc_heap_reclaim_abandoned(void)
{
    alloc_page_t *done[RECLAIM_MAX];
    unsigned n = 0;
    pthread_mutex_lock(&alloc_global.aband_lock);
    for (unsigned c = 0; c < ALLOC_CLASSES && n < RECLAIM_MAX; c++) {
        alloc_page_t *next;
        for (alloc_page_t *p = alloc_global.abandoned[c].first; p && n < RECLAIM_MAX; p = next) {
            next = p->next;
            uintptr_t tf = atomic_load_explicit(&p->thread_free, memory_order_acquire);
            uint32_t free_n = 0;
            for (uintptr_t b = tf & ~(uintptr_t)3; b != 0 && free_n <= p->used; free_n++)
                b = ((alloc_block_t *)b)->next_enc ^ alloc_key;
            if (free_n != p->used)
                continue;
            /* every block is back: nothing can touch it any more */
            alloc_queue_remove(&alloc_global.abandoned[c], p);
            done[n++] = p;
        }
    }
    pthread_mutex_unlock(&alloc_global.aband_lock);
    for (unsigned i = 0; i < n; i++)
        alloc_segment_page_release(done[i]); /* we are inside purge: no recursion */
    return n;
}
