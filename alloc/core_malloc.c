/*
 * core_malloc.c — the slow paths of the malloc family, and every check
 * that diagnoses a bad pointer.
 *
 * Errors follow POSIX/glibc: NULL with errno = ENOMEM (sizes above
 * PTRDIFF_MAX included, as glibc); malloc(0) is a unique 16-byte block;
 * realloc(p, 0) frees p and returns NULL (glibc's behaviour).
 *
 * A pointer that is not a live block of ours aborts with one line on
 * stderr, formatted without allocating: "strata: free(): double free of
 * 0x... (block of 48 bytes)" or "strata: free(): invalid pointer 0x...".
 * Exception: through the malloc ABI, pointers outside every region strata
 * mapped may predate strata (the dynamic loader's bootstrap allocator), so
 * free ignores them (counted in the statistics) unless they cannot be heap
 * memory at all: misaligned, unmapped, or on the caller's stack.
 */
#include <errno.h>
#include <string.h>

#include "fast.h"
#include "internal.h"

#define STACK_GUESS ((uintptr_t)64 << 10)

_Noreturn void alloc_report_bad_free(const char *fn, const void *p, int what, size_t block)
{
    if (what == ALLOC_BAD_DOUBLE)
        alloc_fatal("strata: %s: double free of %p (block of %zu bytes)\n", fn, p, block);
    if (what == ALLOC_BAD_INTERIOR)
        alloc_fatal("strata: %s: invalid pointer %p (inside a block of %zu bytes)\n", fn, p, block);
    if (what == ALLOC_BAD_FREED)
        alloc_fatal("strata: %s: use after free of %p (block of %zu bytes)\n", fn, p, block);
    alloc_fatal("strata: %s: invalid pointer %p\n", fn, p);
}

/* ---- malloc --------------------------------------------------------------- */

static void *pop_block(alloc_heap_t *heap, alloc_page_t *page, unsigned cls, bool *zero)
{
    alloc_block_t *b = page->free;
    page->free = (alloc_block_t *)(b->next_enc ^ alloc_key);
    page->used++;
    if (zero != NULL)
        *zero = page->is_zero;
    b->next_enc = 0;
    b->freed = 0;
    heap->count[cls].mallocs++;
    return b;
}

static void *small_from_class(alloc_heap_t *heap, unsigned cls, bool *zero)
{
    if (cls >= alloc_shared_first)
        return alloc_shared_malloc(cls, zero);
    alloc_page_t *page = heap->direct[cls];
    if (page->free == NULL) {
        page = alloc_heap_page_for(heap, cls);
        if (page == NULL)
            return NULL;
    }
    return pop_block(heap, page, cls, zero);
}

/* The heap of this thread; NULL while strata sets itself up on this
 * thread (then *boot is set: serve from the bootstrap arena). */
static alloc_heap_t *heap_or_boot(bool *boot)
{
    alloc_heap_t *heap = alloc_tls_heap;
    *boot = false;
    if (alloc_likely(heap != &alloc_empty_heap))
        return heap;
    heap = alloc_heap_get();
    *boot = heap == NULL && (alloc_tls_busy || atomic_load_explicit(&alloc_global.init_state,
                                                                    memory_order_acquire) != 2);
    return heap;
}

static void *enomem(void)
{
    errno = ENOMEM;
    return NULL;
}

ALLOC_NOINLINE void *alloc_malloc_slow(size_t size, alloc_heap_t *heap)
{
    bool boot = false;
    if (heap == &alloc_empty_heap)
        heap = heap_or_boot(&boot);
    if (heap == NULL)
        return boot ? alloc_boot_malloc(size) : enomem();
    if (size > ALLOC_SMALL_MAX)
        return alloc_large_malloc(size, 0, false);
    void *p = small_from_class(heap, alloc_size_class(size), NULL);
    return p ? p : enomem();
}

void *alloc_calloc(size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total))
        return enomem();
    if (total > ALLOC_SMALL_MAX)
        return alloc_large_malloc(total, 0, true);
    bool boot, zero = false;
    alloc_heap_t *heap = heap_or_boot(&boot);
    if (heap == NULL)
        return boot ? alloc_boot_malloc(total) : enomem(); /* boot memory is never reused: zero */
    void *p = small_from_class(heap, alloc_size_class(total), &zero);
    if (p == NULL)
        return enomem();
    if (!zero)
        memset(p, 0, total);
    return p;
}

/* align: a power of two. Small classes serve alignments up to 64 KiB (a
 * class whose block size is a multiple of align, pages start on slices);
 * above, or for big sizes, a large block is placed aligned. */
void *alloc_aligned(size_t align, size_t size)
{
    if (align <= ALLOC_MIN_ALIGN)
        return alloc_malloc_inline(size);
    unsigned cls = alloc_class_for_align(size, align);
    if (cls >= ALLOC_CLASSES)
        return alloc_large_malloc(size, align, false);
    bool boot;
    alloc_heap_t *heap = heap_or_boot(&boot);
    if (heap == NULL) {
        if (!boot)
            return enomem();
        uint8_t *p = alloc_boot_malloc(size + align);
        return p ? (void *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1)) : NULL;
    }
    void *p = small_from_class(heap, cls, NULL);
    return p ? p : enomem();
}

/* ---- free ----------------------------------------------------------------- */

/* Pushes b on the owner heap's delayed list, the page being in DELAYING
 * state (so its owner can neither retire it nor hand it to another heap
 * meanwhile), then leaves that state. */
static void push_delayed(alloc_page_t *page, alloc_block_t *b, uintptr_t key)
{
    alloc_heap_t *heap = atomic_load_explicit(&page->heap, memory_order_acquire);
    uintptr_t d = atomic_load_explicit(&heap->delayed_free, memory_order_relaxed);
    do
        b->next_enc = d ^ key;
    while (!atomic_compare_exchange_weak_explicit(&heap->delayed_free, &d, (uintptr_t)b,
                                                  memory_order_release, memory_order_relaxed));
    uintptr_t tf = atomic_load_explicit(&page->thread_free, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&page->thread_free, &tf,
                                                  (tf & ~(uintptr_t)3) | ALLOC_TF_NORMAL,
                                                  memory_order_release, memory_order_relaxed))
        ;
}

/* Should this remote free, the n-th on the page's list, tell the owner?
 * When the page in its queue has gathered a quarter of its blocks, or all
 * that were out: the owner looks at a page only when it is at the head of
 * its class queue, so without the nudge blocks freed into pages further
 * down would wait there while new memory is carved. Never for the owner's
 * direct page (ALLOC_PAGE_DIRECT, read racily as a hint): that one it
 * collects as soon as its free list runs dry, and a consumer freeing what a
 * producer just allocated would otherwise nudge on nearly every free. */
static bool worth_a_nudge(const alloc_page_t *page, uint32_t n)
{
    uint32_t used = __atomic_load_n(&page->used, __ATOMIC_RELAXED);
    if (used & ALLOC_PAGE_DIRECT)
        return false;
    uint32_t quarter = page->reserved / 4;
    return n == (quarter ? quarter : 1) || n == (used & ~(ALLOC_PAGE_FULL | ALLOC_PAGE_DIRECT));
}

/* A free from a thread that does not own the page: one CAS pushing b on
 * the page's thread_free list (and counting it), or, for a full page or
 * one worth a nudge, a push on the owner's delayed list. (Shared pages
 * come here too, every thread being "not the owner".) */
void alloc_free_remote(alloc_page_t *page, alloc_block_t *b)
{
    if (atomic_load_explicit(&page->heap, memory_order_relaxed) == &alloc_shared_heap) {
        alloc_shared_free(page, b); /* medium and big blocks have no owner */
        return;
    }
    uintptr_t key = alloc_key;
    uintptr_t tf = atomic_load_explicit(&page->thread_free, memory_order_relaxed);
    for (;;) {
        unsigned st = tf & 3;
        if (st == ALLOC_TF_DELAYING) {
            __builtin_ia32_pause();
            tf = atomic_load_explicit(&page->thread_free, memory_order_relaxed);
            continue;
        }
        uint32_t n = alloc_tf_count(tf) + 1;
        if (st == ALLOC_TF_USE_DELAYED || (st == ALLOC_TF_NORMAL && worth_a_nudge(page, n))) {
            if (!atomic_compare_exchange_weak_explicit(&page->thread_free, &tf,
                                                       (tf & ~(uintptr_t)3) | ALLOC_TF_DELAYING,
                                                       memory_order_acq_rel, memory_order_relaxed))
                continue;
            push_delayed(page, b, key);
            return;
        }
        b->next_enc = alloc_tf_list(tf) ^ key;
        uintptr_t next = ((uintptr_t)n << ALLOC_TF_COUNT_SHIFT) | (uintptr_t)b | st;
        if (atomic_compare_exchange_weak_explicit(&page->thread_free, &tf, next,
                                                  memory_order_release, memory_order_relaxed))
            return;
    }
}

/* The page of p, a live block of one of our segments; aborts with the
 * clear line on an interior pointer, a free slice or a double free. */
static alloc_page_t *checked_page(const void *p, const char *fn)
{
    uintptr_t a = (uintptr_t)p;
    alloc_page_t *page = alloc_page_at(a & ~(uintptr_t)ALLOC_SEGMENT_MASK, a);
    size_t bs = page->block_size;
    if (bs == 0 && page->freed_bs != 0 && (a & (ALLOC_SLICE_SIZE - 1)) == 0)
        alloc_report_bad_free(fn, p, fn[0] == 'r' ? ALLOC_BAD_FREED : ALLOC_BAD_DOUBLE,
                              page->freed_bs);
    if (bs == 0 || a < (uintptr_t)page->start)
        alloc_report_bad_free(fn, p, ALLOC_BAD_INVALID, 0);
    uintptr_t off = a - (uintptr_t)page->start;
    if (off >= page->span)
        alloc_report_bad_free(fn, p, ALLOC_BAD_INVALID, 0);
    if (!alloc_page_block_start(page, off))
        alloc_report_bad_free(fn, p, ALLOC_BAD_INTERIOR, bs);
    /* The mark (what free tests), or a first word that decodes to a link
     * (cheap to look at here, and robust if the mark was overwritten). */
    uintptr_t link = ((const alloc_block_t *)p)->next_enc ^ alloc_key;
    bool looks_free = ((const alloc_block_t *)p)->freed == alloc_free_mark || link == 0 ||
                      link - (uintptr_t)page->start < (uintptr_t)page->capacity * bs;
    if (looks_free && alloc_page_contains_free(page, p))
        alloc_report_bad_free(fn, p, fn[0] == 'r' ? ALLOC_BAD_FREED : ALLOC_BAD_DOUBLE, bs);
    return page;
}

/* A pointer outside every region of ours. */
static void foreign_free(void *p, int policy, const char *fn)
{
    uintptr_t a = (uintptr_t)p;
    char here;
    uintptr_t sp = (uintptr_t)&here;
    if (policy == ALLOC_FOREIGN_ABORT || (a & (ALLOC_MIN_ALIGN - 1)) != 0 ||
        (a >= sp - 4096 && a - sp < STACK_GUESS) || !alloc_os_mapped(p, 1))
        alloc_report_bad_free(fn, p, ALLOC_BAD_INVALID, 0);
    atomic_fetch_add_explicit(&alloc_global.foreign_frees, 1, memory_order_relaxed);
    if (alloc_global.opt.verbose)
        alloc_print("strata: %s: %p was not allocated by strata (it predates it); left alone\n", fn,
                    p);
}

static void free_checked(void *p, int policy, const char *fn)
{
    uintptr_t a = (uintptr_t)p;
    if (alloc_in_segment(a)) {
        alloc_page_t *page = checked_page(p, fn);
        alloc_block_t *b = p;
        b->freed = alloc_free_mark;
        alloc_heap_t *heap = alloc_tls_heap;
        if (atomic_load_explicit(&page->heap, memory_order_relaxed) != heap) {
            alloc_free_remote(page, b);
            return;
        }
        b->next_enc = (uintptr_t)page->local_free ^ alloc_key;
        page->local_free = b;
        if ((int32_t)--page->used <= 0) /* now empty, or parked as full */
            alloc_free_local_slow(heap, page, b);
        return;
    }
    alloc_large_t *l = alloc_large_of(p);
    if (l != NULL)
        alloc_large_free(l, p);
    else if (!alloc_boot_owns(p))
        foreign_free(p, policy, fn);
}

ALLOC_NOINLINE void alloc_free_slow(void *p, int policy)
{
    if (p != NULL)
        free_checked(p, policy, "free()");
}

/* ---- realloc and usable size ------------------------------------------------ */

/* Copies what can be read of a foreign block (its size is unknown: up to
 * `size` bytes, stopping where its mapping ends) into a new block. */
static void *foreign_realloc(void *p, size_t size, int policy)
{
    uintptr_t a = (uintptr_t)p;
    if (policy == ALLOC_FOREIGN_ABORT || (a & (ALLOC_MIN_ALIGN - 1)) != 0 || !alloc_os_mapped(p, 1))
        alloc_report_bad_free("realloc()", p, ALLOC_BAD_INVALID, 0);
    size_t pg = alloc_global.os_page;
    size_t avail = pg - (a & (pg - 1));
    while (avail < size && alloc_os_mapped((void *)(a + avail), 1))
        avail += pg;
    void *n = alloc_malloc_inline(size);
    if (n != NULL)
        memcpy(n, p, avail < size ? avail : size);
    return n;
}

static void *move_block(void *p, size_t old, size_t size, int policy)
{
    void *n = alloc_malloc_inline(size);
    if (n == NULL)
        return NULL;
    memcpy(n, p, old < size ? old : size);
    alloc_free_inline(p, policy);
    return n;
}

void *alloc_realloc(void *p, size_t size, int policy)
{
    if (p == NULL)
        return alloc_malloc_inline(size);
    if (size == 0) {
        free_checked(p, policy, "realloc()");
        return NULL;
    }
    uintptr_t a = (uintptr_t)p;
    if (alloc_in_segment(a)) {
        size_t bs = checked_page(p, "realloc()")->block_size;
        if (size <= bs && (size > bs / 2 || bs <= ALLOC_MIN_ALIGN))
            return p; /* fits, and shrinking would free less than half */
        return move_block(p, bs, size, policy);
    }
    alloc_large_t *l = alloc_large_of(p);
    if (l != NULL)
        return alloc_large_realloc(l, p, size);
    if (alloc_boot_owns(p)) {
        void *n = alloc_malloc_inline(size);
        size_t old = alloc_boot_size(p);
        if (n != NULL)
            memcpy(n, p, old < size ? old : size);
        return n;
    }
    return foreign_realloc(p, size, policy);
}

size_t alloc_usable(const void *p, int policy)
{
    (void)policy;
    uintptr_t a = (uintptr_t)p;
    if (p == NULL)
        return 0;
    if (alloc_in_segment(a)) {
        alloc_page_t *page = alloc_page_at(a & ~(uintptr_t)ALLOC_SEGMENT_MASK, a);
        size_t bs = page->block_size;
        uintptr_t off = a - (uintptr_t)page->start;
        if (off >= page->span || !alloc_page_block_start(page, off))
            return 0;
        return bs;
    }
    alloc_large_t *l = alloc_large_of(p);
    if (l != NULL)
        return (uintptr_t)l + l->offset == a && !l->cached ? l->size : 0;
    return alloc_boot_owns(p) ? alloc_boot_size(p) : 0;
}
