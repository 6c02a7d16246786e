/*
 * types.h — the allocator's data structures and geometry.
 *
 * Memory is handed out from 4 MiB-aligned *segments*. A segment is split
 * into 64 *slices* of 64 KiB; slice 0 holds the segment header (this
 * struct, with one page descriptor per slice), the others are grouped into
 * *pages*. A page is 1..63 contiguous slices holding blocks of ONE size
 * class and is owned by ONE thread heap, which allocates from it without
 * locks. Blocks bigger than ALLOC_SMALL_MAX are *large*: each gets its own
 * mapping, also 4 MiB-aligned, with an alloc_large_t header at its base.
 *
 * Ownership of any pointer p is O(1): its 4 MiB region is looked up in flat
 * maps over the 47-bit address space, .bss that is only touched where
 * strata maps: a byte per region for segments (32 MiB, so that free tests
 * it with one compare), a bit per region for large headers (4 MiB), where
 * the region looked up is that of p - 1: "p - 1" lets a
 * large block whose user pointer is itself 4 MiB-aligned (big alignments)
 * keep its header in the region just below; small blocks never sit at a
 * segment's base (slice 0 is the header), so for them it changes nothing.
 */
#ifndef STRATA_ALLOC_TYPES_H
#define STRATA_ALLOC_TYPES_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define ALLOC_SEGMENT_SHIFT 22
#define ALLOC_SEGMENT_SIZE ((size_t)1 << ALLOC_SEGMENT_SHIFT)
#define ALLOC_SEGMENT_MASK (ALLOC_SEGMENT_SIZE - 1)
#define ALLOC_SLICE_SHIFT 16
#define ALLOC_SLICE_SIZE ((size_t)1 << ALLOC_SLICE_SHIFT)
#define ALLOC_SLICES (ALLOC_SEGMENT_SIZE / ALLOC_SLICE_SIZE) /* 64: one uint64_t mask */
#define ALLOC_ADDR_BITS 47                                   /* user address space */
#define ALLOC_SEGMAP_BITS ((size_t)1 << (ALLOC_ADDR_BITS - ALLOC_SEGMENT_SHIFT))

/* Size classes: multiples of 16 up to 128, then 4 per power of two up to
 * 128 KiB. A request gets the smallest class >= it, so the bytes wasted in
 * a block are < 25% of the request (the class step above 128 is 1/4 of the
 * lower power of two), or < 16 bytes for requests under 128 (the 16-byte
 * alignment malloc owes). */
#define ALLOC_CLASSES 48
#define ALLOC_SMALL_MAX ((size_t)128 << 10)
#define ALLOC_MIN_ALIGN 16
#define ALLOC_DIRECT_MAX 1024 /* sizes <= this map to a class by table (one byte per size) */
#define ALLOC_PAGE_FULL 0x80000000u   /* in alloc_page_t.used: the page is in the full queue */
#define ALLOC_PAGE_DIRECT 0x40000000u /* in alloc_page_t.used: the page is its heap's direct page */

#define ALLOC_SEG_MAGIC 0x5354524153454731ull   /* "STRASEG1" */
#define ALLOC_LARGE_MAGIC 0x535452414c524731ull /* "STRALRG1" */

enum alloc_region_kind { ALLOC_KIND_SEGMENT = 1, ALLOC_KIND_LARGE = 2 };

/* thread_free's low two bits: may a remote free go to the owner heap's
 * delayed list (the page is in its full queue and would not be looked at)?
 * Same protocol as mimalloc's delayed frees. */
enum alloc_tf_state {
    ALLOC_TF_NORMAL = 0,        /* push on the page's thread_free */
    ALLOC_TF_USE_DELAYED = 1,   /* page is full: push on heap->delayed_free */
    ALLOC_TF_DELAYING = 2,      /* a remote free is pushing on heap->delayed_free */
    ALLOC_TF_NEVER_DELAYED = 3, /* page abandoned/retiring: never touch its heap */
};

/* A free block's first two words (every block has 16 bytes at least):
 * the next free block, XORed with the process secret (alloc_key) so that a
 * heap overflow cannot forge a pointer; and the "freed" mark, another
 * secret, which free() tests to suspect a double free without reading the
 * first word (the one a program most likely wrote last, often with a
 * narrower store: reading it back stalls store forwarding). */
typedef struct alloc_block {
    uintptr_t next_enc; /* (next ^ key); next == NULL encodes as key */
    uintptr_t freed;    /* alloc_free_mark while free or never handed out; 0 once handed out */
} alloc_block_t;

struct alloc_heap;

/* A page descriptor; lives in its segment's header, one per slice. Every
 * slice's `head` points to the descriptor of the page covering it (the
 * page's first slice), so free() finds a page with one load. */
typedef struct alloc_page {
    struct alloc_page *head;     /* the page this slice belongs to (itself when free) */
    alloc_block_t *free;         /* owner only: blocks ready to hand out */
    uint32_t used;               /* blocks out (handed out minus frees collected/local),
                                    | ALLOC_PAGE_FULL while the page sits in the owner's
                                    full queue, | ALLOC_PAGE_DIRECT while it is the
                                    owner's direct page (kept even when empty): free's
                                    one signed test `--used <= 0` then catches exactly
                                    "now empty, may go" and "was full" */
    uint32_t block_size;         /* bytes per block; 0 when the slice holds no page */
    uint8_t *start;              /* first block; NULL when no page */
    uint64_t div_magic;          /* UINT64_MAX / block_size + 2 (0: no page); see limit */
    _Atomic(struct alloc_heap *) heap; /* owner; NULL while abandoned */
    _Atomic uintptr_t owner_tp;  /* the owner thread's thread pointer (%fs:0), 0 while
                                    abandoned: free's "is it mine?" in one compare */
    alloc_block_t *local_free;   /* owner only: blocks the owner freed since last collect */
    uint32_t capacity;           /* blocks carved so far (bump); <= reserved */
    uint32_t span;               /* capacity * block_size: bytes handed out at least once */
    uint32_t reserved;           /* blocks that fit in the page */
    uint64_t limit;              /* (64 bits: free compares with it in memory) capacity * step, step = block_size * div_magic mod 2^64
                                    (in [block_size, 2 block_size)): for off in the page,
                                    off * div_magic mod 2^64 is k * step when off is block
                                    k's start, and >= 2^47 when off is not a multiple of
                                    block_size; so `off * div_magic < limit` says "start of
                                    a block handed out at least once" in one compare */
    _Atomic uintptr_t thread_free; /* remote frees: block list | enum alloc_tf_state */
    uint8_t class_idx;           /* size class */
    uint8_t slice_count;         /* slices in this page (head only) */
    uint8_t is_zero;             /* owner only: blocks on `free` are zero past word 1 */
    uint8_t fresh;               /* the page's memory came zeroed from the kernel */
    struct alloc_page *next;     /* owner's queue / abandoned queue */
    struct alloc_page *prev;     /* owner's queue */
} __attribute__((aligned(128))) alloc_page_t; /* a power of two: found by shifts */

/* A 4 MiB segment's header (at its base). */
typedef struct alloc_segment {
    uint64_t magic;              /* ALLOC_SEG_MAGIC */
    uint32_t kind;               /* ALLOC_KIND_SEGMENT */
    uint32_t backend;            /* STRATA_BACKEND_BRK or _MMAP */
    uint64_t free_mask;          /* seg lock: bit i = slice i holds no page (bit 0 never) */
    uint64_t dirty_mask;         /* seg lock: slice touched since fresh or purged */
    uint32_t freed_ms[ALLOC_SLICES]; /* seg lock: when a free dirty slice was freed */
    struct alloc_segment *next;  /* seg lock: list of all segments */
    struct alloc_segment *prev;
    alloc_page_t pages[ALLOC_SLICES]; /* one descriptor per slice */
} alloc_segment_t;

/* A large block's header, at the base of its own mapping. */
typedef struct alloc_large {
    uint64_t magic;              /* ALLOC_LARGE_MAGIC */
    uint32_t kind;               /* ALLOC_KIND_LARGE */
    uint32_t cached;             /* large lock: freed, waiting in the cache */
    size_t offset;               /* user pointer - base; <= ALLOC_SEGMENT_SIZE */
    size_t size;                 /* usable bytes at the user pointer */
    size_t mapped;               /* bytes mapped from base (multiple of the OS page) */
    uint32_t freed_ms;           /* large lock: when it entered the cache */
    uint32_t is_zero;            /* all bytes past offset are zero (fresh mapping) */
    struct alloc_large *next;    /* large lock: cache list */
} alloc_large_t;

/* Per-class counters of one heap; summed over heaps for statistics. Plain
 * (not atomic) fields written only by the heap's thread. (Blocks in use are
 * counted from the pages themselves, which keeps free() a little cheaper.) */
typedef struct alloc_class_count {
    uint64_t mallocs; /* blocks handed out */
} alloc_class_count_t;

/* A page queue: the owner's pages of one class, those with room first. */
typedef struct alloc_queue {
    alloc_page_t *first;
    alloc_page_t *last;
} alloc_queue_t;

/* A thread heap. Reached through a TLS pointer; the thread that owns it is
 * the only one touching its fields except `delayed_free` (atomic). */
typedef struct alloc_heap {
    alloc_page_t *direct[ALLOC_CLASSES]; /* page to allocate from, or the empty page */
    uintptr_t key;                       /* copy of the process secret (hot line) */
    alloc_queue_t queue[ALLOC_CLASSES];  /* pages with (maybe) room */
    alloc_queue_t full[ALLOC_CLASSES];   /* pages found full; remote frees go delayed */
    _Atomic uintptr_t delayed_free;      /* blocks of full pages freed by other threads */
    alloc_class_count_t count[ALLOC_CLASSES];
    struct alloc_heap *next_all;         /* heap lock: every heap ever made */
    struct alloc_heap *next_free;        /* heap lock: recycled heaps */
    int live;                            /* owned by a running thread */
} alloc_heap_t;

/* Options, read once from the environment. */
typedef struct alloc_options {
    unsigned backend;       /* 0 = auto, else STRATA_BACKEND_BRK / _MMAP */
    unsigned purge_delay_ms;/* freed memory returned to the OS after this */
    int stats;              /* STRATA_STATS=1: summary on stderr at exit */
    int verbose;            /* STRATA_VERBOSE=1 */
    int help;               /* STRATA_HELP=1 */
} alloc_options_t;

/* Process-wide state (the only global mutable state, as STYLE allows). */
typedef struct alloc_global {
    size_t os_page;              /* kernel page size */
    _Atomic int init_state;      /* 0 none, 1 running, 2 done */
    alloc_options_t opt;
    pthread_mutex_t seg_lock;    /* segments, slices, brk */
    pthread_mutex_t heap_lock;   /* heap list */
    pthread_mutex_t aband_lock;  /* abandoned pages */
    pthread_mutex_t large_lock;  /* large cache */
    alloc_segment_t *segments;   /* seg lock: every live segment */
    uintptr_t brk_start;         /* seg lock: first byte of our brk area (0 = none) */
    uintptr_t brk_end;           /* seg lock: our current break */
    int brk_failed;              /* seg lock: auto mode moved on to mmap */
    uint32_t last_purge_ms;      /* seg lock */
    alloc_queue_t abandoned[ALLOC_CLASSES]; /* aband lock: oldest first (adopted first:
                                               the likeliest to have room again) */
    alloc_large_t *large_cache;  /* large lock */
    size_t large_cache_bytes;    /* large lock */
    alloc_heap_t *heaps;         /* heap lock: all heaps */
    alloc_heap_t *free_heaps;    /* heap lock */
    uint8_t *meta_cur, *meta_end;/* heap lock: bump area for heaps */
    pthread_key_t thread_key;    /* destructor abandons a dead thread's heap */
    int key_ok;
    int stats_fd;                /* STRATA_STATS output at exit (a dup of stderr) */
    _Atomic size_t seg_bytes_brk, seg_bytes_mmap; /* mapped by backend */
    _Atomic size_t large_bytes;  /* mapped for large blocks (incl. cache) */
    _Atomic size_t large_in_use; /* usable bytes of live large blocks */
    _Atomic size_t meta_bytes;
    _Atomic uint64_t purged_bytes, backend_switches, foreign_frees;
    _Atomic uint64_t large_mallocs, large_frees;  /* large blocks (all threads) */
    _Atomic uint64_t mmap_calls, munmap_calls, mremap_calls, brk_calls, madvise_calls;
} alloc_global_t;

#endif
