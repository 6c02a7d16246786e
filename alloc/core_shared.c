/*
 * core_shared.c — medium and big blocks (8 KiB .. 1 MiB): process-wide
 * pages per size class, each class under its own lock.
 *
 * Blocks up to ALLOC_LOCAL_MAX (8 KiB) come from thread heaps (lock-free,
 * see core_heap.c). Above, a page of 8 blocks spans 80 KiB .. 1 MiB (a big
 * block has a page of its own), and one such page per class in every thread
 * heap was most of the peak RSS of programs with many threads: the 8
 * workers of bench/alloc's server workload kept 27-35 MB of pages for about
 * 13 MB of live blocks (peak RSS 57 MB, 32 MB with shared pages), and
 * blocks freed by a thread other than the owner waited for it on delayed
 * lists. Here every thread allocates from and frees into the same
 * pages of a class: no owner, no remote free, and memory a thread frees is
 * the next block any thread gets. The price is a lock per medium or big
 * malloc and free (uncontended: an atomic pair), which measured cheaper
 * than the page faults and RSS the per-thread pages cost; on a machine
 * with many cores these per-class locks are the shared state medium sizes
 * meet (see README, "64 cores").
 *
 * A class keeps its pages in one queue, those with room first; a page
 * whose last block is freed goes back to its segment, except the class's
 * only page of medium blocks, which stays (a malloc/free loop of one size
 * does not churn pages) until the global purge finds it empty for a purge
 * delay. Pages of one big block never stay. Page memory comes from the
 * shared segments (core_segment.c). Lock order: a class lock, then
 * seg_lock; no system call is made while a class lock is held.
 */
#include <string.h>

#include "internal.h"

/* Marks shared pages: page->heap is never a thread's heap, so free's
 * "is it mine?" fails for everybody and the free comes here. */
alloc_heap_t alloc_shared_heap = {.state = ALLOC_HEAP_SHARED};

static bool page_has_room(const alloc_page_t *page)
{
    return page->free != NULL || page->local_free != NULL || page->capacity < page->reserved;
}

/* A block from page (it has room); the page goes to the back of the queue
 * when that was its last. Class lock held. */
static void *page_pop(alloc_shared_class_t *sc, alloc_page_t *page, bool *zero)
{
    if (page->free == NULL) {
        if (page->local_free != NULL) {
            page->free = page->local_free;
            page->local_free = NULL;
            page->is_zero = 0;
        } else {
            alloc_page_extend(page);
        }
    }
    alloc_block_t *b = page->free;
    page->free = (alloc_block_t *)(b->next_enc ^ alloc_key);
    page->used++;
    if (zero != NULL)
        *zero = page->is_zero;
    b->next_enc = 0;
    b->freed = 0;
    sc->mallocs++;
    if (!page_has_room(page) && page->next != NULL) {
        alloc_queue_remove(&sc->queue, page);
        alloc_queue_push_back(&sc->queue, page);
    }
    return b;
}

void *alloc_shared_malloc(unsigned cls, bool *zero)
{
    alloc_shared_class_t *sc = &alloc_global.shared_class[cls];
    pthread_mutex_lock(&sc->lock);
    alloc_page_t *page = sc->queue.first;
    if (page != NULL && page_has_room(page)) {
        void *b = page_pop(sc, page, zero);
        pthread_mutex_unlock(&sc->lock);
        return b;
    }
    pthread_mutex_unlock(&sc->lock);
    /* A new page, made without the class lock (it may map a segment). */
    page = alloc_segment_page_new(NULL, alloc_class_slices[cls]);
    if (page == NULL)
        return NULL;
    alloc_page_init(page, cls, &alloc_shared_heap);
    pthread_mutex_lock(&sc->lock);
    alloc_queue_push_front(&sc->queue, page);
    void *b = page_pop(sc, page, zero);
    pthread_mutex_unlock(&sc->lock);
    return b;
}

void alloc_shared_free(alloc_page_t *page, alloc_block_t *b)
{
    alloc_shared_class_t *sc = &alloc_global.shared_class[page->class_idx];
    pthread_mutex_lock(&sc->lock);
    bool had_room = page_has_room(page);
    b->next_enc = (uintptr_t)page->local_free ^ alloc_key;
    page->local_free = b;
    page->used--;
    if (page->used == 0 &&
        (page->block_size > ALLOC_MEDIUM_MAX || sc->queue.first != page || page->next != NULL)) {
        alloc_queue_remove(&sc->queue, page);
        pthread_mutex_unlock(&sc->lock);
        alloc_segment_page_free(NULL, page);
        return;
    }
    if (page->used == 0)
        sc->empty_ms = alloc_os_now_ms();
    if (!had_room && sc->queue.first != page) {
        alloc_queue_remove(&sc->queue, page);
        alloc_queue_push_front(&sc->queue, page);
    }
    pthread_mutex_unlock(&sc->lock);
}

/* The global purge's part: a class's kept empty page goes back once it
 * stayed empty for a purge delay (at once when forced). */
void alloc_shared_purge(uint32_t now, bool force)
{
    for (unsigned c = alloc_shared_first; c < ALLOC_CLASSES; c++) {
        alloc_shared_class_t *sc = &alloc_global.shared_class[c];
        alloc_page_t *page = sc->queue.first;
        if (page == NULL || page->used != 0) /* racy hint; checked again under the lock */
            continue;
        if (force)
            pthread_mutex_lock(&sc->lock);
        else if (pthread_mutex_trylock(&sc->lock) != 0)
            continue;
        page = sc->queue.first;
        bool go = page != NULL && page->used == 0 &&
                  (force || now - sc->empty_ms >= alloc_global.opt.purge_delay_ms);
        if (go)
            alloc_queue_remove(&sc->queue, page);
        pthread_mutex_unlock(&sc->lock);
        if (go)
            alloc_segment_page_free(NULL, page);
    }
}

/* fork(): every class lock is taken before the other allocator locks. */
void alloc_shared_fork_prepare(void)
{
    for (unsigned c = alloc_shared_first; c < ALLOC_CLASSES; c++)
        pthread_mutex_lock(&alloc_global.shared_class[c].lock);
}

void alloc_shared_fork_parent(void)
{
    for (unsigned c = alloc_shared_first; c < ALLOC_CLASSES; c++)
        pthread_mutex_unlock(&alloc_global.shared_class[c].lock);
}

void alloc_shared_fork_child(void)
{
    for (unsigned c = alloc_shared_first; c < ALLOC_CLASSES; c++)
        pthread_mutex_init(&alloc_global.shared_class[c].lock, NULL);
}
