/*
 * core_page.c — one page: its blocks and their free lists.
 *
 * Free-list sharding (mimalloc's design): a page has three lists, so that
 * the hot paths never contend —
 *   free        blocks malloc pops (owner thread only),
 *   local_free  blocks the owner frees (owner only; becomes `free` when
 *               `free` runs dry, which keeps malloc's list short and hot),
 *   thread_free blocks other threads free (atomic push; the owner takes the
 *               whole list with one CAS when it collects).
 * Every link is XORed with the process secret, and every free block
 * carries the secret "freed" mark in its second word, which free() tests
 * to suspect a double free (the lists are then walked to be sure). Blocks
 * are carved lazily (EXTEND_BYTES at a time) so a page only becomes
 * resident as it is used.
 */
#include <string.h>

#include "internal.h"

#define EXTEND_BYTES 8192u

void alloc_page_init(alloc_page_t *page, unsigned cls, alloc_heap_t *heap)
{
    alloc_segment_t *seg = (alloc_segment_t *)((uintptr_t)page & ~(uintptr_t)ALLOC_SEGMENT_MASK);
    size_t bs = alloc_class_size[cls];
    page->block_size = (uint32_t)bs;
    /* One more than ceil(2^64/bs) (Lemire's divisibility constant), so
     * that multiples of bs map to distinct, increasing products (see
     * alloc_page_t.limit): no division on free. */
    page->div_magic = UINT64_MAX / bs + 2;
    page->limit = 0;
    page->class_idx = (uint8_t)cls;
    page->start = (uint8_t *)seg + (size_t)(page - seg->pages) * ALLOC_SLICE_SIZE;
    page->reserved = (uint32_t)((size_t)page->slice_count * ALLOC_SLICE_SIZE / bs);
    page->capacity = 0;
    page->span = 0;
    page->used = 0;
    page->free = NULL;
    page->local_free = NULL;
    page->is_zero = page->fresh;
    page->next = page->prev = NULL;
    atomic_store_explicit(&page->thread_free, ALLOC_TF_NORMAL, memory_order_relaxed);
    atomic_store_explicit(&page->heap, heap, memory_order_release);
}

/* Carves up to EXTEND_BYTES of never-used blocks onto `free`. */
void alloc_page_extend(alloc_page_t *page)
{
    size_t bs = page->block_size;
    uint32_t n = page->reserved - page->capacity;
    uint32_t max = (uint32_t)(EXTEND_BYTES / bs);
    if (n > (max ? max : 1))
        n = max ? max : 1;
    if (n == 0)
        return;
    uintptr_t key = alloc_key, mark = alloc_free_mark;
    uint8_t *first = page->start + (size_t)page->capacity * bs;
    for (uint32_t i = 0; i < n; i++) {
        alloc_block_t *b = (alloc_block_t *)(first + (size_t)i * bs);
        b->next_enc = (uintptr_t)(i + 1 < n ? first + (size_t)(i + 1) * bs : (uint8_t *)page->free) ^ key;
        b->freed = mark; /* free() of a block never handed out is a "double free" too */
    }
    page->is_zero = (page->free == NULL || page->is_zero) && page->fresh;
    page->free = (alloc_block_t *)first;
    page->capacity += n;
    page->span = (uint32_t)(page->capacity * bs);
    page->limit = page->capacity * (bs * page->div_magic); /* bs*magic wraps to step */
}

_Noreturn static void corrupt(const alloc_page_t *page)
{
    alloc_fatal("strata: heap corruption detected in the free lists of the page at %p "
                "(blocks of %u bytes)\n", (void *)page->start, (unsigned)page->block_size);
}

/* Is head the start of a block the page has carved? (A list that starts
 * anywhere else was overwritten: a heap overflow into a freed block.) */
static bool carved_block(const alloc_page_t *page, uintptr_t head)
{
    uintptr_t off = head - (uintptr_t)page->start;
    return off < page->span && alloc_page_carved_block(page, off);
}

/* Takes the whole thread_free list (keeping the state bits) with one CAS;
 * its length comes with it, so `used` drops without walking the list. The
 * list becomes `free` or `local_free` when either is empty (no walk: its
 * blocks were written by other threads, and malloc will read each of them
 * anyway); only when both hold blocks is it walked, to its tail, and then
 * checked to be exactly as long as counted. */
static void collect_thread_free(alloc_page_t *page)
{
    uintptr_t tf = atomic_load_explicit(&page->thread_free, memory_order_relaxed);
    while (alloc_tf_list(tf) != 0 &&
           !atomic_compare_exchange_weak_explicit(&page->thread_free, &tf, tf & 3,
                                                  memory_order_acq_rel, memory_order_relaxed))
        ;
    uintptr_t h = alloc_tf_list(tf);
    if (h == 0)
        return;
    uint32_t n = alloc_tf_count(tf);
    if (n == 0 || n > alloc_page_used(page) || !carved_block(page, h))
        corrupt(page);
    alloc_block_t *head = (alloc_block_t *)h;
    page->used -= n;
    if (page->free == NULL) {
        page->free = head;
        page->is_zero = 0;
        return;
    }
    if (page->local_free == NULL) {
        page->local_free = head;
        return;
    }
    uintptr_t key = alloc_key;
    uint32_t len = 1;
    alloc_block_t *tail = head;
    for (uintptr_t next; (next = tail->next_enc ^ key) != 0; tail = (alloc_block_t *)next)
        if (++len > n || !carved_block(page, next))
            corrupt(page);
    if (len != n)
        corrupt(page);
    tail->next_enc = (uintptr_t)page->local_free ^ key;
    page->local_free = head;
}

bool alloc_page_collect(alloc_page_t *page)
{
    collect_thread_free(page);
    if (page->free == NULL && page->local_free != NULL) {
        page->free = page->local_free;
        page->local_free = NULL;
        page->is_zero = 0;
    }
    return page->free != NULL;
}

/* Moves the delayed-free state to `state`, waiting out a remote free that
 * is pushing to the owner's delayed list; NEVER is sticky unless asked. */
void alloc_page_set_tf_state(alloc_page_t *page, unsigned state, bool override_never)
{
    uintptr_t tf = atomic_load_explicit(&page->thread_free, memory_order_acquire);
    for (;;) {
        unsigned old = tf & 3;
        if (old == ALLOC_TF_DELAYING) {
            __builtin_ia32_pause();
            tf = atomic_load_explicit(&page->thread_free, memory_order_acquire);
            continue;
        }
        if (old == state || (old == ALLOC_TF_NEVER_DELAYED && !override_never))
            return;
        if (atomic_compare_exchange_weak_explicit(&page->thread_free, &tf,
                                                  (tf & ~(uintptr_t)3) | state,
                                                  memory_order_acq_rel, memory_order_acquire))
            return;
    }
}

/* Is b on one of the lists of free blocks (list starting at head)? Every
 * node is checked to lie in the page before it is read, and the walk is
 * bounded, because a remote caller races with the owner. */
static bool list_has(const alloc_page_t *page, uintptr_t head, const alloc_block_t *b)
{
    uintptr_t lo = (uintptr_t)page->start;
    uintptr_t span = (uintptr_t)page->capacity * page->block_size;
    uintptr_t key = alloc_key;
    for (uint32_t n = 0; head != 0 && n <= page->capacity; n++) {
        if (head - lo >= span)
            return false;
        if (head == (uintptr_t)b)
            return true;
        head = ((const alloc_block_t *)head)->next_enc ^ key;
    }
    return false;
}

/* Is b free already (a double free)? Looks at the page's three lists and
 * at its owner's delayed list. Only called when b's first word looks like a
 * free-list link, so the walks are rare. */
bool alloc_page_contains_free(alloc_page_t *page, const alloc_block_t *b)
{
    uintptr_t tf = atomic_load_explicit(&page->thread_free, memory_order_acquire);
    if (list_has(page, (uintptr_t)page->free, b) || list_has(page, (uintptr_t)page->local_free, b) ||
        list_has(page, alloc_tf_list(tf), b))
        return true;
    alloc_heap_t *heap = atomic_load_explicit(&page->heap, memory_order_acquire);
    if (heap == NULL)
        return false;
    uintptr_t d = atomic_load_explicit(&heap->delayed_free, memory_order_acquire);
    for (uint32_t n = 0; d != 0 && n < (1u << 20); n++) {
        if (d == (uintptr_t)b)
            return true;
        if (!alloc_in_segment(d))
            return false;
        d = ((const alloc_block_t *)d)->next_enc ^ alloc_key;
    }
    return false;
}

void alloc_queue_push_front(alloc_queue_t *q, alloc_page_t *p)
{
    p->prev = NULL;
    p->next = q->first;
    if (q->first)
        q->first->prev = p;
    else
        q->last = p;
    q->first = p;
}

void alloc_queue_push_back(alloc_queue_t *q, alloc_page_t *p)
{
    p->next = NULL;
    p->prev = q->last;
    if (q->last)
        q->last->next = p;
    else
        q->first = p;
    q->last = p;
}

void alloc_queue_remove(alloc_queue_t *q, alloc_page_t *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        q->first = p->next;
    if (p->next)
        p->next->prev = p->prev;
    else
        q->last = p->prev;
    p->next = p->prev = NULL;
}
