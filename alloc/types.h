/*
 * types.h — the allocator's data structures and geometry.
 *
 * Memory is handed out from 4 MiB-aligned *segments*. A segment is split
 * into 64 *slices* of 64 KiB; slice 0 holds the segment header (this
 * struct, with one page descriptor per slice), the others are grouped into
 * *pages*. A page is 1..63 contiguous slices holding blocks of ONE size
 * class. Every segment belongs to ONE thread heap (or to the global pool of
 * empty segments), and so does every page in it: the heap's thread carves
 * pages, allocates from them and gives their slices back without locks.
 * Blocks bigger than ALLOC_SMALL_MAX (1 MiB) are *large*: each gets its
 * own mapping, also 4 MiB-aligned, with an alloc_large_t header at its base.
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
 * 1 MiB. A request gets the smallest class >= it, so the bytes wasted in
 * a block are < 25% of the request (the class step above 128 is 1/4 of the
 * lower power of two), or < 16 bytes for requests under 128 (the 16-byte
 * alignment malloc owes). Classes above ALLOC_MEDIUM_MAX (128 KiB) have
 * one block per page: their pages are runs of slices that go back to the
 * segment the moment the block is freed, so blocks of 128 KiB .. 1 MiB
 * cycle through memory that is already mapped and resident, without a
 * system call. */
#define ALLOC_CLASSES 60
#define ALLOC_LOCAL_MAX ((size_t)8 << 10) /* up to this, thread heaps; above, shared pages */
#define ALLOC_MEDIUM_MAX ((size_t)128 << 10)
#define ALLOC_SMALL_MAX ((size_t)1 << 20)
#define ALLOC_MIN_ALIGN 16
#define ALLOC_DIRECT_MAX 1024 /* sizes <= this map to a class by table (one byte per size) */
#define ALLOC_PAGE_FULL 0x80000000u   /* in alloc_page_t.used: the page is in the full queue */
#define ALLOC_PAGE_DIRECT 0x40000000u /* in alloc_page_t.used: the page is its heap's direct page */

#define ALLOC_SEG_MAGIC 0x5354524153454731ull   /* "STRASEG1" */
#define ALLOC_LARGE_MAGIC 0x535452414c524731ull /* "STRALRG1" */

enum alloc_region_kind { ALLOC_KIND_SEGMENT = 1, ALLOC_KIND_LARGE = 2 };

/* thread_free packs three things in one word, so that a remote free is one
 * CAS and the owner takes the whole list, knowing its length, with one:
 *   bits 0-1   enum alloc_tf_state (below)
 *   bits 4-46  the first block of the list (blocks are 16-aligned, and user
 *              addresses have 47 bits: segments are only ever mapped there)
 *   bits 47-63 how many blocks the list holds (a page has <= 4096 blocks)
 * The state says whether a remote free may go to the owner heap's delayed
 * list instead (the page is in its full queue and would not be looked at),
 * the protocol of mimalloc's delayed frees; strata also sends a free there
 * when a page in the owner's queue has gathered enough remote frees to be
 * worth looking at again (see alloc_free_remote). */
#define ALLOC_TF_COUNT_SHIFT 47
#define ALLOC_TF_PTR_MASK ((((uintptr_t)1 << ALLOC_TF_COUNT_SHIFT) - 1) & ~(uintptr_t)15)
enum alloc_tf_state {
    ALLOC_TF_NORMAL = 0,        /* push on the page's thread_free */
    ALLOC_TF_USE_DELAYED = 1,   /* page is full: push on heap->delayed_free */
    ALLOC_TF_DELAYING = 2,      /* a remote free is pushing on heap->delayed_free */
    ALLOC_TF_NEVER_DELAYED = 3, /* page changing heaps or retiring: never touch its heap */
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
    _Atomic(struct alloc_heap *) heap; /* owner heap (never NULL while the page exists):
                                    free's "is it mine?" compares it with the thread's
                                    heap; it changes only when a heap is absorbed */
    alloc_block_t *local_free;   /* owner only: blocks the owner freed since last collect */
    uint64_t limit;              /* capacity * step, step = block_size * div_magic mod 2^64
                                    (in [block_size, 2 block_size)): for off in the page,
                                    off * div_magic mod 2^64 is k * step when off is block
                                    k's start, and >= 2^47 when off is not a multiple of
                                    block_size; so `off * div_magic < limit` says "start of
                                    a block handed out at least once" in one compare.
                                    (Everything free's fast path reads is in this first
                                    64-byte line.) */
    uint32_t capacity;           /* blocks carved so far (bump); <= reserved */
    uint32_t span;               /* capacity * block_size: bytes handed out at least once */
    uint32_t reserved;           /* blocks that fit in the page */
    _Atomic uintptr_t thread_free; /* remote frees: count | block list | enum alloc_tf_state */
    uint8_t class_idx;           /* size class */
    uint8_t slice_count;         /* slices in this page (head only) */
    uint8_t is_zero;             /* owner only: blocks on `free` are zero past word 1 */
    uint8_t fresh;               /* the page's memory came zeroed from the kernel */
    uint32_t freed_bs;           /* slice that holds no page: the block size of the page that
                                    started here when it was released (0: none), so that a
                                    second free of a big block (one per page) is told as a
                                    double free until the slice is used again */
    struct alloc_page *next;     /* owner's queue */
    struct alloc_page *prev;     /* owner's queue */
} __attribute__((aligned(128))) alloc_page_t; /* a power of two: found by shifts */

/* A 4 MiB segment's header (at its base). "owner" below is the thread of
 * the heap the segment belongs to, or whoever holds seg_lock while the
 * segment sits in the pool (heap NULL). */
typedef struct alloc_segment {
    uint64_t magic;              /* ALLOC_SEG_MAGIC */
    uint32_t kind;               /* ALLOC_KIND_SEGMENT */
    uint32_t backend;            /* STRATA_BACKEND_BRK or _MMAP */
    uint64_t free_mask;          /* owner: bit i = slice i holds no page (bit 0 never) */
    uint64_t dirty_mask;         /* owner: slice touched since fresh or purged */
    uint32_t freed_ms[ALLOC_SLICES]; /* owner: when a free dirty slice was freed */
    struct alloc_heap *heap;     /* owner heap; NULL while in the pool */
    struct alloc_segment *hnext; /* owner: the heap's segments (those with free slices
                                    first), or the pool */
    struct alloc_segment *hprev;
    uint32_t pooled_ms;          /* seg lock: when it entered the pool */
    uint32_t in_pool;            /* seg lock: on alloc_global.pool now */
    uint32_t shared;             /* seg lock: on the shared list (pages of 2+ slices for any
                                    heap; seg lock guards its masks then); heap is NULL */
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

/* What a heap is doing (alloc_heap_t.state). */
enum alloc_heap_state {
    ALLOC_HEAP_LIVE = 1,   /* a running thread owns it */
    ALLOC_HEAP_PARKED = 2, /* its thread exited; it keeps its pages and segments for the
                              next thread (or an absorbing heap) to take whole */
    ALLOC_HEAP_FREE = 3,   /* holds nothing; ready to serve a new thread */
    ALLOC_HEAP_ORPHANED = 4, /* in a forked child: its thread did not survive the fork and
                                may have left it half-updated, so it is never taken or
                                absorbed; its pages only take remote frees */
    ALLOC_HEAP_SHARED = 5,   /* alloc_shared_heap: marks the shared pages of medium and big
                                blocks, which belong to no thread (core_shared.c) */
};

/* A thread heap. Reached through a TLS pointer; "owner" is the thread that
 * has it (or, for a parked heap, whoever took it off the parked list), the
 * only one touching its fields except `delayed_free` (atomic) and those
 * marked heap lock. */
typedef struct alloc_heap {
    alloc_page_t *direct[ALLOC_CLASSES]; /* page to allocate from, or the empty page */
    uintptr_t key;                       /* copy of the process secret (hot line) */
    alloc_queue_t queue[ALLOC_CLASSES];  /* pages with (maybe) room */
    alloc_queue_t full[ALLOC_CLASSES];   /* pages found full; remote frees go delayed */
    _Atomic uintptr_t delayed_free;      /* blocks of full pages freed by other threads */
    alloc_class_count_t count[ALLOC_CLASSES];
    struct alloc_segment *segs;          /* owner: its segments, those with free slices first */
    uint32_t nsegs;                      /* owner: segments in `segs` */
    uint32_t nempty;                     /* owner: of those, with every slice free */
    uint32_t purge_ms;                   /* owner: when idle pages and free slices were last
                                            given back (every half purge delay) */
    uint32_t parked_ms;                  /* heap lock: when it was parked */
    uint32_t trimmed;                    /* heap lock: parked and trimmed since (nothing due) */
    struct alloc_heap *next_all;         /* heap lock: every heap ever made */
    struct alloc_heap *next_idle;        /* heap lock: the parked (newest first) or free list */
    int state;                           /* heap lock: enum alloc_heap_state */
} alloc_heap_t;

/* The process-wide pages of one medium or big class (core_shared.c). */
typedef struct alloc_shared_class {
    pthread_mutex_t lock;
    alloc_queue_t queue; /* lock: the class's pages, those with room first */
    uint64_t mallocs;    /* lock: blocks handed out */
    uint32_t empty_ms;   /* lock: when the kept only page last became empty */
} __attribute__((aligned(64))) alloc_shared_class_t;

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
    pthread_mutex_t seg_lock;    /* segment list, the pool, brk */
    pthread_mutex_t heap_lock;   /* heap lists */
    pthread_mutex_t large_lock;  /* large cache */
    alloc_segment_t *segments;   /* seg lock: every live segment */
    alloc_segment_t *pool;       /* seg lock: empty segments no heap owns (via hnext) */
    uint32_t npool;              /* seg lock: segments in the pool */
    alloc_segment_t *shared;     /* seg lock: shared segments (via hnext) */
    uint32_t nshared_empty;      /* seg lock: shared segments with every slice free */
    uintptr_t brk_start;         /* seg lock: first byte of our brk area (0 = none) */
    uintptr_t brk_end;           /* seg lock: our current break */
    int brk_failed;              /* seg lock: auto mode moved on to mmap */
    uint32_t last_purge_ms;      /* seg lock: the pool and parked heaps were last purged */
    alloc_shared_class_t shared_class[ALLOC_CLASSES]; /* from alloc_shared_first on */
    alloc_large_t *large_cache;  /* large lock */
    size_t large_cache_bytes;    /* large lock */
    alloc_heap_t *heaps;         /* heap lock: all heaps */
    alloc_heap_t *parked;        /* heap lock: parked heaps, most recently parked first */
    alloc_heap_t *free_heaps;    /* heap lock: heaps holding nothing */
    _Atomic uint32_t nparked;    /* heaps on `parked` (read without the lock as a hint) */
    uint32_t ntrimming;          /* heap lock: parked heaps the purge has out to trim */
    _Atomic uint32_t nlive;      /* heaps owned by running threads */
    uint8_t *meta_cur, *meta_end;/* heap lock: bump area for heaps */
    pthread_key_t thread_key;    /* destructor parks a dead thread's heap */
    int key_ok;
    int stats_fd;                /* STRATA_STATS output at exit (a dup of stderr) */
    _Atomic size_t seg_bytes_brk, seg_bytes_mmap; /* mapped by backend */
    _Atomic size_t large_bytes;  /* mapped for large blocks (incl. cache) */
    _Atomic size_t large_in_use; /* usable bytes of live large blocks */
    _Atomic size_t meta_bytes;
    _Atomic uint64_t purged_bytes, backend_switches, foreign_frees;
    _Atomic uint64_t heaps_reused, heaps_absorbed; /* thread life cycle */
    _Atomic uint64_t large_mallocs, large_frees;  /* large blocks (all threads) */
    _Atomic uint64_t mmap_calls, munmap_calls, mremap_calls, brk_calls, madvise_calls;
} alloc_global_t;

#endif
