/*
 * fast.h — the inline fast paths of malloc and free, shared by the
 * prefixed API (api_malloc.c) and the malloc ABI (override_malloc.c).
 *
 * Budget: malloc is 19 instructions, free 32 (ownership byte map, page
 * lookup, interior-pointer and double-free checks included): under 80 for
 * a small pair as bench/alloc_bench.sh counts it with callgrind (call and
 * PLT overhead included). Each path has one unlikely branch to a noinline
 * slow path in core_malloc.c; keep it that way when touching them, and
 * count with `objdump -d` after any change.
 */
#ifndef STRATA_ALLOC_FAST_H
#define STRATA_ALLOC_FAST_H

#include "internal.h"

/* ALLOC_HARDEN 0 builds the measurement-only variant of bench/alloc.cmake
 * (libstrata-malloc-nohardening.so), which drops the fast paths' checks
 * (interior and double-free tests, the freed mark, encoded links, cleared
 * link words) so that their cost can be measured against the same code;
 * no installed library is ever built that way. */
#ifndef ALLOC_HARDEN
#define ALLOC_HARDEN 15
#endif
#define ALLOC_H_XOR (ALLOC_HARDEN & 1)
#define ALLOC_H_MARK (ALLOC_HARDEN & 2)
#define ALLOC_H_INTERIOR (ALLOC_HARDEN & 4)
#define ALLOC_H_ZERO (ALLOC_HARDEN & 8)

_Static_assert(sizeof(alloc_page_t) == 128, "alloc_page_at scales the slice index by 128");
_Static_assert(offsetof(alloc_page_t, limit) + 8 <= 64, "free's fast path reads one cache line");

/* The page descriptor of the slice holding address a, in segment seg:
 * ((a >> 16) & 63) * 128 in two operations. */
static inline __attribute__((always_inline)) alloc_page_t *alloc_page_at(uintptr_t seg, uintptr_t a)
{
    uintptr_t at = (a >> (ALLOC_SLICE_SHIFT - 7)) & ((ALLOC_SLICES - 1) << 7);
    return ((alloc_page_t *)((uintptr_t)((alloc_segment_t *)seg)->pages + at))->head;
}

/* --*used, then: is it <= 0 as a signed number? On x86-64 one `subl` on
 * memory and one `jle` (the compiler's own code loads, subtracts, stores
 * and tests: three instructions more on every free); elsewhere plain C. */
static inline __attribute__((always_inline)) bool alloc_dec_nonpositive(uint32_t *used)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __asm__ goto("subl $1, %0\n\tjle %l[nonpositive]" : : "m"(*used) : "memory", "cc" : nonpositive);
    return false;
nonpositive:
    return true;
#else
    return (int32_t)--*used <= 0;
#endif
}

/* `free` ran dry: when the owner's own frees are all there is to collect
 * (no remote frees on the page, none delayed for the heap), they become
 * `free` here, without the slow path's page search; else NULL. */
static inline __attribute__((always_inline)) alloc_block_t *alloc_page_take_local(alloc_heap_t *heap,
                                                                                 alloc_page_t *page)
{
    alloc_block_t *b = page->local_free; /* NULL on the empty page */
    if (b == NULL || atomic_load_explicit(&page->thread_free, memory_order_relaxed) > 3 ||
        atomic_load_explicit(&heap->delayed_free, memory_order_relaxed) != 0)
        return NULL;
    page->local_free = NULL;
    page->is_zero = 0;
    return b;
}

/* Pops a block of class cls from heap's direct page, or takes the slow path. */
static inline __attribute__((always_inline)) void *alloc_malloc_inline(size_t size)
{
    alloc_heap_t *heap = alloc_tls_heap;
    if (alloc_likely(size <= ALLOC_DIRECT_MAX)) {
        unsigned cls = alloc_class_small[size];
        alloc_page_t *page = heap->direct[cls];
        alloc_block_t *b = page->free;
        if (alloc_likely(b != NULL) || (b = alloc_page_take_local(heap, page)) != NULL) {
            page->free = (alloc_block_t *)(b->next_enc ^ (ALLOC_H_XOR ? heap->key : 0));
            page->used++;
            if (ALLOC_H_ZERO)
                b->next_enc = 0; /* no encoded link (a clue to the secret) left to the program */
            if (ALLOC_H_MARK)
                b->freed = 0;    /* a live block must not look free */
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
    alloc_block_t *b = p;
    uintptr_t mark = alloc_free_mark;
    alloc_heap_t *heap = alloc_tls_heap;
    if (alloc_likely(atomic_load_explicit(&page->heap, memory_order_relaxed) == heap)) {
        /* A thread heap's pages are one slice each (core_heap.c), so the
         * offset of p in its page is its offset in the slice: no load of
         * page->start on the local path. */
        uintptr_t off = a & (ALLOC_SLICE_SIZE - 1);
        if (alloc_unlikely(ALLOC_H_INTERIOR ? !alloc_page_carved_block(page, off)
                                            : page->block_size == 0) ||
            (ALLOC_H_MARK && alloc_unlikely(b->freed == mark))) {
            alloc_free_slow(p, policy);
            return;
        }
        if (ALLOC_H_MARK)
            b->freed = mark;
        b->next_enc = (uintptr_t)page->local_free ^ (ALLOC_H_XOR ? alloc_key : 0);
        page->local_free = b;
        /* <= 0: empty and not the direct page (which is kept, so that a
         * malloc/free loop does not churn pages), or parked as full
         * (ALLOC_PAGE_FULL is the sign bit). */
        if (alloc_unlikely(alloc_dec_nonpositive(&page->used)))
            alloc_free_local_slow(heap, page, b);
        return;
    }
    /* Not this thread's page (another heap's, a shared page of medium or
     * big blocks, or no page at all): the same checks, with the page's own
     * start, before the block is touched. A slice without a page has
     * div_magic 0 and limit 0: never carved. */
    uintptr_t off = a - (uintptr_t)page->start;
    if (alloc_unlikely(ALLOC_H_INTERIOR ? !alloc_page_carved_block(page, off) : page->block_size == 0) ||
        (ALLOC_H_MARK && alloc_unlikely(b->freed == mark))) {
        alloc_free_slow(p, policy);
        return;
    }
    if (ALLOC_H_MARK)
        b->freed = mark;
    alloc_free_remote(page, b);
}

#endif
