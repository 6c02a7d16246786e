/*
 * core_init.c — the process-wide heap state, its one-time setup, the
 * bootstrap arena, and fork handling.
 *
 * Setup runs on the first allocation (or the library constructor, if that
 * comes first) and never allocates. While it runs, and while a thread's
 * heap is being made, calls that come back into malloc on the same thread
 * (pthread_setspecific, the dynamic loader, ...) are served from a static
 * bootstrap arena: bump-allocated, never reused, free() ignores it.
 */
#include <sched.h>
#include <string.h>

#include "internal.h"
#include "registry.h"
#include "strata.h"

alloc_global_t alloc_global = {
    .seg_lock = PTHREAD_MUTEX_INITIALIZER,
    .heap_lock = PTHREAD_MUTEX_INITIALIZER,
    .large_lock = PTHREAD_MUTEX_INITIALIZER,
    .os_page = 4096,
    .stats_fd = 2,
};

uintptr_t alloc_key;
uintptr_t alloc_free_mark;

/* Which 4 MiB regions of the address space are ours, .bss touched only
 * where strata has mapped something: segments one BYTE each (32 MiB of
 * .bss, so that free tests it with a single compare), large headers one
 * bit each (4 MiB; only the slow paths look). */
uint8_t alloc_segmap[ALLOC_SEGMAP_BITS];
_Atomic uint64_t alloc_largemap[ALLOC_SEGMAP_BITS / 64];

/* A thread without a heap points at this one: every direct page is the
 * empty page, whose free list is empty, so its first malloc goes to the
 * slow path, which makes the real heap. Never written. */
alloc_page_t alloc_empty_page;
alloc_heap_t alloc_empty_heap = {.direct = {[0 ... ALLOC_CLASSES - 1] = &alloc_empty_page}};

__thread alloc_heap_t *alloc_tls_heap __attribute__((tls_model("initial-exec"))) = &alloc_empty_heap;
__thread int alloc_tls_busy __attribute__((tls_model("initial-exec")));

/* ---- bootstrap arena --------------------------------------------------------- */

#define BOOT_ARENA ((size_t)256 << 10)
static _Alignas(64) uint8_t boot_arena[BOOT_ARENA];
static _Atomic size_t boot_used;

void *alloc_boot_malloc(size_t size)
{
    if (size > BOOT_ARENA)
        return NULL;
    size_t need = ((size + 15) & ~(size_t)15) + 16;
    size_t off = atomic_fetch_add_explicit(&boot_used, need, memory_order_relaxed);
    if (off + need > BOOT_ARENA)
        return NULL;
    *(size_t *)(boot_arena + off) = size;
    return boot_arena + off + 16;
}

bool alloc_boot_owns(const void *p)
{
    return (const uint8_t *)p >= boot_arena && (const uint8_t *)p < boot_arena + BOOT_ARENA;
}

size_t alloc_boot_size(const void *p)
{
    return *(const size_t *)((const uint8_t *)p - 16);
}

/* ---- setup ------------------------------------------------------------------- */

static void init_once(void)
{
    alloc_global.os_page = alloc_os_page_size();
    uintptr_t key[2] = {0, 0};
    alloc_os_random(key, sizeof key);
    alloc_key = key[0] ? key[0] : (uintptr_t)0x9e3779b97f4a7c15ull;
#if defined(ALLOC_HARDEN) && !(ALLOC_HARDEN & 1)
    alloc_key = 0; /* the measurement variant: plain links (see fast.h) */
#endif
    /* Never 0 (what malloc leaves there): a live block must not look free. */
    alloc_free_mark = key[1] ? key[1] : (uintptr_t)0xc2b2ae3d27d4eb4full;
    alloc_sizeclass_init();
    for (unsigned c = 0; c < ALLOC_CLASSES; c++)
        pthread_mutex_init(&alloc_global.shared_class[c].lock, NULL);
    alloc_options_read(&alloc_global.opt);
    alloc_global.key_ok =
        pthread_key_create(&alloc_global.thread_key, alloc_heap_thread_done) == 0;
    alloc_global.last_purge_ms = alloc_os_now_ms();
    if (alloc_global.opt.help)
        alloc_options_help();
    if (alloc_global.opt.stats) {
        int fd = alloc_os_dup_stderr();
        alloc_global.stats_fd = fd >= 0 ? fd : 2;
    }
    if (alloc_global.opt.verbose)
        alloc_print("strata: allocator ready: backend %s, purge delay %u ms, page %zu bytes\n",
                    alloc_global.opt.backend == STRATA_BACKEND_BRK    ? "brk"
                    : alloc_global.opt.backend == STRATA_BACKEND_MMAP ? "mmap"
                                                                      : "auto",
                    alloc_global.opt.purge_delay_ms, alloc_global.os_page);
}

void alloc_init(void)
{
    if (alloc_likely(atomic_load_explicit(&alloc_global.init_state, memory_order_acquire) == 2))
        return;
    int expected = 0;
    if (atomic_compare_exchange_strong(&alloc_global.init_state, &expected, 1)) {
        alloc_tls_busy = 1;
        init_once();
        alloc_tls_busy = 0;
        atomic_store_explicit(&alloc_global.init_state, 2, memory_order_release);
        return;
    }
    if (alloc_tls_busy)
        return; /* re-entered from our own setup */
    while (atomic_load_explicit(&alloc_global.init_state, memory_order_acquire) != 2)
        sched_yield();
}

/* ---- fork ---------------------------------------------------------------------- */

/* Every lock is taken before fork so the child never inherits one held by
 * a thread that does not exist there. Page lists are per thread and only
 * touched by their owner (gone in the child) or atomically. */
void alloc_fork_prepare(void)
{
    alloc_shared_fork_prepare();
    pthread_mutex_lock(&alloc_global.heap_lock);
    pthread_mutex_lock(&alloc_global.large_lock);
    pthread_mutex_lock(&alloc_global.seg_lock);
    alloc_registry_fork_prepare();
}

void alloc_fork_parent(void)
{
    alloc_registry_fork_parent();
    pthread_mutex_unlock(&alloc_global.seg_lock);
    pthread_mutex_unlock(&alloc_global.large_lock);
    pthread_mutex_unlock(&alloc_global.heap_lock);
    alloc_shared_fork_parent();
}

/* A thread that vanished in the fork may have left a page in the DELAYING
 * state (it was pushing a free onto its owner's delayed list); nobody would
 * ever clear it and the child would spin on it. Only the forking thread
 * exists now, so the segments can be walked without locks. */
static void fork_child_unfreeze_pages(void)
{
    for (alloc_segment_t *seg = alloc_global.segments; seg; seg = seg->next)
        for (unsigned i = 1; i < ALLOC_SLICES; i++) {
            alloc_page_t *p = &seg->pages[i];
            uintptr_t tf = atomic_load_explicit(&p->thread_free, memory_order_relaxed);
            if (p->head == p && p->block_size != 0 && (tf & 3) == ALLOC_TF_DELAYING)
                atomic_store_explicit(&p->thread_free, (tf & ~(uintptr_t)3) | ALLOC_TF_NORMAL,
                                      memory_order_relaxed);
        }
}

void alloc_fork_child(void)
{
    fork_child_unfreeze_pages();
    alloc_heap_fork_child();
    alloc_registry_fork_child();
    pthread_mutex_init(&alloc_global.seg_lock, NULL);
    pthread_mutex_init(&alloc_global.large_lock, NULL);
    pthread_mutex_init(&alloc_global.heap_lock, NULL);
    alloc_shared_fork_child();
}

__attribute__((constructor)) static void alloc_constructor(void)
{
    alloc_init();
    pthread_atfork(alloc_fork_prepare, alloc_fork_parent, alloc_fork_child);
}

__attribute__((destructor)) static void alloc_destructor(void)
{
    if (alloc_global.opt.stats)
        alloc_stats_print(alloc_global.stats_fd);
}
