/*
 * fast.h — the inline fast paths of malloc and free, shared by the
 * prefixed API (api_malloc.c) and the malloc ABI (override_malloc.c).
 *
 * Budget: malloc is ~19 instructions, free ~59 (ownership bitmap, page
 * lookup, interior-pointer and double-free checks included): under 80 for
 * a small pair, measured with callgrind (bench/alloc_bench.sh prints the
 * figure). Each path has one unlikely branch to a noinline slow path in
 * core_malloc.c; keep it that way when touching them.
 */
#ifndef STRATA_ALLOC_FAST_H
#define STRATA_ALLOC_FAST_H

#include "internal.h"

/* The page descriptor of the slice holding address a, in segment seg. */
static inline __attribute__((always_inline)) alloc_page_t *alloc_page_at(uintptr_t seg, uintptr_t a)
{
    return ((alloc_segment_t *)seg)->pages[(a - seg) >> ALLOC_SLICE_SHIFT].head;
}

/* True when a's 4 MiB region is one of our segments. */
static inline __attribute__((always_inline)) bool alloc_in_segment(uintptr_t a)
{
    uintptr_t bit = a >> ALLOC_SEGMENT_SHIFT;
    return bit < ALLOC_SEGMAP_BITS &&
           ((atomic_load_explicit(&alloc_segmap[bit >> 6], memory_order_relaxed) >> (bit & 63)) & 1);
}

/* Pops a block of class cls from heap's direct page, or takes the slow path. */
static inline __attribute__((always_inline)) void *alloc_malloc_inline(size_t size)
{
    alloc_heap_t *heap = alloc_tls_heap;
    if (alloc_likely(size <= ALLOC_DIRECT_MAX)) {
        unsigned cls = alloc_class_small[size];
        alloc_page_t *page = heap->direct[cls];
        alloc_block_t *b = page->free;
        if (alloc_likely(b != NULL)) {
            page->free = (alloc_block_t *)(b->next_enc ^ heap->key);
            page->used++;
            b->next_enc = 0; /* a live block must not look like a free-list link */
            heap->count[cls].mallocs++;
            return b;
        }
    }
    return alloc_malloc_slow(size, heap);
}

/* Frees p: checks that it is the start of a live block of one of our
 * pages (anything else, and what looks like a double free, goes to the
 * slow path, which diagnoses), then pushes it on the owner's local list or
 * the page's thread_free list. */
static inline __attribute__((always_inline)) void alloc_free_inline(void *p, int policy)
{
    uintptr_t a = (uintptr_t)p;
    uintptr_t seg = a & ~(uintptr_t)ALLOC_SEGMENT_MASK;
    if (alloc_unlikely(!alloc_in_segment(a))) {
        alloc_free_slow(p, policy);
        return;
    }
    alloc_page_t *page = alloc_page_at(seg, a);
    uintptr_t off = a - (uintptr_t)page->start;
    alloc_block_t *b = p;
    uintptr_t key = alloc_key;
    uintptr_t link = b->next_enc ^ key;
    uintptr_t span = page->span; /* 0 on a slice without a page */
    if (alloc_unlikely(off >= span || !alloc_page_block_start(page, off) ||
                       link - (uintptr_t)page->start < span || link == 0)) {
        alloc_free_slow(p, policy);
        return;
    }
    alloc_heap_t *heap = alloc_tls_heap;
    if (alloc_likely(atomic_load_explicit(&page->heap, memory_order_relaxed) == heap)) {
        b->next_enc = (uintptr_t)page->local_free ^ key;
        page->local_free = b;
        /* <= 0: empty, or parked as full (ALLOC_PAGE_FULL is the sign bit).
         * An empty page is kept when malloc allocates from it (no churn). */
        int32_t used = (int32_t)(page->used - 1);
        page->used = (uint32_t)used;
        if (alloc_unlikely(used <= 0) && (used != 0 || heap->direct[page->class_idx] != page))
            alloc_free_local_slow(heap, page, b);
        return;
    }
    alloc_free_remote(page, b);
}

#endif
