/*
 * internal.h — declarations shared by the allocator's files, grouped by the
 * file that defines them. All hidden (the build uses -fvisibility=hidden).
 */
#ifndef STRATA_ALLOC_INTERNAL_H
#define STRATA_ALLOC_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "types.h"

/* Everything declared here is internal: saying so on the declarations (not
 * only on the definitions, which -fvisibility=hidden covers) lets the
 * compiler reach the globals directly instead of through the GOT. */
#pragma GCC visibility push(hidden)

#define alloc_likely(x) __builtin_expect(!!(x), 1)
#define alloc_unlikely(x) __builtin_expect(!!(x), 0)
#define ALLOC_COLD __attribute__((noinline, cold))
#define ALLOC_NOINLINE __attribute__((noinline))

/* What free() does with a pointer strata does not own. */
enum alloc_foreign_policy {
    ALLOC_FOREIGN_ABORT = 0,  /* prefixed API: nothing can predate strata */
    ALLOC_FOREIGN_TOLERATE = 1, /* malloc ABI: may come from before strata took over */
};

/* ---- core_init.c: process-wide state, bootstrap ---- */
extern alloc_global_t alloc_global;
extern uintptr_t alloc_key; /* free-list secret, set once at init; alone for a one-load fast path */
extern uintptr_t alloc_free_mark; /* a free block's second word (alloc_block_t.freed); secret too */
extern uint8_t alloc_segmap[ALLOC_SEGMAP_BITS]; /* regions that are segments; __atomic stores */
extern _Atomic uint64_t alloc_largemap[ALLOC_SEGMAP_BITS / 64]; /* regions with a large header */
extern __thread alloc_heap_t *alloc_tls_heap __attribute__((tls_model("initial-exec")));
extern alloc_heap_t alloc_empty_heap;
extern alloc_page_t alloc_empty_page;
extern __thread int alloc_tls_busy __attribute__((tls_model("initial-exec"))); /* in setup: use boot arena */
void alloc_init(void);                       /* idempotent; never allocates */
void *alloc_boot_malloc(size_t size);        /* while alloc_init runs */
bool alloc_boot_owns(const void *p);
size_t alloc_boot_size(const void *p);
void alloc_fork_prepare(void);
void alloc_fork_parent(void);
void alloc_fork_child(void);

/* ---- core_os.c: every system call (see its top for the error rule) ---- */
void *alloc_os_mmap(size_t len, bool noreserve);
void *alloc_os_mmap_aligned(size_t len, size_t align, bool noreserve);
int alloc_os_munmap(void *p, size_t len);
void *alloc_os_mremap(void *old, size_t old_len, size_t new_len, void *fixed);
int alloc_os_purge(void *p, size_t len);
uintptr_t alloc_os_brk(uintptr_t want);
bool alloc_os_mapped(const void *p, size_t len);
void alloc_os_write_fd(int fd, const char *s, size_t n);
int alloc_os_dup_stderr(void);
uint32_t alloc_os_now_ms(void);
void alloc_os_random(void *buf, size_t n);
size_t alloc_os_page_size(void);
int alloc_os_open_read(const char *path);
long alloc_os_read(int fd, void *buf, size_t n);
void alloc_os_close(int fd);
_Noreturn void alloc_os_abort(void);

/* ---- core_print.c: formatting without allocating ---- */
size_t alloc_vfmt(char *buf, size_t cap, const char *fmt, va_list ap);
size_t alloc_fmt(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void alloc_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void alloc_print_fd(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void alloc_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- core_options.c ---- */
/* Parses one NAME=VALUE entry into opt; returns false (and warns once, on
 * stderr) for an unknown STRATA_* name or a bad value. */
bool alloc_options_apply(alloc_options_t *opt, const char *entry, size_t len);
void alloc_options_defaults(alloc_options_t *opt);
void alloc_options_read(alloc_options_t *opt);
void alloc_options_help(void);

/* ---- core_sizeclass.c ---- */
extern uint32_t alloc_class_size[ALLOC_CLASSES];
extern uint8_t alloc_class_slices[ALLOC_CLASSES];
extern uint8_t alloc_class_small[ALLOC_DIRECT_MAX + 1]; /* class of each size <= 1024 */
void alloc_sizeclass_init(void);
unsigned alloc_size_class(size_t size); /* size <= ALLOC_SMALL_MAX */
unsigned alloc_class_for_align(size_t size, size_t align); /* ALLOC_CLASSES if none */
extern unsigned alloc_shared_first; /* the first class above ALLOC_LOCAL_MAX */

/* ---- core_segment.c: segments, slices, the pool, the ownership maps, purging ---- */
/* A page of n slices from heap's segments (or a pooled or new segment it
 * adopts); NULL: out of memory. Owner only, like the rest of the heap's. */
alloc_page_t *alloc_segment_page_new(alloc_heap_t *heap, unsigned n);
void alloc_segment_page_free(alloc_heap_t *heap, alloc_page_t *page); /* slices back */
void alloc_segment_adopt(alloc_heap_t *heap, alloc_segment_t *seg);
void alloc_segment_move_all(alloc_heap_t *dst, alloc_heap_t *src);
void alloc_segment_heap_purge(alloc_heap_t *heap, uint32_t now, bool force); /* due/all slices */
void alloc_segment_heap_release_empty(alloc_heap_t *heap); /* empty segments to the pool */
void alloc_segment_heap_trim(alloc_heap_t *heap); /* empty segments to the pool, purge all */
void alloc_map_set(_Atomic uint64_t *map, uintptr_t region, bool on);
bool alloc_map_test(const _Atomic uint64_t *map, uintptr_t region);
void alloc_segment_purge(bool force); /* global: pool, break, parked heaps, large cache */
void alloc_segment_usage(size_t *active_bytes, size_t *segments, uint64_t *in_use);

/* True when a's 4 MiB region is one of our segments. (A plain byte read:
 * the map changes only under seg_lock, by __atomic stores, and a stale
 * answer is never asked for by a pointer's rightful owner.) */
static inline __attribute__((always_inline)) bool alloc_in_segment(uintptr_t a)
{
    uintptr_t i = a >> ALLOC_SEGMENT_SHIFT;
    return i < ALLOC_SEGMAP_BITS && alloc_segmap[i] != 0;
}

/* ---- core_page.c: one page's blocks ---- */
static inline uintptr_t alloc_tf_list(uintptr_t tf) /* first block of a thread_free word */
{
    return tf & ALLOC_TF_PTR_MASK;
}
static inline uint32_t alloc_tf_count(uintptr_t tf) /* blocks on it */
{
    return (uint32_t)(tf >> ALLOC_TF_COUNT_SHIFT);
}
static inline uint32_t alloc_page_used(const alloc_page_t *page) /* blocks out */
{
    return __atomic_load_n(&page->used, __ATOMIC_RELAXED) & ~(ALLOC_PAGE_FULL | ALLOC_PAGE_DIRECT);
}
static inline bool alloc_page_in_full(const alloc_page_t *page) /* owner only */
{
    return (page->used & ALLOC_PAGE_FULL) != 0;
}
/* Is off (inside the page) a multiple of the page's block size? */
static inline __attribute__((always_inline)) bool alloc_page_block_start(const alloc_page_t *page,
                                                                         uint64_t off)
{
    return off * page->div_magic < page->div_magic;
}
/* Is off (inside the page) the start of a block carved so far? One compare. */
static inline __attribute__((always_inline)) bool alloc_page_carved_block(const alloc_page_t *page,
                                                                          uint64_t off)
{
    return off * page->div_magic < page->limit;
}
void alloc_page_init(alloc_page_t *page, unsigned cls, alloc_heap_t *heap);
bool alloc_page_collect(alloc_page_t *page);  /* owner: refill `free`; true if any */
void alloc_page_extend(alloc_page_t *page);   /* owner: carve more blocks */
void alloc_page_set_tf_state(alloc_page_t *page, unsigned state, bool override_never);
bool alloc_page_contains_free(alloc_page_t *page, const alloc_block_t *b);
void alloc_queue_push_front(alloc_queue_t *q, alloc_page_t *p);
void alloc_queue_push_back(alloc_queue_t *q, alloc_page_t *p);
void alloc_queue_remove(alloc_queue_t *q, alloc_page_t *p);

/* ---- core_heap.c: thread heaps and their life cycle ---- */
alloc_heap_t *alloc_heap_get(void);          /* this thread's heap; NULL: no memory */
void alloc_heap_collect_delayed(alloc_heap_t *heap);
void alloc_heap_retire_page(alloc_heap_t *heap, alloc_page_t *page);
alloc_page_t *alloc_heap_page_for(alloc_heap_t *heap, unsigned cls);
void alloc_heap_thread_done(void *heap);     /* key destructor: parks the heap */
void alloc_heap_fork_child(void);            /* orphans the heaps of threads the fork left behind */
void alloc_heap_trim(alloc_heap_t *heap);
void alloc_heap_purge_parked(uint32_t now, bool force);

/* ---- core_shared.c: medium and big blocks, pages shared by all threads ---- */
extern alloc_heap_t alloc_shared_heap;
void *alloc_shared_malloc(unsigned cls, bool *zero); /* cls >= alloc_shared_first; NULL: no memory */
void alloc_shared_free(alloc_page_t *page, alloc_block_t *b);
void alloc_shared_purge(uint32_t now, bool force);
void alloc_shared_fork_prepare(void);
void alloc_shared_fork_parent(void);
void alloc_shared_fork_child(void);

/* ---- core_malloc.c: slow paths of the malloc family ---- */
void *alloc_malloc_slow(size_t size, alloc_heap_t *heap); /* size first: malloc tail-calls it */
void alloc_free_slow(void *p, int policy);
void alloc_free_remote(alloc_page_t *page, alloc_block_t *b);
void alloc_free_local_slow(alloc_heap_t *heap, alloc_page_t *page, alloc_block_t *b);
void *alloc_calloc(size_t n, size_t size);
void *alloc_realloc(void *p, size_t size, int policy);
void *alloc_aligned(size_t align, size_t size);
size_t alloc_usable(const void *p, int policy);
enum alloc_bad { ALLOC_BAD_INVALID, ALLOC_BAD_INTERIOR, ALLOC_BAD_DOUBLE, ALLOC_BAD_FREED };
_Noreturn void alloc_report_bad_free(const char *fn, const void *p, int what, size_t block);

/* ---- core_large.c: blocks with their own mapping ---- */
void *alloc_large_malloc(size_t size, size_t align, bool zero);
void alloc_large_free(alloc_large_t *l, const void *p);
void *alloc_large_realloc(alloc_large_t *l, void *p, size_t size);
void alloc_large_purge(bool force);
alloc_large_t *alloc_large_of(const void *p);  /* header if p is a live large block */

/* ---- core_stats.c ---- */
struct strata_alloc_stats;
void alloc_stats_fill(struct strata_alloc_stats *out);
void alloc_stats_print(int fd);
int alloc_trim(void);

#pragma GCC visibility pop
#endif
